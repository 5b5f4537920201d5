"""Issuing: idempotent by request id (also concurrently), budgets and per-user limits, bulk jobs that resume."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.helpers.registry_rows import schema_diff
from zhongtai.core.errors import ConflictError, UserError
from zhongtai.plugins.coupons import jobs, templates
from zhongtai.plugins.coupons.issuing import Stop, issue
from zhongtai.plugins.coupons.models import CouponRow, metadata
from zhongtai.plugins.coupons.reconcile import reconcile
from zhongtai.plugins.coupons.specs import Offer, Refusals
from zhongtai.sdk import hookimpl

from .conftest import make_template


def holders(platform) -> Counter[str]:
    with Session(platform.registry.engine) as session:
        return Counter(session.scalars(select(CouponRow.user_id)))


def test_the_tables_are_made_by_the_coupons_branch_and_match_the_models(mall, registry_url):
    assert schema_diff(registry_url, metadata) == []
    from zhongtai.core.registry import migrate

    assert "coupons_0001" in migrate.installed_revisions()[1]


def test_one_user_idempotent_by_request_id(mall):
    make_template(mall, "save20", business="mall", per_user_limit=2)
    first = issue(mall, "mall.flagship", "save20", "u1", request_id="signup-u1")
    assert first.coupon is not None and not first.duplicate and first.coupon.state == "valid"
    assert first.coupon.valid_until - first.coupon.issued_at == dt.timedelta(days=7)
    again = issue(mall, "mall.flagship", "save20", "u1", request_id="signup-u1")
    assert again.duplicate and again.coupon.code == first.coupon.code
    second = issue(mall, "mall.flagship", "save20", "u1", request_id="promo-u1")
    assert second.coupon.code != first.coupon.code
    third = issue(mall, "mall.flagship", "save20", "u1", request_id="more-u1")
    assert third.coupon is None and third.refused == "already holds 2 (the limit per user is 2)"
    assert holders(mall) == {"u1": 2}
    assert templates.get(mall, "mall", "save20").issued == 2
    assert reconcile(mall).clean


def test_the_same_request_id_from_many_threads_issues_once(mall):
    make_template(mall, "save20", per_user_limit=None)
    results = []
    barrier = threading.Barrier(8)

    def run() -> None:
        barrier.wait()
        results.append(issue(mall, "mall", "save20", "u1", request_id="checkout-42"))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r.coupon.code for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1
    assert holders(mall) == {"u1": 1}


def test_budget_and_stops(mall):
    make_template(mall, "two", max_issued=2)
    assert issue(mall, "mall", "two", "u1", request_id="a").coupon
    assert issue(mall, "mall", "two", "u2", request_id="b").coupon
    with pytest.raises(Stop, match=r"budget of coupon template two is spent \(2 of 2 issued\)"):
        issue(mall, "mall", "two", "u3", request_id="c")
    make_template(mall, "old", valid_until="2020-01-01T00:00Z", valid_days=None)
    with pytest.raises(Stop, match="ended at 2020-01-01"):
        issue(mall, "mall", "old", "u1", request_id="d")
    make_template(mall, "gone")
    templates.retire(mall, "mall", "gone")
    with pytest.raises(Stop, match="is retired"):
        issue(mall, "mall.flagship", "gone", "u1", request_id="e")
    with pytest.raises(UserError, match="user id must be 1 to 200 printable"):
        issue(mall, "mall", "two", "bad\nid", request_id="f")


def audience(tmp_path, users):
    path = tmp_path / "audience.txt"
    path.write_text("".join(f"{u}\n" for u in users))
    return path


def test_a_bulk_job_interrupted_mid_way_resumes_without_double_or_skip(mall, tmp_path):
    make_template(mall, "gift", max_issued=10_000)
    users = [f"user{i:05d}" for i in range(1200)] + ["user00007", ""]  # a repeat (limit 1) and a blank line
    job = jobs.create(mall, "mall", "gift", audience(tmp_path, users), actor="tester")
    assert job.total == 1201

    def crash_after_two(progress: jobs.Job) -> None:
        if progress.position >= 2 * 250:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        jobs.run(mall, job.id, batch=250, progress=crash_after_two)
    halfway = jobs.get(mall, job.id)
    assert (halfway.position, halfway.issued, halfway.state) == (500, 500, "running")
    done = jobs.run(mall, job.id, batch=250)
    assert (done.state, done.position, done.issued, done.skipped) == ("done", 1201, 1200, 1)
    counts = holders(mall)
    assert len(counts) == 1200 and set(counts.values()) == {1}
    assert jobs.run(mall, job.id).state == "done"  # running a finished job again does nothing
    assert reconcile(mall).clean


def test_a_changed_audience_file_or_a_second_runner_is_refused(sqlite_mall, tmp_path):
    mall = sqlite_mall
    make_template(mall, "gift")
    path = audience(tmp_path, ["a", "b", "c"])
    job = jobs.create(mall, "mall", "gift", path)
    path.write_text("a\nb\nx\n")
    with pytest.raises(UserError, match="changed or is gone since job"):
        jobs.run(mall, job.id)
    path.write_text("a\nb\nc\n")
    stale = jobs.get(mall, job.id)
    jobs.run(mall, job.id, batch=1, progress=lambda j: None)
    with pytest.raises(ConflictError, match="advanced by another process"):
        jobs._run_batch(mall, stale, ["a"])
    assert holders(mall) == {"a": 1, "b": 1, "c": 1}


def test_a_bulk_job_stops_when_the_budget_is_spent(sqlite_mall, tmp_path):
    make_template(sqlite_mall, "few", max_issued=3)
    done = jobs.run(sqlite_mall, jobs.create(sqlite_mall, "mall", "few", audience(tmp_path, "abcde")).id, batch=2)
    assert (done.state, done.reason, done.issued) == ("stopped", "the budget is spent", 3)
    with Session(sqlite_mall.registry.engine) as session:
        assert session.scalar(select(func.count()).select_from(CouponRow)) == 3


class NewUsersOnly:
    """A business rule on the package's own extension point: users named old* are not new."""

    @hookimpl
    def coupons_eligibility(self, offer: Offer, users: tuple[str, ...], context) -> Refusals | None:
        self.batches.append(len(users))
        if "explode" in users:
            raise RuntimeError("CRM unavailable")
        return Refusals({u: "not a new user" for u in users if u.startswith("old")})

    def __init__(self) -> None:
        self.batches: list[int] = []


def test_eligibility_rules_of_the_business_decide_who_may_receive(sqlite_mall, tmp_path):
    from zhongtai.core.errors import PluginCallError

    mall = sqlite_mall
    assert "coupons.eligibility" in mall.extension_points  # declared through zhongtai.specs
    rule = NewUsersOnly()
    mall.add_plugin(rule, "mall.new-users")
    mall.enable("mall.new-users", "mall")
    make_template(mall, "welcome")
    refused = issue(mall, "mall.flagship", "welcome", "old-ann", request_id="r1")
    assert refused.coupon is None and refused.refused == "not a new user (mall.new-users)"
    assert issue(mall, "mall.flagship", "welcome", "new-bob", request_id="r2").coupon is not None
    done = jobs.run(mall, jobs.create(mall, "mall", "welcome", audience(tmp_path, ["old1", "new1", "new2"])).id)
    assert (done.issued, done.skipped) == (2, 1) and rule.batches == [1, 1, 3]
    with pytest.raises(PluginCallError, match="CRM unavailable"):
        issue(mall, "mall", "welcome", "explode", request_id="r3")
    assert set(holders(mall)) == {"new-bob", "new1", "new2"}
