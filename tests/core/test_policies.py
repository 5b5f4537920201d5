"""Each combination policy's semantics, and the kernel's ordering (not registration order)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.core import plugins as p
from zhongtai.core.errors import PluginCallError
from zhongtai.core.specs.channels import AccessRequest
from zhongtai.core.specs.pricing import Money


@pytest.fixture
def platform(sqlite_url, make_platform):
    platform = make_platform(sqlite_url, discover=False)
    for code in ("edu", "edu.k12", "edu.k12.math"):
        platform.create_business(code)
    return platform


def test_first_most_specific_business_answers(platform):
    platform.add_plugin(p.FixedPrice(), "root-price", config=p.PriceConfig)
    platform.add_plugin(p.FixedPrice(), "k12-price", config=p.PriceConfig)
    platform.enable("root-price", "edu", config={"amount": "10"})
    platform.enable("k12-price", "edu.k12", config={"amount": "8"})
    result = platform.business("edu.k12.math").explain("pricing.base_price", sku="a", request=None)
    assert result.value == Money(Decimal("8"), "CNY")
    assert [(s.plugin, s.outcome) for s in result.trace] == [("k12-price", "answered")]


def test_first_falls_through_on_none_and_priority_decides_at_one_level(platform):
    platform.add_plugin(p.FixedPrice(), "low", config=p.PriceConfig)
    platform.add_plugin(p.FixedPrice(), "high", config=p.PriceConfig)
    # registered low first, high second; enabled in the opposite order: priority decides
    platform.enable("high", "edu", config={"amount": "2"}, priority=10)
    platform.enable("low", "edu", config={"amount": "1"}, priority=5)
    assert platform.business("edu").call("pricing.base_price", sku="a", request=None).amount == 2
    result = platform.business("edu").explain("pricing.base_price", sku="none", request=None)
    assert result.value is None
    assert [(s.plugin, s.outcome) for s in result.trace] == [("high", "passed"), ("low", "passed")]


def test_pipeline_threads_the_value_root_first(platform):
    platform.add_plugin(p.TakeOff(), "off-edu", config=p.StepConfig)
    platform.add_plugin(p.PassOn(), "noop")
    platform.add_plugin(p.TakeOff(), "off-k12", config=p.StepConfig)
    platform.enable("off-k12", "edu.k12", config={"off": "2"})
    platform.enable("off-edu", "edu", config={"off": "1"})
    platform.enable("noop", "edu")
    result = platform.business("edu.k12").explain("pricing.adjust", quote=p.quote("10", "5"), request=None)
    assert [line.total.amount for line in result.value.lines] == [7, 2]
    assert [(a.plugin, a.before.amount, a.after.amount) for a in result.value.adjustments] == [
        ("off-edu", 15, 13), ("off-k12", 13, 9)]
    assert [(s.plugin, s.outcome) for s in result.trace] == [
        ("noop", "unchanged"), ("off-edu", "changed"), ("off-k12", "changed")]


def test_collect_keeps_each_result_with_its_plugin(platform):
    platform.add_plugin(p.Named(), "sms")
    platform.add_plugin(p.Named(), "email")
    platform.enable("sms", "edu")
    platform.enable("email", "edu.k12")
    result = platform.business("edu.k12").call("notifiers.deliver", message=None)
    assert [(c.plugin, c.level, c.value.channel) for c in result] == [
        ("sms", "edu", "sms"), ("email", "edu.k12", "email")]


def test_merge_layers_root_to_leaf_per_level(platform):
    platform.add_plugin(p.Tokens(), "tokens", config=p.TokensConfig)
    platform.enable("tokens", "edu", config={"tokens": {"color": {"brand": {"$value": "#000"},
                                                                  "text": {"$value": "#111"}}}})
    platform.enable("tokens", "edu.k12", config={"tokens": {"color": {"brand": {"$value": "#f60"}}}})
    merged = platform.business("edu.k12.math").call("theming.tokens")
    assert merged == {"color": {"brand": {"$value": "#f60"}, "text": {"$value": "#111"}}}


@pytest.mark.parametrize(("levels", "allowed"), [
    ({}, False),                                              # default deny
    ({"edu": "allow"}, True),
    ({"edu": "allow", "edu.k12": "deny"}, False),             # any deny wins
    ({"edu": "deny", "edu.k12": "allow"}, False),             # ... wherever it is
    ({"edu.k12.math": "allow"}, True),
])
def test_deny_overrides_across_levels(platform, levels, allowed):
    platform.add_plugin(p.Rule(), "rules", config=p.RuleConfig)
    for code, effect in levels.items():
        platform.enable("rules", code, config={"effect": effect})
    verdict = platform.business("edu.k12.math").call(
        "channels.authorize", request=AccessRequest(channel="app", action="order.create"))
    assert verdict.allowed is allowed


def test_deny_overrides_fails_closed_when_a_plugin_raises(platform):
    platform.add_plugin(p.Rule(), "rules", config=p.RuleConfig)
    platform.add_plugin(p.Boom(), "boom")
    platform.enable("rules", "edu", config={"effect": "allow"})
    platform.enable("boom", "edu")
    result = platform.business("edu").explain(
        "channels.authorize", request=AccessRequest(channel="app", action="order.create"))
    assert result.value.allowed is False
    assert "policy store unreachable" in result.value.reason
    assert [(s.plugin, s.outcome) for s in result.trace] == [("boom", "deny"), ("rules", "allow")]


def test_fail_policy_names_the_plugin(platform):
    class Wrong:
        from zhongtai.core.markers import hookimpl

        @hookimpl
        def pricing_base_price(self, sku):  # type: ignore[no-untyped-def]
            return 9.99  # a float, not Money

    platform.add_plugin(Wrong(), "wrong")
    platform.enable("wrong", "edu")
    with pytest.raises(PluginCallError, match=r"'wrong'.*pricing.base_price.*returned float"):
        platform.business("edu").call("pricing.base_price", sku="a", request=None)


def test_skip_policy_drops_and_records_the_faulty_contribution(platform):
    class Broken:
        from zhongtai.core.markers import hookimpl

        @hookimpl
        def notifiers_deliver(self, message):  # type: ignore[no-untyped-def]
            raise ConnectionError("smtp down")

    platform.add_plugin(Broken(), "email")
    platform.add_plugin(p.Named(), "sms")
    platform.enable("email", "edu")
    platform.enable("sms", "edu")
    result = platform.business("edu").explain("notifiers.deliver", message=None)
    assert [c.plugin for c in result.value] == ["sms"]
    assert [(s.plugin, s.outcome, s.error) for s in result.trace] == [
        ("email", "skipped", "ConnectionError: smtp down"), ("sms", "contributed", None)]
