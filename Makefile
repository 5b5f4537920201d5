# The README's two commands are `make demo` and `make test`.  Both bootstrap their own
# virtual environment (.venv) on a machine that has only python3.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PACKAGES := core sdk gateway $(sort $(dir $(wildcard plugins/*/pyproject.toml))) $(sort $(dir $(wildcard examples/*/pyproject.toml)))
PYPROJECTS := $(wildcard core/pyproject.toml sdk/pyproject.toml gateway/pyproject.toml plugins/*/pyproject.toml examples/*/pyproject.toml)

# mypy --strict checks the kernel, the SDK, the gateway, every capability package and every example.
TYPED := core/src/zhongtai/core sdk/src/zhongtai/sdk gateway/src/zhongtai/gateway \
         $(patsubst %/__init__.py,%,$(wildcard plugins/*/src/zhongtai/plugins/*/__init__.py)) \
         $(patsubst %/__init__.py,%,$(wildcard examples/*/src/*/__init__.py)) examples/zhongtai_demo examples/demo.py
empty :=
space := $(empty) $(empty)
TYPED_PATH := $(subst $(space),:,$(wildcard plugins/*/src examples/*/src) examples)

.PHONY: venv demo test lint type type-check unit bench clean

$(STAMP): Makefile requirements-dev.txt $(PYPROJECTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-build-isolation $(addprefix -e ./,$(PACKAGES))
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/python examples/demo.py

lint: venv
	$(BIN)/ruff check core/src sdk/src gateway/src plugins examples benchmarks

type: venv type-check

type-check:
	MYPYPATH=$(TYPED_PATH) $(BIN)/mypy $(TYPED)

# The suite runs in two worker processes (pytest-xdist; every test keeps to its own files, database
# schema, queue and ports).  One process: make unit PYTEST_ARGS=-n0.  A subset: make unit PYTEST_ARGS=tests/gateway.
PYTEST_ARGS ?= -n 2 --dist worksteal

unit: venv
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint type unit

bench: venv
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
