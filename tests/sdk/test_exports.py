"""zhongtai.sdk re-exports every extension point's hookspec and contract types, kept in step with the kernel."""

from __future__ import annotations

import importlib
import inspect

import attrs
import pytest

import zhongtai.sdk
from zhongtai.core.extension import extension_points_of
from zhongtai.core.specs import SPEC_MODULES
from zhongtai.sdk import specs


def _contract_types() -> list[tuple[str, type]]:
    found = []
    for module_name in SPEC_MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == module_name and attrs.has(value):
                found.append((name, value))
    return found


@pytest.mark.parametrize("module_name", SPEC_MODULES)
def test_every_hookspec_is_in_sdk_specs(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for point in extension_points_of(module):
        assert getattr(specs, point.hook_name, None) is getattr(module, point.hook_name), (
            f"add {point.hook_name} ({point.name}) to zhongtai/sdk/specs.py"
        )
        assert point.hook_name in specs.__all__


def test_every_contract_type_is_exported_from_the_sdk() -> None:
    missing = [name for name, cls in _contract_types() if getattr(zhongtai.sdk, name, None) is not cls]
    assert not missing, f"add to zhongtai/sdk/__init__.py: {', '.join(missing)}"
    assert all(name in zhongtai.sdk.__all__ for name, _ in _contract_types())


def test_all_names_resolve() -> None:
    for name in zhongtai.sdk.__all__:
        assert hasattr(zhongtai.sdk, name), name


def test_lazy_exports_type_checking_imports_and_all_agree() -> None:
    import ast
    from pathlib import Path

    source = Path(zhongtai.sdk.__file__).read_text(encoding="utf-8")
    typed: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                for alias in statement.names:
                    typed.add(alias.name)
                    module = f"{statement.module}.{alias.name}" if alias.name == "specs" else statement.module
                    lazy = zhongtai.sdk._EXPORTS.get(alias.name, "zhongtai.sdk.specs")
                    assert lazy == module, f"{alias.name}: _EXPORTS says {lazy}, TYPE_CHECKING imports {module}"
    assert typed == set(zhongtai.sdk.__all__) == set(zhongtai.sdk._EXPORTS) | {"specs"}


def test_importing_a_submodule_imports_no_kernel_module() -> None:
    import subprocess
    import sys

    code = ("import sys, zhongtai.sdk\n"
            "print(sorted(m for m in sys.modules if m.startswith(('zhongtai.core', 'pluggy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
