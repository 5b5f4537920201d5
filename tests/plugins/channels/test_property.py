"""Property: adding a deny rule, at any level, never turns a deny into an allow.

Decisions go through the kernel's real plan compilation and deny-overrides
runner with the installed ``channels.rules`` plugin; the registry picture is an
in-memory :class:`Snapshot`, so each example costs no database writes.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhongtai.core.registry.snapshot import Business, Enablement, Snapshot
from zhongtai.core.runtime.plan import compile_plan
from zhongtai.sdk import AccessRequest, Actor, Verdict

LEVELS = ("telecom", "telecom.echannel", "telecom.echannel.pickup")
CHANNELS = ("app", "wechat", "echannel", "pickup")
ACTIONS = ("order.create", "order.refund", "coupon.issue")
ROLES = ("agent", "staff", "customer")
CONDITIONS = (
    "actor.store == resource.store",
    "actor.store != resource.store",
    "resource.amount in [1, 2]",
    "resource.amount not in [2, 3]",
    "'agent' in actor.roles",
    "actor.id == 'a1'",
    "channel != 'app'",
)


def _patterns(values: tuple[str, ...], extra: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(("*", *extra, *values)),
        st.lists(st.sampled_from((*extra, *values)), min_size=1, max_size=3, unique=True),
    )


def _rule(rule_id: str, effect: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "id": st.just(rule_id),
        "effect": effect,
        "channels": _patterns(CHANNELS),
        "actions": _patterns(ACTIONS, ("order.*",)),
        "roles": _patterns(ROLES),
        "conditions": st.lists(st.sampled_from(CONDITIONS), max_size=2, unique=True),
    })


@st.composite
def _level_rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 4))
    return [draw(_rule(f"r{i}", st.sampled_from(("allow", "deny")))) for i in range(count)]


_requests = st.builds(
    AccessRequest,
    channel=st.sampled_from(CHANNELS),
    action=st.sampled_from(ACTIONS),
    actor=st.builds(Actor, id=st.sampled_from(("a1", "a2")), roles=st.frozensets(st.sampled_from(ROLES)),
                    store=st.sampled_from((None, "s1", "s2"))),
    resource=st.fixed_dictionaries({}, optional={"store": st.sampled_from(("s1", "s2")),
                                                 "amount": st.integers(1, 3)}),
)


def _verdict(platform: Any, rules: dict[str, list[dict[str, Any]]], request: AccessRequest) -> Verdict:
    businesses = [Business(code, code.rpartition(".")[0] or None) for code in LEVELS]
    rows = [Enablement(code, "channels.rules", True, {"rules": rules[code]}) for code in LEVELS]
    snapshot = Snapshot(1, businesses, rows)
    leaf = LEVELS[-1]
    point = platform.extension_point("channels.authorize")
    plan = compile_plan(point, leaf, 1, snapshot.effective(leaf).values(), platform.plugins, platform)
    assert plan.problems == ()
    verdict = plan.runner(plan.point, plan.entries, {"request": request}, None)
    assert isinstance(verdict, Verdict)
    return verdict


@pytest.fixture
def platform(sqlite_url: str, make_platform: Any) -> Any:
    """One Platform for all examples: only its plugin catalog is used, never its registry."""
    return make_platform(sqlite_url)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rules=st.fixed_dictionaries({code: _level_rules() for code in LEVELS}),
    request=_requests,
    where=st.sampled_from(LEVELS),
    deny=_rule("added-deny", st.just("deny")),
)
def test_adding_a_deny_rule_never_turns_deny_into_allow(
    platform: Any, rules: dict[str, list[dict[str, Any]]], request: AccessRequest, where: str,
    deny: dict[str, Any],
) -> None:
    before = _verdict(platform, rules, request)
    after = _verdict(platform, {**rules, where: [*rules[where], deny]}, request)
    if not before.allowed:
        assert not after.allowed
    if after.allowed:
        assert after == before
