"""Rules of one business level: patterns, the level's decision, and config errors naming the rule."""

from __future__ import annotations

from typing import Any

import pytest

from zhongtai.core.config import build_config
from zhongtai.core.errors import ConfigError
from zhongtai.plugins.channels.rules import RulesConfig, pattern_matches
from zhongtai.sdk import AccessRequest, Actor, Effect


def config(*rules: dict[str, Any]) -> RulesConfig:
    built = build_config(RulesConfig, {"rules": list(rules)}, plugin="channels.rules")
    assert isinstance(built, RulesConfig)
    return built


@pytest.mark.parametrize(("pattern", "name", "matches"), [
    ("*", "order.create", True),
    ("order.create", "order.create", True),
    ("order.create", "order.created", False),
    ("order.*", "order.create", True),
    ("order.*", "order.refund.partial", True),
    ("order.*", "order", False),
    ("order.*", "orders.create", False),
])
def test_patterns(pattern: str, name: str, matches: bool) -> None:
    assert pattern_matches(pattern, name) is matches


def test_no_matching_rule_says_nothing() -> None:
    rules = config({"id": "r", "effect": "allow", "channels": "app"})
    assert rules.decide(AccessRequest("wechat", "order.create")) is None
    assert RulesConfig().decide(AccessRequest("wechat", "order.create")) is None


def test_deny_wins_within_a_level_whatever_the_order() -> None:
    rules = config({"id": "allow-all", "effect": "allow"},
                   {"id": "no-refund", "effect": "deny", "actions": "order.refund", "reason": "no refunds here"})
    decision = rules.decide(AccessRequest("app", "order.refund"))
    assert decision is not None
    assert (decision.effect, decision.rule, decision.reason) == (Effect.DENY, "no-refund", "no refunds here")
    allowed = rules.decide(AccessRequest("app", "order.create"))
    assert allowed is not None and (allowed.effect, allowed.rule) == (Effect.ALLOW, "allow-all")


def test_roles_match_any_of_the_actors_roles_and_star_matches_no_role() -> None:
    rules = config({"id": "agents", "effect": "allow", "roles": ["agent"]}, {"id": "anyone", "effect": "deny",
                   "actions": "coupon.issue"})
    assert rules.decide(AccessRequest("app", "order.create", actor=Actor(roles={"clerk", "agent"}))) is not None
    assert rules.decide(AccessRequest("app", "order.create", actor=Actor(roles={"clerk"}))) is None
    decision = rules.decide(AccessRequest("app", "coupon.issue"))
    assert decision is not None and decision.effect is Effect.DENY


def test_a_false_condition_beats_an_undecidable_one() -> None:
    rules = config({"id": "d", "effect": "deny", "conditions": ["actor.agent == 'x'", "channel == 'web'"]})
    assert rules.decide(AccessRequest("app", "order.create")) is None
    decision = rules.decide(AccessRequest("web", "order.create"))
    assert decision is not None and decision.effect is Effect.DENY and "cannot be checked" in decision.reason


def test_an_undecidable_allow_rule_does_not_allow() -> None:
    rules = config({"id": "own", "effect": "allow", "conditions": ["actor.store == resource.store"]})
    assert rules.decide(AccessRequest("app", "order.create", actor=Actor(store="s1"))) is None


def test_actor_and_single_role_given_as_json() -> None:
    request = AccessRequest("app", "order.create", actor={"id": "a1", "roles": "agent"})  # type: ignore[arg-type]
    assert request.actor == Actor(id="a1", roles=frozenset({"agent"}))


@pytest.mark.parametrize(("rule", "message"), [
    ({"effect": "allow"}, "every rule needs an id"),
    ({"id": "has space", "effect": "allow"}, "rule 'has space': id must be"),
    ({"id": "r"}, "rule 'r': effect is required: 'allow' or 'deny'"),
    ({"id": "r", "effect": "permit"}, "rule 'r': effect must be 'allow' or 'deny', not 'permit'"),
    ({"id": "r", "effect": "deny", "channels": []}, "rule 'r': channels is empty; use '*' for any"),
    ({"id": "r", "effect": "deny", "actions": ["ord*"]}, "rule 'r': actions: 'ord*' is not a name"),
    ({"id": "r", "effect": "deny", "roles": ["a.*.b"]}, "rule 'r': roles: 'a.*.b' is not a name"),
    ({"id": "r", "effect": "deny", "conditions": ["actor.store ="]}, "rule 'r': invalid condition 'actor.store ='"),
    ({"id": "r", "effect": "deny", "channels": 3}, "config field 'channels'"),
])
def test_config_errors_name_the_rule(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config(rule)
    assert message in raised.value.message


def test_rule_ids_are_unique_within_a_level() -> None:
    with pytest.raises(ConfigError, match="rule id 'r' is used twice"):
        config({"id": "r", "effect": "allow"}, {"id": "r", "effect": "deny"})
