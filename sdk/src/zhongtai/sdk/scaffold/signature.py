"""The signature of an extension point's hookspec, as source code a plugin can import and type-check.

The hookspec functions are the one source of truth for signatures (see
:mod:`zhongtai.sdk.hooks`); this module turns one into the text of a matching
``def`` line plus the imports it needs: contract types from ``zhongtai.sdk``,
typing helpers from the standard library.  An annotation naming something a
plugin cannot import from either raises :class:`SignatureError` -- a kernel
spec bug, caught by the scaffold's tests for every extension point.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import sys
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from zhongtai.core.errors import ZhongtaiError

#: Standard-library modules whose names may appear in a signature.
STDLIB_MODULES = frozenset({"typing", "collections.abc", "datetime", "decimal", "enum"})


class SignatureError(ZhongtaiError):
    """A hookspec annotation that cannot be written as importable source."""


def isort_key(name: str) -> tuple[int, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then functions and modules."""
    if name.isupper() and len(name) > 1:
        return 0, name
    return (1 if name[:1].isupper() else 2), name


@attrs.frozen
class Imports:
    """``from module import name`` pairs and ``import module as alias`` lines."""

    names: frozenset[tuple[str, str]] = frozenset()
    modules: frozenset[tuple[str, str]] = frozenset()

    def __or__(self, other: Imports) -> Imports:
        return Imports(self.names | other.names, self.modules | other.modules)

    def lines(self, modules: Iterable[str]) -> list[str]:
        """Sorted import lines for the given modules (in the order isort wants within a group)."""
        wanted = set(modules)
        out = [f"import {m} as {a}" if m != a else f"import {m}" for m, a in sorted(self.modules) if m in wanted]
        by_module: dict[str, list[str]] = {}
        for module, name in self.names:
            if module in wanted:
                by_module.setdefault(module, []).append(name)
        for module in sorted(by_module):
            names = sorted(set(by_module[module]), key=isort_key)
            out.append(f"from {module} import {', '.join(names)}")
        return out

    @property
    def stdlib(self) -> list[str]:
        return self.lines(STDLIB_MODULES)


@attrs.frozen
class HookSource:
    """The ``def`` line parts of one hookspec: ``name(parameters) -> returns``, and its imports."""

    hook_name: str
    parameters: str
    returns: str
    imports: Imports


def _sdk_exports() -> dict[int, str]:
    import zhongtai.sdk as sdk

    return {id(getattr(sdk, name)): name for name in sdk.__all__ if name != "specs"}


def _resolve(name: str, namespace: dict[str, Any], exports: dict[int, str], where: str,
             own_module: str | None = None) -> Imports:
    if hasattr(builtins, name):
        return Imports()
    if name not in namespace:
        raise SignatureError(f"{where}: annotation name {name!r} is not defined in its module")
    obj = namespace[name]
    if inspect.ismodule(obj):
        if obj.__name__ in STDLIB_MODULES:
            return Imports(modules=frozenset({(obj.__name__, name)}))
        raise SignatureError(f"{where}: module {obj.__name__!r} in an annotation is not importable by plugins")
    exported = exports.get(id(obj))
    if exported == name:
        return Imports(names=frozenset({("zhongtai.sdk", name)}))
    module = getattr(obj, "__module__", "")
    if module in STDLIB_MODULES and getattr(sys.modules[module], name, None) is obj:
        return Imports(names=frozenset({(module, name)}))
    if own_module is not None:  # a package domain: its spec module exports its own contract types
        return Imports(names=frozenset({(own_module, name)}))
    raise SignatureError(
        f"{where}: annotation name {name!r} ({module}) is not exported by zhongtai.sdk; add it to the sdk"
    )


def _annotation(value: Any, namespace: dict[str, Any], exports: dict[int, str], where: str,
                own_module: str | None = None) -> tuple[str, Imports]:
    if value is inspect.Parameter.empty:
        raise SignatureError(f"{where}: the hookspec has no annotation here")
    if isinstance(value, type) and not isinstance(value, str):
        text = value.__name__
    elif isinstance(value, str):
        text = value
    else:
        raise SignatureError(f"{where}: annotation {value!r} is not a string or a class")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise SignatureError(f"{where}: annotation {text!r} is not valid Python") from None
    imports = Imports()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            imports = imports | _resolve(node.id, namespace, exports, where, own_module)
    return text, imports


#: Where the kernel's spec modules live: their contract types must be exported by ``zhongtai.sdk``.
KERNEL_SPECS = "zhongtai.core.specs."


def hook_source(spec: Callable[..., Any]) -> HookSource:
    """The parameters, return annotation and imports of hookspec *spec*, as source text.

    Names in a kernel hookspec's annotations must be exported by ``zhongtai.sdk``;
    a package domain's (``zhongtai.specs``) are imported from its spec module.
    """
    module = sys.modules[spec.__module__]
    own = None if spec.__module__.startswith(KERNEL_SPECS) else spec.__module__
    namespace = dict(vars(module))
    exports = _sdk_exports()
    signature = inspect.signature(spec)  # annotations as written (strings under postponed evaluation)
    parameters = []
    imports = Imports()
    for parameter in signature.parameters.values():
        text, needed = _annotation(parameter.annotation, namespace, exports, f"{spec.__name__}({parameter.name})",
                                   own)
        parameters.append(f"{parameter.name}: {text}")
        imports = imports | needed
    returns, needed = _annotation(signature.return_annotation, namespace, exports, f"{spec.__name__} return", own)
    return HookSource(spec.__name__, ", ".join(parameters), returns, imports | needed)
