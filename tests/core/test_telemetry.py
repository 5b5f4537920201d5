"""OpenTelemetry spans of extension calls: a span per call, a child span per plugin contribution.

Spans go to the SDK's in-memory exporter (``tests/helpers/tracing.py``).  Without a
tracer provider nothing is traced and calls behave exactly as before.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
from opentelemetry import baggage, context, trace
from opentelemetry.trace import StatusCode

from tests.core import plugins as p
from tests.helpers.tracing import spans  # noqa: F401  (fixture)
from zhongtai.core import telemetry
from zhongtai.core.errors import PluginCallError
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.channels import AccessRequest
from zhongtai.core.specs.notifiers import Message, Recipient


@pytest.fixture
def platform(sqlite_url, make_platform):
    platform = make_platform(sqlite_url, discover=False)
    for code in ("edu", "edu.k12"):
        platform.create_business(code)
    return platform


class Traced:
    """pricing.base_price: starts a span of its own and logs, then answers; records what it saw."""

    seen: list[Any] = []

    @hookimpl
    def pricing_base_price(self, sku: str, context: Any) -> Any:
        tracer = trace.get_tracer("a.business.plugin")
        with tracer.start_as_current_span("lookup catalogue"):
            logging.getLogger("a.business.plugin").warning("looked up %s", sku)
            Traced.seen.append((telemetry.current_business(), baggage.get_baggage(telemetry.BUSINESS)))
        return None


class Raises:
    @hookimpl
    def notifiers_deliver(self, message: Any) -> Any:
        raise ConnectionError("gateway down")


class BadPrice:
    @hookimpl
    def pricing_base_price(self, sku: str) -> Any:
        raise ValueError("no price list")


def _message() -> Message:
    return Message(id="m1", kind="notification", recipient=Recipient(user_id="u1"), body="hello")


def test_a_call_is_a_span_and_each_plugin_a_child_span(platform, spans):
    platform.add_plugin(p.FixedPrice(), "k12-price", config=p.PriceConfig)
    platform.add_plugin(p.FixedPrice(), "edu-price", config=p.PriceConfig)
    platform.enable("edu-price", "edu", config={"amount": "10"})
    platform.enable("k12-price", "edu.k12", config={"amount": "8"})
    view = platform.business("edu.k12")
    assert view.call("pricing.base_price", sku="none", request=None) is None

    call = spans.one("zhongtai.call pricing.base_price")
    assert dict(call.attributes) == {
        "zhongtai.business": "edu.k12", "zhongtai.extension_point": "pricing.base_price",
        "zhongtai.policy": "first", "zhongtai.registry.revision": platform.snapshot.revision,
        "zhongtai.plugin.count": 2}
    assert call.status.status_code is StatusCode.UNSET
    children = spans.children(call)
    assert [(c.name, c.attributes["zhongtai.plugin.level"], c.attributes["zhongtai.outcome"]) for c in children] == [
        ("zhongtai.plugin k12-price", "edu.k12", "passed"), ("zhongtai.plugin edu-price", "edu", "passed")]
    assert all(c.context.trace_id == call.context.trace_id for c in children)

    spans.clear()
    assert view.call("pricing.base_price", sku="a", request=None).amount == Decimal("8")
    call = spans.one("zhongtai.call pricing.base_price")
    assert [(c.attributes["zhongtai.plugin"], c.attributes["zhongtai.outcome"]) for c in spans.children(call)] == [
        ("k12-price", "answered")]


def test_explain_still_returns_its_steps_while_tracing(platform, spans):
    platform.add_plugin(p.TakeOff(), "off", config=p.StepConfig)
    platform.add_plugin(p.PassOn(), "noop")
    platform.enable("off", "edu")
    platform.enable("noop", "edu")
    result = platform.business("edu").explain("pricing.adjust", quote=p.quote("10"), request=None)
    assert [(s.plugin, s.outcome) for s in result.trace] == [("noop", "unchanged"), ("off", "changed")]
    call = spans.one("zhongtai.call pricing.adjust")
    assert [(c.attributes["zhongtai.outcome"], c.attributes["zhongtai.step"]) for c in spans.children(call)] == [
        ("passed", "unchanged"), ("answered", "changed")]


def test_skipped_denied_and_failed_contributions_say_so_with_the_error_type(platform, spans):
    platform.add_plugin(Raises(), "down")
    platform.add_plugin(p.Named(), "inbox")
    platform.enable("down", "edu")
    platform.enable("inbox", "edu")
    platform.business("edu.k12").call("notifiers.deliver", message=_message())
    skipped = spans.one("zhongtai.plugin down")
    assert skipped.attributes["zhongtai.outcome"] == "skipped"
    assert skipped.attributes["error.type"] == "ConnectionError"
    assert spans.one("zhongtai.plugin inbox").attributes["zhongtai.outcome"] == "answered"

    platform.add_plugin(p.Boom(), "boom")
    platform.add_plugin(p.Rule(), "rule", config=p.RuleConfig)
    platform.enable("boom", "edu")
    platform.enable("rule", "edu", config={"effect": "deny"})
    request = AccessRequest(channel="app", action="buy")
    assert not platform.business("edu").call("channels.authorize", request=request).allowed
    boom, rule = spans.one("zhongtai.plugin boom"), spans.one("zhongtai.plugin rule")
    assert (boom.attributes["zhongtai.outcome"], boom.attributes["error.type"]) == ("denied", "RuntimeError")
    assert rule.attributes["zhongtai.outcome"] == "denied" and "error.type" not in rule.attributes

    platform.add_plugin(BadPrice(), "bad")
    platform.enable("bad", "edu")
    with pytest.raises(PluginCallError):
        platform.business("edu").call("pricing.base_price", sku="a", request=None)
    failed = spans.one("zhongtai.plugin bad")
    assert (failed.attributes["zhongtai.outcome"], failed.attributes["error.type"]) == ("failed", "ValueError")
    assert failed.status.status_code is StatusCode.ERROR
    call = spans.one("zhongtai.call pricing.base_price")
    assert call.status.status_code is StatusCode.ERROR
    assert call.attributes["error.type"] == "PluginCallError"
    assert not call.events  # no traceback recorded: plugin exceptions may carry what they should not


def test_a_plugins_own_spans_nest_under_its_contribution_and_know_the_business(platform, spans):
    Traced.seen.clear()
    platform.add_plugin(Traced(), "traced")
    platform.enable("traced", "edu")
    platform.business("edu.k12").call("pricing.base_price", sku="a", request=None)
    own = spans.one("lookup catalogue")
    contribution = spans.one("zhongtai.plugin traced")
    assert own.parent is not None and own.parent.span_id == contribution.context.span_id
    assert Traced.seen == [("edu.k12", "edu.k12")]
    assert telemetry.current_business() is None  # only for the call's duration


def test_a_call_inside_an_incoming_trace_continues_it(platform, spans):
    platform.add_plugin(p.FixedPrice(), "price", config=p.PriceConfig)
    platform.enable("price", "edu")
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    token = context.attach(telemetry.extract({"traceparent": parent}))
    try:
        platform.business("edu").call("pricing.base_price", sku="a", request=None)
    finally:
        context.detach(token)
    call = spans.one("zhongtai.call pricing.base_price")
    assert format(call.context.trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"
    assert format(call.parent.span_id, "016x") == "b7ad6b7169203331"


def test_traceparent_round_trip_and_links(spans):
    assert telemetry.link_to(None) == [] and telemetry.link_to("garbage") == []
    tracer = telemetry.tracer()
    assert tracer is not None
    with tracer.start_as_current_span("origin") as origin:
        stored = telemetry.current_traceparent()
    assert stored is not None
    (link,) = telemetry.link_to(stored)
    assert link.context.trace_id == origin.get_span_context().trace_id
    assert link.context.span_id == origin.get_span_context().span_id


def test_without_a_tracer_provider_nothing_is_traced(platform):
    assert trace._TRACER_PROVIDER is None and telemetry.tracer() is None
    assert telemetry.current_traceparent() is None and telemetry.trace_ids() is None
    platform.add_plugin(p.FixedPrice(), "price", config=p.PriceConfig)
    platform.enable("price", "edu")
    result = platform.business("edu").explain("pricing.base_price", sku="a", request=None)
    assert [(s.plugin, s.outcome) for s in result.trace] == [("price", "answered")]


def test_configure_from_env_refuses_an_unknown_exporter_in_one_line(monkeypatch):
    from zhongtai.core.errors import UserError

    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "nosuchexporter")
    with pytest.raises(UserError, match="no trace exporter 'nosuchexporter' is installed"):
        telemetry.configure_from_env()
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert telemetry.configure_from_env() is False
