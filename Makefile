# The README's two commands are `make demo` and `make test`.  Both bootstrap their own
# virtual environment (.venv) on a machine that has only python3.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PACKAGES := core sdk gateway $(sort $(dir $(wildcard plugins/*/pyproject.toml))) $(sort $(dir $(wildcard examples/*/pyproject.toml)))
PYPROJECTS := $(wildcard core/pyproject.toml sdk/pyproject.toml gateway/pyproject.toml plugins/*/pyproject.toml examples/*/pyproject.toml)

.PHONY: venv demo test lint type unit bench clean

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

type: venv
	$(BIN)/mypy core/src/zhongtai/core sdk/src/zhongtai/sdk gateway/src/zhongtai/gateway

unit: venv
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint type unit

bench: venv
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
