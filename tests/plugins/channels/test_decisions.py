"""The decision table of channels.authorize across telecom / telecom.echannel / telecom.echannel.pickup.

Runs the installed ``channels.rules`` plugin (found through its real entry point)
on a real SQLite registry; allows and denies sit at different levels.
"""

from __future__ import annotations

from typing import Any

import pytest

from zhongtai.core.errors import ConfigError
from zhongtai.sdk import AccessRequest, Actor, Verdict

E, P, T = "telecom.echannel", "telecom.echannel.pickup", "telecom"
AGENT = Actor(id="a1", roles={"agent"})
MANAGER = Actor(id="m1", roles={"manager"})
AGENT_MANAGER = Actor(id="am", roles={"agent", "manager"})
STAFF_S1 = Actor(id="s", roles={"staff"}, store="s1")
CUSTOMER = Actor(id="c1", roles={"customer"})

# business, channel, action, actor, resource -> allowed, deciding level, deciding rule ("" = default deny)
TABLE = [
    (T, "echannel", "order.create", AGENT, {}, True, T, "t-agent-orders"),
    (T, "echannel", "order.refund", AGENT, {}, True, T, "t-agent-orders"),
    (E, "echannel", "order.refund", AGENT, {}, False, E, "e-no-agent-refund"),
    (E, "echannel", "order.create", AGENT, {}, True, T, "t-agent-orders"),
    (E, "app", "order.refund", AGENT, {}, True, T, "t-agent-orders"),
    (E, "echannel", "coupon.issue", MANAGER, {}, True, E, "e-manager-coupons"),
    (E, "echannel", "coupon.issue", AGENT_MANAGER, {}, False, T, "t-no-agent-coupons"),
    (T, "echannel", "coupon.issue", MANAGER, {}, False, "", ""),
    (T, "wechat", "order.create", AGENT, {}, False, "", ""),
    (T, "app", "order.create", CUSTOMER, {"customer": "c1"}, True, T, "t-customer-self"),
    (T, "app", "order.create", CUSTOMER, {"customer": "c2"}, False, "", ""),
    (T, "app", "order.create", CUSTOMER, {}, False, "", ""),
    (P, "app", "order.create", CUSTOMER, {"customer": "c1"}, False, P, "p-no-app"),
    (P, "pickup", "order.create", STAFF_S1, {"store": "s1"}, True, P, "p-staff-own-store"),
    (P, "pickup", "order.refund", STAFF_S1, {"store": "s2"}, False, P, "p-staff-other-store"),
    (P, "pickup", "order.create", STAFF_S1, {}, False, P, "p-staff-other-store"),
    (P, "echannel", "order.refund", AGENT, {}, False, E, "e-no-agent-refund"),
    (E, "pickup", "order.create", STAFF_S1, {"store": "s1"}, False, "", ""),
    (P, "pickup", "coupon.issue", Actor(roles={"agent", "staff"}, store="s1"), {"store": "s1"}, False, T,
     "t-no-agent-coupons"),
]


@pytest.mark.parametrize(("business", "channel", "action", "actor", "resource", "allowed", "level", "rule"), TABLE)
def test_decision_table(telecom: Any, business: str, channel: str, action: str, actor: Actor,
                        resource: dict[str, str], allowed: bool, level: str, rule: str) -> None:
    request = AccessRequest(channel=channel, action=action, actor=actor, resource=resource)
    verdict = telecom.business(business).call("channels.authorize", request=request)
    assert isinstance(verdict, Verdict)
    assert (verdict.allowed, verdict.business, verdict.rule) == (allowed, level, rule), verdict.reason
    assert verdict.plugin == ("channels.rules" if rule else "")


def test_explain_names_rule_plugin_and_level_of_every_step(telecom: Any) -> None:
    request = AccessRequest("echannel", "order.refund", actor=AGENT)
    result = telecom.business(P).explain("channels.authorize", request=request)
    assert result.value == Verdict(False, "e-channel agents place orders for customers but do not refund them",
                                   "channels.rules", E, "e-no-agent-refund")
    steps = [(s.plugin, s.level, s.outcome, s.value.rule if s.value else None) for s in result.trace]
    assert steps == [
        ("channels.rules", T, "allow", "t-agent-orders"),
        ("channels.rules", E, "deny", "e-no-agent-refund"),
        ("channels.rules", P, "not-applicable", None),
    ]


def test_undecidable_deny_condition_fails_closed_with_the_reason(telecom: Any) -> None:
    request = AccessRequest("pickup", "order.create", actor=Actor(roles={"staff"}), resource={"store": "s1"})
    verdict = telecom.business(P).call("channels.authorize", request=request)
    assert not verdict.allowed
    assert verdict.rule == "p-staff-other-store"
    assert "actor.store is missing" in verdict.reason


def test_business_without_rules_denies_by_default(sqlite_url: str, make_platform: Any) -> None:
    platform = make_platform(sqlite_url)
    platform.create_business("edu")
    verdict = platform.business("edu").call("channels.authorize", request=AccessRequest("app", "order.create"))
    assert verdict == Verdict(False, "default deny: no rule allows this request")


def test_k12_sells_only_in_its_mini_program(sqlite_url: str, make_platform: Any) -> None:
    platform = make_platform(sqlite_url)
    platform.create_business("edu")
    platform.create_business("edu.k12")
    platform.enable("channels.rules", "edu", config={"rules": [
        {"id": "edu-sell", "effect": "allow", "actions": "order.create"}]})
    platform.enable("channels.rules", "edu.k12", config={"rules": [
        {"id": "k12-mini-only", "effect": "deny", "channels": ["app", "web", "store"], "actions": "order.*"}]})
    k12 = platform.business("edu.k12")
    assert k12.call("channels.authorize", request=AccessRequest("wechat-mini", "order.create")).allowed
    assert not k12.call("channels.authorize", request=AccessRequest("app", "order.create")).allowed
    assert platform.business("edu").call("channels.authorize", request=AccessRequest("app", "order.create")).allowed


def test_invalid_condition_at_enable_names_the_rule_and_writes_nothing(telecom: Any) -> None:
    before = telecom.registry.revision()
    bad = [{"id": "ok", "effect": "allow"},
           {"id": "broken", "effect": "deny", "conditions": ["actor.store = resource.store"]}]
    with pytest.raises(ConfigError, match=r"rule 'broken': invalid condition 'actor.store = resource.store'"):
        telecom.enable("channels.rules", E, config={"rules": bad}, replace_config=True)
    assert telecom.registry.revision() == before
    request = AccessRequest("echannel", "order.refund", actor=AGENT)
    assert telecom.business(E).call("channels.authorize", request=request).rule == "e-no-agent-refund"


def test_decisions_follow_a_config_change(telecom: Any) -> None:
    request = AccessRequest("echannel", "order.refund", actor=AGENT)
    assert not telecom.business(E).call("channels.authorize", request=request).allowed
    telecom.enable("channels.rules", E, config={"rules": [
        {"id": "e-manager-coupons", "effect": "allow", "channels": "echannel", "actions": "coupon.issue",
         "roles": "manager"}]})
    assert telecom.business(E).call("channels.authorize", request=request).allowed


def test_levels_combine_the_same_on_every_registry_backend(telecom_any_backend: Any) -> None:
    leaf = telecom_any_backend.business(P)
    refund = leaf.call("channels.authorize", request=AccessRequest("echannel", "order.refund", actor=AGENT))
    create = leaf.call("channels.authorize", request=AccessRequest("echannel", "order.create", actor=AGENT))
    own = leaf.call("channels.authorize", request=AccessRequest("pickup", "order.create", actor=STAFF_S1,
                                                                resource={"store": "s1"}))
    assert [(v.allowed, v.business, v.rule) for v in (refund, create, own)] == [
        (False, E, "e-no-agent-refund"), (True, T, "t-agent-orders"), (True, P, "p-staff-own-store")]
