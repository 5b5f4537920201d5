"""channels.authorize fails closed: a plugin that raises, breaks its contract or cannot run denies."""

from __future__ import annotations

from typing import Any

from zhongtai.core.markers import hookimpl
from zhongtai.sdk import AccessRequest, Actor

ALLOW_AGENT_ORDERS = {"rules": [{"id": "agents", "effect": "allow", "actions": "order.*", "roles": "agent"}]}
REQUEST = AccessRequest("echannel", "order.create", actor=Actor(roles={"agent"}))


class Exploding:
    """A channels.authorize plugin that raises."""

    @hookimpl
    def channels_authorize(self, request: AccessRequest) -> Any:
        raise RuntimeError("policy store unreachable")


class ReturnsBool:
    """A channels.authorize plugin that breaks its contract (returns True, not a Decision)."""

    @hookimpl
    def channels_authorize(self, request: AccessRequest) -> Any:
        return True


def _tree(platform: Any) -> Any:
    platform.create_business("telecom")
    platform.create_business("telecom.echannel")
    platform.enable("channels.rules", "telecom", config=ALLOW_AGENT_ORDERS)
    return platform


def test_the_rules_alone_allow(sqlite_url: str, make_platform: Any) -> None:
    platform = _tree(make_platform(sqlite_url))
    assert platform.business("telecom.echannel").call("channels.authorize", request=REQUEST).allowed


def test_a_raising_plugin_denies_with_its_error_as_the_reason(sqlite_url: str, make_platform: Any) -> None:
    platform = _tree(make_platform(sqlite_url))
    platform.add_plugin(Exploding(), "test.exploding")
    platform.enable("test.exploding", "telecom.echannel")
    result = platform.business("telecom.echannel").explain("channels.authorize", request=REQUEST)
    verdict = result.value
    assert not verdict.allowed
    assert (verdict.plugin, verdict.business) == ("test.exploding", "telecom.echannel")
    assert verdict.reason == "fail closed: RuntimeError: policy store unreachable"
    assert [(s.plugin, s.outcome, s.error) for s in result.trace] == [
        ("channels.rules", "allow", None),
        ("test.exploding", "deny", "RuntimeError: policy store unreachable"),
    ]


def test_a_plugin_breaking_its_contract_denies(sqlite_url: str, make_platform: Any) -> None:
    platform = _tree(make_platform(sqlite_url))
    platform.add_plugin(ReturnsBool(), "test.returns-bool")
    platform.enable("test.returns-bool", "telecom")
    verdict = platform.business("telecom.echannel").call("channels.authorize", request=REQUEST)
    assert not verdict.allowed
    assert verdict.plugin == "test.returns-bool"
    assert "expects Decision" in verdict.reason


def test_an_enabled_plugin_that_is_not_installed_denies(sqlite_url: str, make_platform: Any) -> None:
    writer = _tree(make_platform(sqlite_url))
    writer.add_plugin(ReturnsBool(), "test.gone")
    writer.enable("test.gone", "telecom.echannel")
    reader = make_platform(sqlite_url)  # the same registry, where test.gone is not installed
    verdict = reader.business("telecom.echannel").call("channels.authorize", request=REQUEST)
    assert not verdict.allowed
    assert verdict.plugin == "test.gone"
    assert "not installed" in verdict.reason


def test_a_retired_plugin_denies(sqlite_url: str, make_platform: Any) -> None:
    writer = _tree(make_platform(sqlite_url))
    writer.add_plugin(Exploding(), "test.old")
    writer.enable("test.old", "telecom")
    reader = make_platform(sqlite_url)
    reader.add_plugin(Exploding(), "test.old", lifecycle="retired")
    verdict = reader.business("telecom.echannel").call("channels.authorize", request=REQUEST)
    assert (verdict.allowed, verdict.plugin) == (False, "test.old")
    assert "retired" in verdict.reason


def test_a_stored_config_that_no_longer_loads_denies(sqlite_url: str, make_platform: Any) -> None:
    platform = _tree(make_platform(sqlite_url))
    # A row written past validation (an older package version, a hand-edited registry).
    broken = {"rules": [{"id": "old", "effect": "deny", "conditions": ["actor.store === 1"]}]}
    with platform.registry.change("test") as tx:
        tx.put_enablement("telecom.echannel", "channels.rules", enabled=True, config=broken, priority=0)
        tx.record("plugin.enable", business="telecom.echannel", plugin="channels.rules", note="by hand")
    platform.refresh()
    result = platform.business("telecom.echannel").explain("channels.authorize", request=REQUEST)
    assert not result.value.allowed
    assert (result.value.plugin, result.value.business) == ("channels.rules", "telecom.echannel")
    assert "rule 'old': invalid condition" in result.value.reason
    assert [(s.level, s.outcome) for s in result.trace] == [("telecom", "allow"), ("telecom.echannel", "deny")]


def test_fail_closed_applies_only_to_deny_on_error_points(sqlite_url: str, make_platform: Any) -> None:
    writer = _tree(make_platform(sqlite_url))
    writer.add_plugin(ReturnsBool(), "test.gone")
    writer.enable("test.gone", "telecom")
    reader = make_platform(sqlite_url)
    plan = reader.business("telecom").plan("pricing.base_price")
    assert plan.entries == ()
    assert any("not installed" in p for p in plan.problems)
