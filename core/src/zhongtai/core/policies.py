"""The combination policies: each a small function over a compiled call plan.

A policy receives the extension point, the ordered plan entries and the call's
keyword arguments, and returns the combined answer.  When *trace* is a list,
each implementation's contribution is appended to it as a :class:`TraceStep`.
The kernel owns the order of *entries* (see :mod:`zhongtai.core.runtime.plan`).
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable
from typing import Any

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.decision import Decision, Effect, Verdict
from zhongtai.core.errors import PluginCallError
from zhongtai.core.extension import ExtensionPoint, OnError, Policy
from zhongtai.core.scrubbing import contains_secret, scrub


def argument_fetcher(argnames: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A fast function taking a call's kwargs to the positional arguments of one hookimpl."""
    if not argnames:
        return lambda _kwargs: ()
    if len(argnames) == 1:
        name = argnames[0]
        return lambda kwargs: (kwargs[name],)
    return operator.itemgetter(*argnames)  # type: ignore[return-value]


@attrs.frozen
class PlanEntry:
    """One implementation in a call plan."""

    plugin: str
    level: str
    priority: int
    function: Callable[..., Any] = attrs.field(repr=False)
    argnames: tuple[str, ...]
    context: PluginContext = attrs.field(repr=False)
    #: The metrics series of this entry when the Platform keeps metrics: the runners record each
    #: call's latency, raised exceptions and contract violations there (see runtime/metrics.py).
    meter: Any = attrs.field(default=None, repr=False, eq=False)
    fetch: Callable[[dict[str, Any]], tuple[Any, ...]] = attrs.field(repr=False, eq=False, init=False)
    #: The argument name of an implementation taking exactly one (most do): the runners then build
    #: the one-item argument tuple themselves, without calling ``fetch``.
    only: str | None = attrs.field(repr=False, eq=False, init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "fetch", argument_fetcher(self.argnames))
        object.__setattr__(self, "only", self.argnames[0] if len(self.argnames) == 1 else None)


@attrs.frozen
class TraceStep:
    """What one implementation did during a call.

    ``outcome`` is one of ``answered``, ``passed`` (returned ``None``),
    ``changed``, ``unchanged``, ``contributed``, ``allow``, ``deny``,
    ``not-applicable``, ``skipped`` (raised or broke its contract under a
    ``skip`` policy) or ``error``.
    """

    plugin: str
    level: str
    outcome: str
    value: Any = None
    error: str | None = None
    seconds: float = 0.0


class Steps(list[TraceStep]):
    """A trace that is also told when each implementation starts (telemetry opens a span there).

    A plain ``list`` works as a trace too; the runners call :meth:`begin` only on ``Steps``.
    """

    def begin(self, entry: PlanEntry) -> None:
        """*entry*'s implementation is about to run."""


_clock = time.perf_counter


def _started(trace: list[TraceStep], entry: PlanEntry) -> float:
    """When an implementation starts, for a trace step's duration (and ``Steps.begin``)."""
    if isinstance(trace, Steps):
        trace.begin(entry)
    return time.perf_counter()


@attrs.frozen
class Contribution:
    """A collect policy's element: a result kept with the plugin that produced it."""

    plugin: str
    level: str
    value: Any


class _Rejected(Exception):
    """An implementation's result broke its extension point's contract."""


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _checked(point: ExtensionPoint, result: Any) -> Any:
    if result is None:
        return None
    expected = point.result_type
    if expected is not None and not isinstance(result, expected):
        raise _Rejected(
            f"returned {type(result).__name__}, but {point.name} expects {_type_name(expected)}"
        )
    if point.validate is not None:
        try:
            point.validate(result)
        except ValueError as exc:
            raise _Rejected(f"returned a value {point.name} forbids: {exc}") from exc
    return result


def _type_name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return " or ".join(t.__name__ for t in expected)
    return expected.__name__


class _Failed(Exception):
    def __init__(self, entry: PlanEntry, reason: str) -> None:
        super().__init__(reason)
        self.entry = entry
        self.reason = reason


def _call(point: ExtensionPoint, entry: PlanEntry, kwargs: dict[str, Any]) -> Any:
    """Call one implementation and check its result; any failure becomes :class:`_Failed`.

    The common case -- ``None`` or a value of the declared type, no validator --
    costs one function call and one ``isinstance`` per implementation (and,
    when the entry has a meter, two clock reads and one ``deque.append``).
    """
    kwargs["context"] = entry.context
    meter = entry.meter
    try:
        only = entry.only
        arguments = (kwargs[only],) if only is not None else entry.fetch(kwargs)
        if meter is None:
            result = entry.function(*arguments)
        else:  # the meter's bookkeeping inline: this runs once per implementation per call
            started = _clock()
            try:
                result = entry.function(*arguments)
            except BaseException:
                meter(_clock() - started, True)
                raise
            latencies = meter.latencies
            latencies.append(_clock() - started)
            if len(latencies) >= meter.FOLD_EVERY:
                meter.fold()
    except Exception as exc:
        raise _Failed(entry, scrub(_describe(exc))) from exc
    if result is None:
        return None
    expected = point.result_type
    if (expected is not None and not isinstance(result, expected)) or point.validate is not None:
        try:
            return _checked(point, result)
        except _Rejected as exc:
            if entry.meter is not None:
                entry.meter.reject()
            raise _Failed(entry, scrub(str(exc))) from exc
    return result


def _fail(point: ExtensionPoint, failure: _Failed) -> PluginCallError:
    entry = failure.entry
    error = PluginCallError(
        f"plugin {entry.plugin!r} (enabled at {entry.level}) failed in {point.name} "
        f"for business {entry.context.business}: {failure.reason}",
        plugin=entry.plugin,
        extension_point=point.name,
    )
    cause = failure.__cause__
    # Keep the plugin's exception for debugging unless its text holds a secret (tracebacks print it).
    error.__cause__ = None if cause is None or contains_secret(_describe(cause)) else cause
    error.__suppress_context__ = True
    return error


def _record_failure(
    point: ExtensionPoint, failure: _Failed, trace: list[TraceStep] | None, started: float
) -> None:
    """Handle a failure under a ``skip`` or ``deny`` policy, or raise under ``fail``."""
    if point.on_error is OnError.FAIL:
        if trace is not None:
            trace.append(
                TraceStep(failure.entry.plugin, failure.entry.level, "error", None, failure.reason,
                          time.perf_counter() - started)
            )
        raise _fail(point, failure)
    if trace is not None:
        outcome = "deny" if point.on_error is OnError.DENY else "skipped"
        trace.append(
            TraceStep(failure.entry.plugin, failure.entry.level, outcome, None, failure.reason,
                      time.perf_counter() - started)
        )


def _step(entry: PlanEntry, outcome: str, value: Any, started: float) -> TraceStep:
    return TraceStep(entry.plugin, entry.level, outcome, value, None, time.perf_counter() - started)


def run_first(
    point: ExtensionPoint, entries: tuple[PlanEntry, ...], kwargs: dict[str, Any],
    trace: list[TraceStep] | None,
) -> Any:
    """The first non-``None`` answer in plan order (most specific business first)."""
    for entry in entries:
        started = _started(trace, entry) if trace is not None else 0.0
        try:
            result = _call(point, entry, kwargs)
        except _Failed as failure:
            _record_failure(point, failure, trace, started)
            continue
        if trace is not None:
            trace.append(_step(entry, "passed" if result is None else "answered", result, started))
        if result is not None:
            return result
    return None


def run_pipeline(
    point: ExtensionPoint, entries: tuple[PlanEntry, ...], kwargs: dict[str, Any],
    trace: list[TraceStep] | None,
) -> Any:
    """Thread ``kwargs[point.pipeline_arg]`` through every implementation in plan order."""
    name = point.pipeline_arg
    assert name is not None
    value = kwargs[name]
    for entry in entries:
        started = _started(trace, entry) if trace is not None else 0.0
        try:
            result = _call(point, entry, kwargs)
        except _Failed as failure:
            _record_failure(point, failure, trace, started)
            continue
        if trace is not None:
            changed = result is not None and result != value
            trace.append(_step(entry, "changed" if changed else "unchanged", result if changed else None,
                               started))
        if result is not None:
            value = result
            kwargs[name] = value
    return value


def run_collect(
    point: ExtensionPoint, entries: tuple[PlanEntry, ...], kwargs: dict[str, Any],
    trace: list[TraceStep] | None,
) -> tuple[Contribution, ...]:
    """Every non-``None`` result, each kept with its plugin, in plan order."""
    collected = []
    for entry in entries:
        started = _started(trace, entry) if trace is not None else 0.0
        try:
            result = _call(point, entry, kwargs)
        except _Failed as failure:
            _record_failure(point, failure, trace, started)
            continue
        if trace is not None:
            trace.append(_step(entry, "passed" if result is None else "contributed", result, started))
        if result is not None:
            collected.append(Contribution(entry.plugin, entry.level, result))
    return tuple(collected)


def run_merge(
    point: ExtensionPoint, entries: tuple[PlanEntry, ...], kwargs: dict[str, Any],
    trace: list[TraceStep] | None,
) -> Any:
    """Layer the results root -> leaf with the point's ``combine`` function."""
    combine = point.combine
    merged: Any = None
    for entry in entries:
        started = _started(trace, entry) if trace is not None else 0.0
        try:
            result = _call(point, entry, kwargs)
        except _Failed as failure:
            _record_failure(point, failure, trace, started)
            continue
        if trace is not None:
            trace.append(_step(entry, "passed" if result is None else "contributed", result, started))
        if result is None:
            continue
        merged = result if merged is None or combine is None else combine(merged, result)
    return merged


def run_deny_overrides(
    point: ExtensionPoint, entries: tuple[PlanEntry, ...], kwargs: dict[str, Any],
    trace: list[TraceStep] | None,
) -> Verdict:
    """Default deny; any deny wins; allow only when some implementation allows and none denies.

    A failing implementation is a deny (fail closed) whatever its point's
    ``on_error`` says, and its error is the reason.
    """
    allow: Verdict | None = None
    deny: Verdict | None = None
    for entry in entries:
        started = _started(trace, entry) if trace is not None else 0.0
        try:
            result: Decision | None = _call(point, entry, kwargs)
        except _Failed as failure:
            if trace is not None:
                trace.append(TraceStep(entry.plugin, entry.level, "deny", None, failure.reason,
                                       time.perf_counter() - started))
            if deny is None:
                deny = Verdict(False, f"fail closed: {failure.reason}", entry.plugin, entry.level, "")
            continue
        effect = Effect.NOT_APPLICABLE if result is None else result.effect
        if trace is not None:
            trace.append(_step(entry, effect.value, result, started))
        if result is None or effect is Effect.NOT_APPLICABLE:
            continue
        if effect is Effect.DENY:
            if deny is None:
                deny = Verdict(False, result.reason or "denied", entry.plugin, entry.level, result.rule)
        elif allow is None:
            allow = Verdict(True, result.reason or "allowed", entry.plugin, entry.level, result.rule)
    if deny is not None:
        return deny
    if allow is not None:
        return allow
    return Verdict(False, "default deny: no rule allows this request")


Runner = Callable[[ExtensionPoint, tuple[PlanEntry, ...], dict[str, Any], list[TraceStep] | None], Any]

RUNNERS: dict[Policy, Runner] = {
    Policy.FIRST: run_first,
    Policy.PIPELINE: run_pipeline,
    Policy.COLLECT: run_collect,
    Policy.MERGE: run_merge,
    Policy.DENY_OVERRIDES: run_deny_overrides,
}
