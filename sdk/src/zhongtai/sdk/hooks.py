"""``@implements(spec)``: a hookimpl that mypy checks against its extension point.

The hookspec functions of the kernel (re-exported by :mod:`zhongtai.sdk.specs`)
are fully annotated, so they are the one source of truth for the signature of
every extension point.  :func:`implements` is typed with a ``ParamSpec`` taken
from the hookspec: under ``mypy --strict``, an implementation whose argument
names, argument types, number of arguments or return type differ from the
extension point's is an error at the decorator line::

    from zhongtai.sdk import PluginContext, Quote, QuoteRequest, implements, specs

    @implements(specs.pricing_adjust)
    def vip_discount(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
        ...

The decorated function is an ordinary pluggy hookimpl registered under the
hookspec's name, so it may have any name of its own.  (Plain ``@hookimpl`` also
works and may take a subset of the arguments, but mypy cannot check it.)
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from zhongtai.core.errors import NotFound
from zhongtai.core.extension import ExtensionPoint, extension_points_of
from zhongtai.core.markers import hookimpl

P = ParamSpec("P")
R = TypeVar("R")

#: Attribute set on every function decorated with :func:`implements`: the extension point name.
IMPLEMENTS = "zhongtai_implements"


def extension_point_of(spec: Callable[..., object]) -> ExtensionPoint:
    """The :class:`ExtensionPoint` declared by hookspec function *spec*.

    Raises ``TypeError`` if *spec* is not a hookspec declared with
    :func:`zhongtai.core.extension.extension_point`.
    """
    module = sys.modules.get(getattr(spec, "__module__", "") or "")
    name = getattr(spec, "__name__", None)
    for point in extension_points_of(module) if module is not None else ():
        if point.hook_name == name:
            return point
    raise TypeError(
        f"{spec!r} is not an extension point; pass a hookspec from zhongtai.sdk.specs, "
        "e.g. @implements(specs.pricing_adjust)"
    )


def implements(spec: Callable[P, R]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark the decorated function as the implementation of hookspec *spec*.

    Contract: the function must take the hookspec's arguments (same names, same
    types, same order) and return the hookspec's return type; mypy checks this.
    At import time an argument name the extension point does not have raises
    ``TypeError`` naming it, so an untyped plugin fails loudly too.
    """
    point = extension_point_of(spec)

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        names = tuple(inspect.signature(function).parameters)
        unknown = [n for n in names if n not in point.arguments]
        if "self" in unknown:
            raise TypeError(
                f"@implements decorates module-level functions, not methods like "
                f"{getattr(function, '__qualname__', function)!r}; use @hookimpl for methods"
            )
        if unknown:
            raise TypeError(
                f"{getattr(function, '__qualname__', function)!r} implements {point.name}, which has no "
                f"argument {unknown[0]!r} (its arguments are: {', '.join(point.arguments)})"
            )
        setattr(function, IMPLEMENTS, point.name)
        return hookimpl(specname=point.hook_name)(function)

    return decorate


def _declared() -> dict[str, tuple[ExtensionPoint, Callable[..., Any]]]:
    return _declared_on(tuple(sys.path))


@functools.lru_cache(maxsize=8)  # keyed by sys.path: a package domain installed since is found
def _declared_on(path: tuple[str, ...]) -> dict[str, tuple[ExtensionPoint, Callable[..., Any]]]:
    from zhongtai.core.domains import installed_domains, installed_extension_points

    domains = installed_domains(path)
    modules = {d.name: importlib.import_module(d.module) for d in domains.values() if d.status == "ok"}
    return {
        name: (point, getattr(modules[point.domain], point.hook_name))
        for name, point in installed_extension_points(path).items()
    }


def extension_points() -> dict[str, ExtensionPoint]:
    """Every usable extension point, by name: the kernel's (in declaration order), then installed packages'."""
    return {name: point for name, (point, _) in _declared().items()}


def _require(name: str) -> tuple[ExtensionPoint, Callable[..., Any]]:
    found = _declared().get(name)
    if found is None:
        raise NotFound(f"unknown extension point {name!r} (known: {', '.join(sorted(_declared()))})")
    return found


def extension_point(name: str) -> ExtensionPoint:
    """The extension point called *name*; ``NotFound`` listing the known ones otherwise."""
    return _require(name)[0]


def hookspec(name: str) -> Callable[..., Any]:
    """The hookspec function of extension point *name* (its signature and contract), kernel or package."""
    return _require(name)[1]
