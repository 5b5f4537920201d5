"""Extension points: a public dotted name, a pluggy hookspec, a combination policy.

A spec module declares an extension point in a few lines::

    @extension_point("pricing.adjust", policy=Policy.PIPELINE, result=Quote,
                     pipeline_arg="quote", on_error=OnError.FAIL)
    def pricing_adjust(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
        '''Contract ...'''

The decorator marks the function as a pluggy hookspec of the ``zhongtai`` project
and attaches an :class:`ExtensionPoint` describing it.  The kernel, not
registration order, decides the order in which implementations run (see
:mod:`zhongtai.core.policies`).
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from zhongtai.core.markers import hookspec

#: Semantic version of the extension API.  Plugins declare the range they support.
API_VERSION = "1.0.0"


class Policy(enum.Enum):
    """How the results of several implementations combine into one answer."""

    FIRST = "first"
    PIPELINE = "pipeline"
    COLLECT = "collect"
    MERGE = "merge"
    DENY_OVERRIDES = "deny-overrides"


class OnError(enum.Enum):
    """What a call does when an implementation raises or breaks its contract."""

    FAIL = "fail"  # the whole call fails with PluginCallError naming the plugin
    SKIP = "skip"  # the contribution is dropped and recorded in the trace
    DENY = "deny"  # the contribution counts as a deny (deny-overrides points)


#: Policies whose implementations are called once per business level at which the
#: plugin is enabled, each time with that level's own config.
PER_LEVEL_POLICIES = frozenset({Policy.MERGE, Policy.DENY_OVERRIDES})


def _hook_name(dotted: str) -> str:
    return dotted.replace(".", "_").replace("-", "_")


@attrs.frozen
class ExtensionPoint:
    """Everything the kernel knows about one extension point."""

    name: str
    hook_name: str
    policy: Policy
    on_error: OnError
    result_type: type | tuple[type, ...] | None
    arguments: tuple[str, ...]
    argument_types: Mapping[str, Any]
    contract: str
    pipeline_arg: str | None = None
    combine: Callable[[Any, Any], Any] | None = None
    validate: Callable[[Any], None] | None = None
    timeout: float | None = None
    domain: str = ""
    _required: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    _inputs: tuple[str, ...] = attrs.field(init=False, repr=False, eq=False)

    @property
    def summary(self) -> str:
        """First line of the contract, as plain text for people (no reST roles)."""
        from zhongtai.core.wording import plain_text

        return plain_text(self.contract.strip().splitlines()[0]) if self.contract.strip() else ""

    @property
    def per_level(self) -> bool:
        return self.policy in PER_LEVEL_POLICIES

    @property
    def inputs(self) -> tuple[str, ...]:
        """Arguments a caller supplies (``context`` is supplied by the kernel)."""
        return self._inputs

    @property
    def required_inputs(self) -> frozenset[str]:
        return self._required

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_inputs", tuple(a for a in self.arguments if a != "context"))
        object.__setattr__(self, "_required", frozenset(self._inputs))


F = TypeVar("F", bound=Callable[..., Any])

_ATTRIBUTE = "zhongtai_extension_point"


def extension_point(
    name: str,
    *,
    policy: Policy,
    result: type | tuple[type, ...] | None,
    on_error: OnError = OnError.FAIL,
    pipeline_arg: str | None = None,
    combine: Callable[[Any, Any], Any] | None = None,
    validate: Callable[[Any], None] | None = None,
    timeout: float | None = None,
) -> Callable[[F], F]:
    """Declare the decorated function as the hookspec of extension point *name*.

    The function name must be *name* with dots turned into underscores.  Its
    docstring is the contract shown by ``zhongtai capabilities``.  *result* is
    the type every non-``None`` return value must have; *validate*, if given, is
    called with each such value and raises ``ValueError`` for a value the
    contract forbids.  Both violations are handled by *on_error*.  *timeout*
    (seconds) bounds each implementation's call where *on_error* allows
    dropping it (see :mod:`zhongtai.core.runtime.timeouts`).
    """

    def decorate(function: F) -> F:
        expected = _hook_name(name)
        if function.__name__ != expected:
            raise TypeError(f"hookspec for {name!r} must be named {expected!r}")
        signature = inspect.signature(function, eval_str=True)
        arguments = tuple(signature.parameters)
        if "subject" in arguments:
            raise TypeError(f"extension point {name!r}: the argument name 'subject' is reserved for the call's "
                            "subject (staged rollout, experiments)")
        if policy is Policy.PIPELINE and pipeline_arg not in arguments:
            raise TypeError(f"pipeline extension point {name!r} needs pipeline_arg among {arguments}")
        point = ExtensionPoint(
            name=name,
            hook_name=expected,
            policy=policy,
            on_error=on_error,
            result_type=result,
            arguments=arguments,
            argument_types={k: p.annotation for k, p in signature.parameters.items()},
            contract=inspect.cleandoc(function.__doc__ or ""),
            pipeline_arg=pipeline_arg,
            combine=combine,
            validate=validate,
            timeout=timeout,
            domain=name.split(".", 1)[0],
        )
        setattr(function, _ATTRIBUTE, point)
        return hookspec(function)  # type: ignore[no-any-return]

    return decorate


def extension_points_of(module: object) -> list[ExtensionPoint]:
    """The extension points declared in a spec module, in source order."""
    found = []
    for value in vars(module).values():
        point = getattr(value, _ATTRIBUTE, None)
        if isinstance(point, ExtensionPoint):
            found.append(point)
    return found
