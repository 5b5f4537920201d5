"""Staged rollout (issue 15 B): Unleash bucketing, percent/allow-list/window, kill switch, propagation, audit."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.core import plugins as p
from tests.helpers.registry_rows import all_rows
from tests.helpers.vectors import load
from zhongtai.core.errors import PermissionDenied, UserError
from zhongtai.core.rollout import Rollout, bucket
from zhongtai.core.rollouts import clear_rollout, rollouts, set_rollout, stop_rollout

SUBJECTS = [f"user-{i}" for i in range(3000)]


@pytest.mark.parametrize("case", load("rollout.json")["cases"], ids=lambda c: f"{c['group']}/{c['identifier']}")
def test_buckets_match_unleash_for_every_vector(case):
    checked = 0
    for key, expected in case.items():
        if key.startswith("bucket_1_to_"):
            normalizer = int(key.rsplit("_", 1)[1])
            assert bucket(case["group"], case["identifier"], normalizer, case.get("seed", 0)) == expected
            checked += 1
    assert checked


@pytest.fixture
def platform(registry_url, make_platform):
    # changes made through this platform reach it at once; no revision check per call (thousands of calls)
    platform = make_platform(registry_url, discover=False, refresh_interval=3600, listen=False)
    platform.add_plugin(p.FixedPrice(), "price", config=p.PriceConfig)
    platform.add_plugin(p.FixedPrice(), "fallback", config=p.PriceConfig)
    for code in ("edu", "edu.k12", "mall"):
        platform.create_business(code, owner="team-" + code.split(".")[0], actor="alice")
    platform.enable("fallback", "edu", config={"amount": "5"})
    platform.enable("price", "edu", config={"amount": "10"}, priority=10)
    return platform


def price(platform, code, subject):
    return platform.business(code).call("pricing.base_price", sku="a", request=None, subject=subject).amount


def served(platform, code, subjects):
    return {s for s in subjects if price(platform, code, s) == 10}


def test_a_percentage_serves_that_share_sticky_per_subject_and_only_grows(platform):
    assert platform.plan("edu", "pricing.base_price").gates is None  # no rollout: the plain plan
    set_rollout(platform, "price", "edu", percent=10)
    assert platform.plan("edu", "pricing.base_price").gates is not None
    ten = served(platform, "edu", SUBJECTS)
    assert 0.08 < len(ten) / len(SUBJECTS) < 0.12
    assert served(platform, "edu", SUBJECTS) == ten  # sticky
    expected = {s for s in SUBJECTS if bucket("edu:price", s) <= 1000}
    assert ten == expected  # group "{business}:{plugin}", 0.01% buckets
    set_rollout(platform, "price", "edu", percent=25.5)
    wider = served(platform, "edu", SUBJECTS)
    assert ten < wider and 0.23 < len(wider) / len(SUBJECTS) < 0.28
    # descendants bucket a subject like the business whose row carries the rollout
    assert served(platform, "edu.k12", SUBJECTS[:500]) == {s for s in wider if s in SUBJECTS[:500]}


def test_hundredths_of_a_percent_and_unleash_normalizer(platform):
    set_rollout(platform, "price", "edu", percent=0.01)
    assert served(platform, "edu", SUBJECTS) == {s for s in SUBJECTS if bucket("edu:price", s) == 1}
    set_rollout(platform, "price", "edu", percent=34, normalizer=100, group="edu.k12:pricing.member-tier")
    assert price(platform, "edu", "u-1") == 10  # vector: bucket 34 of 100
    set_rollout(platform, "price", "edu", percent=33)
    assert price(platform, "edu", "u-1") == 5


def test_outside_the_rollout_behaves_as_not_enabled_and_explain_says_why(platform):
    set_rollout(platform, "price", "edu", percent=50)
    outside = next(s for s in SUBJECTS if bucket("edu:price", s) > 5000)
    inside = next(s for s in SUBJECTS if bucket("edu:price", s) <= 5000)
    view = platform.business("edu.k12")
    result = view.explain("pricing.base_price", sku="a", request=None, subject=outside)
    assert result.value.amount == 5
    steps = [(s.plugin, s.outcome) for s in result.trace]
    assert steps == [("price", "outside-rollout"), ("fallback", "answered")]
    assert f"bucket {bucket('edu:price', outside)} of 10000" in result.trace[0].value
    assert "50%" in result.trace[0].value
    result = view.explain("pricing.base_price", sku="a", request=None, subject=inside)
    assert [(s.plugin, s.outcome) for s in result.trace] == [("price", "in-rollout"), ("price", "answered")]
    # no subject: only a 100% rollout serves
    assert view.call("pricing.base_price", sku="a", request=None).amount == 5
    no_subject = view.explain("pricing.base_price", sku="a", request=None)
    assert no_subject.trace[0].outcome == "no-subject"
    assert view.admission("price", subject=outside).reason == "outside-rollout"
    assert view.admission("price", subject=inside).enabled
    assert view.admission("fallback", subject=outside).reason == "enabled"


def test_allow_list_and_time_window(platform):
    now = dt.datetime.now(dt.UTC)
    set_rollout(platform, "price", "edu", percent=100, allow=["tester"], start=now + dt.timedelta(hours=1))
    assert price(platform, "edu", "someone") == 5  # window not open yet
    assert price(platform, "edu", "tester") == 10  # allow-listed: always served
    trace = platform.business("edu").explain("pricing.base_price", sku="a", request=None, subject="someone").trace
    assert trace[0].outcome == "outside-window"
    set_rollout(platform, "price", "edu", start=now - dt.timedelta(hours=1), end=now + dt.timedelta(hours=1))
    assert price(platform, "edu", "someone") == 10
    set_rollout(platform, "price", "edu", start=now - dt.timedelta(hours=2), end=now - dt.timedelta(hours=1))
    assert price(platform, "edu", "someone") == 5
    set_rollout(platform, "price", "edu", percent=0, start=None, end=None)
    assert served(platform, "edu", SUBJECTS[:200]) == set()
    assert price(platform, "edu", "tester") == 10


def test_kill_switch_is_audited_and_reaches_other_processes(platform, registry_url, make_platform):
    other = make_platform(registry_url, discover=False)  # another serving process
    other.add_plugin(p.FixedPrice(), "price", config=p.PriceConfig)
    other.add_plugin(p.FixedPrice(), "fallback", config=p.PriceConfig)
    set_rollout(platform, "price", "edu", percent=100, allow=["tester"])
    assert served(other, "edu", SUBJECTS[:20]) == set(SUBJECTS[:20])
    report = stop_rollout(platform, "price", "edu", actor="alice")
    assert report.applied and report.after == {"rollout": {**report.before["rollout"], "percent": 0.0, "allow": []}}
    assert served(other, "edu", [*SUBJECTS[:20], "tester"]) == set()  # nobody, allow-list included
    entry = platform.registry.audit("edu", limit=1)[0]
    assert (entry.action, entry.actor, entry.plugin) == ("rollout.stop", "alice", "price")
    assert entry.before == {"rollout": report.before["rollout"]}
    assert rollouts(platform, "edu")[0]["percent"] == 0
    clear_rollout(platform, "price", "edu")
    assert served(other, "edu", SUBJECTS[:20]) == set(SUBJECTS[:20])
    assert rollouts(platform) == []


def test_refused_changes_write_nothing(platform):
    set_rollout(platform, "price", "edu", percent=10)
    before = all_rows(platform.registry.engine)
    for kwargs, match in [
        ({"percent": 100.5}, "0 to 100"), ({"percent": -1}, "0 to 100"), ({"percent": "lots"}, "0 to 100"),
        ({"percent": 12.345}, "finer than 0.01%"), ({"percent": 10}, "already"),
        ({"allow": [""]}, "subject"), ({"allow": ["x" * 201]}, "subject"),
        ({"start": "tomorrow"}, "ISO 8601"), ({"normalizer": 7}, "normalizer"),
        ({"percent": 12.5, "normalizer": 100}, "whole"),
        ({"start": "2030-01-02", "end": "2030-01-01"}, "after its start"),
    ]:
        with pytest.raises(UserError, match=match):
            set_rollout(platform, "price", "edu", **kwargs)
    with pytest.raises(UserError, match=r"not enabled at edu.k12 itself \(inherited from edu\).*--business edu"):
        set_rollout(platform, "price", "edu.k12", percent=5)
    with pytest.raises(UserError, match="enable it first"):
        stop_rollout(platform, "price", "mall")
    with pytest.raises(UserError, match="subject"):
        platform.business("edu").call("pricing.base_price", sku="a", request=None, subject="")
    from zhongtai.core import governance

    governance.grant(platform.registry, "root", "admin", actor="root")
    with pytest.raises(PermissionDenied):
        stop_rollout(platform, "price", "edu", actor="mallory")
    after = all_rows(platform.registry.engine)
    after.pop("zt_grant"), after.pop("zt_audit"), after.pop("zt_registry_state")
    assert after == {k: v for k, v in before.items() if k not in ("zt_grant", "zt_audit", "zt_registry_state")}


def test_disabling_drops_the_rollout_and_a_nearer_row_overrides_it(platform):
    set_rollout(platform, "price", "edu", percent=0)
    platform.enable("price", "edu.k12", config={"amount": "10"})
    assert price(platform, "edu.k12", "anyone") == 5  # the nearest rollout (edu's) still applies
    set_rollout(platform, "price", "edu.k12", percent=100)
    assert price(platform, "edu.k12", "anyone") == 10
    assert price(platform, "edu", "anyone") == 5
    platform.disable("price", "edu")
    platform.enable("price", "edu", config={"amount": "10"}, priority=10)
    assert price(platform, "edu", "anyone") == 10  # enabling again starts without a rollout


def test_rollout_rule_round_trips():
    rule = Rollout.build(12.5, ["a", "b", "a"], "2030-01-01T08:00", None, None)
    assert rule.allow == ("a", "b") and rule.start == dt.datetime(2030, 1, 1, 8, tzinfo=dt.UTC)
    assert Rollout.from_json(rule.to_json()) == rule
    assert rule.threshold == 1250


def test_the_kill_switch_reaches_a_listening_process_within_a_second(platform, registry_url, make_platform):
    import time

    if not registry_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY propagation is PostgreSQL's (SQLite processes check on calls)")
    other = make_platform(registry_url, discover=False, refresh_interval=3600, listen=True)
    other.add_plugin(p.FixedPrice(), "price", config=p.PriceConfig)
    other.add_plugin(p.FixedPrice(), "fallback", config=p.PriceConfig)
    set_rollout(platform, "price", "edu", percent=100)
    assert price(other, "edu", "someone") == 10  # the first call starts listening
    deadline = time.monotonic() + 10
    while not other.status().listening and time.monotonic() < deadline:
        time.sleep(0.01)
    assert other.status().listening
    stop_rollout(platform, "price", "edu")
    started = time.monotonic()
    while price(other, "edu", "someone") != 5 and time.monotonic() - started < 5:
        time.sleep(0.005)
    assert time.monotonic() - started <= 1.0


@pytest.mark.parametrize("allow", [(), ("user-7", "user-2999")])
def test_the_fast_picker_admits_exactly_whom_the_rule_admits(allow):
    from zhongtai.core.rollout import Gate, Rollout

    gate = Gate(Rollout.from_json({"percent": 37.5, "allow": list(allow)}), "edu", "price")
    pick = gate.picker("in", "out")
    admitted = [subject for subject in [*SUBJECTS, None] if pick(subject) == "in"]
    assert admitted == [subject for subject in [*SUBJECTS, None] if gate.admits(subject)]
    assert 0.3 < len(admitted) / len(SUBJECTS) < 0.45
    assert all(subject in admitted for subject in allow)
