"""OpenTelemetry traces of extension calls, and the business a piece of work is for.

The kernel uses the OpenTelemetry *API* only.  Until a deployment installs an
SDK tracer provider (``opentelemetry-sdk``, configured by the standard
``OTEL_*`` variables -- see :func:`configure_from_env` and docs/observability.md)
the API is a no-op and :func:`tracer` answers ``None`` after one attribute read,
so dispatch does no span work at all.

With a provider, every extension call is a span (:data:`CALL_SPAN`) carrying
the business, extension point, policy, registry revision and plugin count, and
each plugin contribution is a child span (:data:`PLUGIN_SPAN`) carrying the
plugin, the business level it was enabled at, its outcome (``answered``,
``passed``, ``skipped``, ``denied``, ``failed``) and, when it failed, the
semantic-convention ``error.type``.  A plugin's own spans nest under its
contribution span.

The business code travels in a contextvar (and, while tracing, in
OpenTelemetry baggage under :data:`BUSINESS`), so a plugin's own log lines
(:mod:`zhongtai.core.logs`) and spans carry it without being passed around:
:func:`current_business`.  The contextvar is set only when something reads it
-- tracing, or zhongtai's log records (:func:`want_business_context`).

Trace context crosses process boundaries as a W3C ``traceparent``
(:func:`current_traceparent`, :func:`link_to`): the gateway continues an
incoming one, the notifiers' outbox stores it with each message and the
worker's delivery span links back to it.

Attribute values are never secrets: error descriptions go through
:func:`zhongtai.core.scrubbing.scrub`, and no call argument or result is
recorded.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from opentelemetry import baggage as _baggage
from opentelemetry import context as _context
from opentelemetry import trace as _trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from zhongtai.core.policies import PlanEntry, Steps, TraceStep
from zhongtai.core.scrubbing import scrub

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

    from zhongtai.core.runtime.plan import CallPlan

#: The instrumentation scope of every zhongtai span.
SCOPE = "zhongtai"

# -- attribute names (semantic conventions where they exist, ``zhongtai.`` otherwise) ------------
BUSINESS = "zhongtai.business"
EXTENSION_POINT = "zhongtai.extension_point"
POLICY = "zhongtai.policy"
REVISION = "zhongtai.registry.revision"
PLUGIN_COUNT = "zhongtai.plugin.count"
PLUGIN = "zhongtai.plugin"
LEVEL = "zhongtai.plugin.level"
OUTCOME = "zhongtai.outcome"
#: the kernel's own word for what the plugin did (as ``--explain`` prints it: changed, allow, ...)
STEP = "zhongtai.step"
ERROR_TYPE = "error.type"  # semantic conventions: the class of error

#: Span names: ``zhongtai.call <extension point>`` and ``zhongtai.plugin <plugin>`` (both bounded sets).
CALL_SPAN = "zhongtai.call"
PLUGIN_SPAN = "zhongtai.plugin"

#: The kernel's step outcomes (``TraceStep.outcome``) in the words of the trace's ``zhongtai.outcome``.
OUTCOMES: Mapping[str, str] = {
    "answered": "answered", "contributed": "answered", "changed": "answered", "allow": "answered",
    "passed": "passed", "unchanged": "passed", "not-applicable": "passed",
    "skipped": "skipped", "deny": "denied", "error": "failed",
}

_business: ContextVar[str | None] = ContextVar("zhongtai.business", default=None)
_propagator = TraceContextTextMapPropagator()


class _Switch:
    """Whether anyone reads the business context besides traces (zhongtai's log records do)."""

    business_context = False
    provider: object = None
    tracer: Tracer | None = None


#: Read on the dispatch hot path (``Platform.call``); set only through this module.
SWITCH = _Switch()


def want_business_context() -> None:
    """From now on, calls set the business contextvar even without tracing (logging asks for it)."""
    SWITCH.business_context = True


def observing() -> bool:
    """True when a call must do telemetry work: a tracer provider is set, or logs read the business.

    One attribute read each while nothing is configured: the dispatch hot path asks this on every call.
    """
    return _trace._TRACER_PROVIDER is not None or SWITCH.business_context


def tracer() -> Tracer | None:
    """zhongtai's tracer, or ``None`` while no tracer provider is set (the API's default proxy) or it is a no-op."""
    provider = _trace._TRACER_PROVIDER
    if provider is None:
        return None
    if provider is not SWITCH.provider:
        SWITCH.tracer = None if isinstance(provider, _trace.NoOpTracerProvider) else provider.get_tracer(SCOPE)
        SWITCH.provider = provider
    return SWITCH.tracer


def current_business() -> str | None:
    """The business the current piece of work is for (an extension call, a gateway request, a delivery)."""
    code = _business.get()
    if code is None and _trace._TRACER_PROVIDER is not None:
        value = _baggage.get_baggage(BUSINESS)
        code = value if isinstance(value, str) else None
    return code


@contextlib.contextmanager
def business_scope(code: str | None) -> Iterator[None]:
    """Work for business *code* inside the block: :func:`current_business`, and baggage while tracing."""
    if code is None:
        yield
        return
    token = _business.set(code)
    attached: object | None = None
    if _trace._TRACER_PROVIDER is not None:
        attached = _context.attach(_baggage.set_baggage(BUSINESS, code))
    try:
        yield
    finally:
        if attached is not None:
            _context.detach(attached)  # type: ignore[arg-type]
        _business.reset(token)


def enter_business(code: str) -> Token[str | None]:
    """Set the business contextvar (no baggage); undo with :func:`leave_business`.  For the plain call path."""
    return _business.set(code)


def leave_business(token: Token[str | None]) -> None:
    _business.reset(token)


def tag_business(code: str) -> None:
    """Name the business on the current span (a request span learns it once the business is resolved)."""
    annotate({BUSINESS: code})


def annotate(attributes: Mapping[str, str | int | float | bool]) -> None:
    """Set *attributes* on the current span, while tracing (nothing otherwise)."""
    if _trace._TRACER_PROVIDER is not None:
        _trace.get_current_span().set_attributes(attributes)


# -- spans -----------------------------------------------------------------------------------
def record_error(span: Span, exc: BaseException) -> None:
    """Mark *span* failed with *exc*'s type (``error.type``) and its scrubbed first line."""
    span.set_attribute(ERROR_TYPE, type(exc).__qualname__)
    text = str(exc).strip().splitlines()
    span.set_status(Status(StatusCode.ERROR, scrub(text[0]) if text else type(exc).__name__))


@contextlib.contextmanager
def span(tracer_: Tracer, name: str, attributes: Mapping[str, Any] | None = None, *,
         kind: SpanKind = SpanKind.INTERNAL, links: list[Link] | None = None,
         context: Any = None) -> Iterator[Span]:
    """A current span that records an escaping exception as :func:`record_error` does (never its traceback)."""
    started = tracer_.start_span(name, context=context, kind=kind, attributes=attributes, links=links)
    with _trace.use_span(started, end_on_exit=True, record_exception=False, set_status_on_exception=False):
        try:
            yield started
        except Exception as exc:
            record_error(started, exc)
            raise


def describe_plan(call_span: Span, plan: CallPlan) -> None:
    """The plan's attributes on an extension call's span."""
    call_span.set_attributes({POLICY: plan.point.policy.value, REVISION: plan.revision,
                              PLUGIN_COUNT: len(plan.entries)})


class SpanSteps(Steps):
    """A trace that turns each plugin contribution into a child span of the current (call) span.

    The runners call :meth:`begin` before an implementation runs and ``append``
    with its :class:`TraceStep` after; the step is also appended to *sink* (the
    caller's ``--explain`` trace, or a worker's), if any.  :meth:`close` ends a
    span left open by an exception that escaped the runner.
    """

    def __init__(self, tracer_: Tracer, sink: list[TraceStep] | None = None) -> None:
        super().__init__()
        self._tracer = tracer_
        #: where each step goes besides the span (the caller's trace), if anywhere
        self.sink = sink
        self._open: Span | None = None
        self._token: object | None = None

    def begin(self, entry: PlanEntry) -> None:
        self.close()
        opened = self._tracer.start_span(f"{PLUGIN_SPAN} {entry.plugin}",
                                         attributes={PLUGIN: entry.plugin, LEVEL: entry.level})
        self._open = opened
        self._token = _context.attach(_trace.set_span_in_context(opened))

    def append(self, step: TraceStep) -> None:
        opened = self._open
        if opened is not None:
            outcome = OUTCOMES.get(step.outcome, step.outcome)
            opened.set_attributes({OUTCOME: outcome, STEP: step.outcome})
            if step.error is not None:
                error_type = step.error.split(":", 1)[0] if ":" in step.error else step.error
                opened.set_attribute(ERROR_TYPE, error_type if error_type.isidentifier() else "contract_violation")
                if outcome == "failed":
                    opened.set_status(Status(StatusCode.ERROR, step.error))
            self._end()
        if self.sink is not None:
            self.sink.append(step)

    def close(self) -> None:
        if self._open is not None:
            self._end()

    def _end(self) -> None:
        assert self._open is not None
        self._open.end()
        if self._token is not None:
            _context.detach(self._token)  # type: ignore[arg-type]
        self._open, self._token = None, None


# -- trace context across processes ------------------------------------------------------------
def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span (to store with queued work), or None when not tracing."""
    if _trace._TRACER_PROVIDER is None:
        return None
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def link_to(traceparent: str | None) -> list[Link]:
    """A span link to the work a stored ``traceparent`` names (none if it is absent or malformed)."""
    if not traceparent:
        return []
    context = _propagator.extract({"traceparent": traceparent})
    linked = _trace.get_current_span(context).get_span_context()
    return [Link(linked)] if linked.is_valid else []


def extract(headers: Mapping[str, str]) -> Any:
    """The OpenTelemetry context an incoming W3C ``traceparent``/``tracestate`` continues (lower-case keys)."""
    return _propagator.extract(headers)


# -- configuring an SDK -------------------------------------------------------------------------
EXPORTER_ENV = "OTEL_TRACES_EXPORTER"


def configure_from_env() -> bool:
    """Install the OpenTelemetry SDK's tracer provider when ``OTEL_TRACES_EXPORTER`` names exporters.

    The standard variables apply (``OTEL_SERVICE_NAME`` -- default ``zhongtai`` --,
    ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_EXPORTER_OTLP_*``, ``OTEL_TRACES_SAMPLER`` ...).
    Exporters are found by name in the ``opentelemetry_traces_exporter`` entry
    points (``console`` comes with the SDK and writes to stderr here, ``otlp`` with
    ``opentelemetry-exporter-otlp``).
    Does nothing (False) when the variable is unset or ``none``, or a provider is
    already set (e.g. by ``opentelemetry-instrument``).  Raises
    :class:`~zhongtai.core.errors.UserError` when the SDK or a named exporter is not installed.
    """
    from zhongtai.core.errors import UserError

    names = [n.strip() for n in os.environ.get(EXPORTER_ENV, "").split(",") if n.strip() not in ("", "none")]
    if not names or _trace._TRACER_PROVIDER is not None:
        return False
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        raise UserError(f"{EXPORTER_ENV} is set but the OpenTelemetry SDK is not installed "
                        "(pip install 'zhongtai-core[otel]')") from None
    from importlib.metadata import entry_points

    exporters = {ep.name: ep for ep in entry_points(group="opentelemetry_traces_exporter")}
    unknown = [n for n in names if n not in exporters]
    if unknown:
        raise UserError(f"{EXPORTER_ENV}: no trace exporter {unknown[0]!r} is installed "
                        f"(installed: {', '.join(sorted(exporters)) or 'none'})")
    named = "OTEL_SERVICE_NAME" in os.environ or "service.name=" in os.environ.get("OTEL_RESOURCE_ATTRIBUTES", "")
    provider = TracerProvider(resource=Resource.create({} if named else {"service.name": SCOPE}))
    for name in names:
        factory = exporters[name].load()
        # the console exporter writes to stderr, so a command's own output stays clean
        exporter = factory(out=sys.stderr) if name == "console" else factory()
        provider.add_span_processor(BatchSpanProcessor(exporter))
    _trace.set_tracer_provider(provider)
    import atexit

    atexit.register(provider.shutdown)  # flush what is batched when the process ends
    return True


def flush(timeout_millis: int = 5000) -> None:
    """Export the spans batched so far (a server calls this at shutdown: uvicorn re-raises SIGTERM
    after draining, which ends the process without running ``atexit`` hooks)."""
    force_flush = getattr(_trace._TRACER_PROVIDER, "force_flush", None)
    if force_flush is not None:
        force_flush(timeout_millis)


def trace_ids() -> tuple[str, str] | None:
    """The current (trace id, span id) in hex, when a span is recording (log lines carry them)."""
    if _trace._TRACER_PROVIDER is None:
        return None
    context = _trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")

