"""Redemption: reserve / confirm / release, holds that time out, wrong codes that say nothing, value budgets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from zhongtai.core.errors import NotFound, UserError
from zhongtai.plugins.coupons import codes, redemption
from zhongtai.plugins.coupons.issuing import issue
from zhongtai.plugins.coupons.models import LedgerRow, TemplateRow
from zhongtai.plugins.coupons.reconcile import reconcile, stats
from zhongtai.plugins.coupons.redemption import TooManyAttempts, WrongCode

from .conftest import make_template


@pytest.fixture
def now():
    """A minute from now: after the test's coupons are issued (their validity starts when they are)."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)


def ledger(platform):
    with Session(platform.registry.engine) as session:
        return [(r.event, r.amount_minor, r.order_id, r.note) for r in
                session.scalars(select(LedgerRow).where(LedgerRow.event != "issued").order_by(LedgerRow.id))]


def test_reserve_confirm_release_and_the_ledger(mall, now):
    make_template(mall, "save20")
    code = issue(mall, "mall", "save20", "u1", request_id="r1").coupon.code
    reserved = redemption.reserve(mall, "mall.flagship", "u1", codes.display(code).lower(), order_id="o1", now=now)
    assert reserved.state == "reserved" and reserved.order_id == "o1" and reserved.amount == Decimal("20.00")
    assert redemption.reserve(mall, "mall.flagship", "u1", code, order_id="o1", now=now).state == "reserved"
    with pytest.raises(UserError, match="reserved by another order until"):
        redemption.reserve(mall, "mall.flagship", "u1", code, order_id="o2", now=now)
    assert [c.state for c in redemption.release(mall, "mall.flagship", "o1", now=now)] == ["valid"]
    assert redemption.release(mall, "mall.flagship", "o1", now=now) == []
    redemption.reserve(mall, "mall.flagship", "u1", code, order_id="o2", now=now)
    used = redemption.confirm(mall, "mall.flagship", "o2", now=now)
    assert [c.state for c in used] == ["used"]
    assert [c.state for c in redemption.confirm(mall, "mall.flagship", "o2", now=now)] == ["used"]  # a repeat
    with pytest.raises(UserError, match="was already used"):
        redemption.reserve(mall, "mall.flagship", "u1", code, order_id="o3", now=now)
    with pytest.raises(NotFound, match="order o9 has no reserved coupons"):
        redemption.confirm(mall, "mall", "o9")
    assert ledger(mall) == [("reserve", 2000, "o1", ""), ("release", -2000, "o1", "order cancelled"),
                            ("reserve", 2000, "o2", ""), ("confirm", 0, "o2", "")]
    [row] = stats(mall)
    assert (row.issued, row.used, row.valid, row.spent) == (1, 1, 0, "20.00")
    assert reconcile(mall).clean


def test_a_hold_that_ran_out_can_be_taken_or_swept(mall, now):
    make_template(mall, "save20", per_user_limit=2)
    first = issue(mall, "mall", "save20", "u1", request_id="r1").coupon.code
    second = issue(mall, "mall", "save20", "u1", request_id="r2").coupon.code
    redemption.reserve(mall, "mall", "u1", first, order_id="o1", hold=dt.timedelta(minutes=1), now=now)
    redemption.reserve(mall, "mall", "u1", second, order_id="o2", hold=dt.timedelta(minutes=1), now=now)
    later = now + dt.timedelta(minutes=2)
    taken = redemption.reserve(mall, "mall", "u1", first, order_id="o3", now=later)
    assert taken.order_id == "o3"
    assert redemption.release_expired(mall, now=later) == 1
    assert ledger(mall)[2:] == [("release", -2000, "o1", "hold timed out"), ("reserve", 2000, "o3", ""),
                                ("release", -2000, "o2", "hold timed out")]
    assert reconcile(mall).clean


def test_wrong_codes_say_nothing_and_are_throttled(mall, now):
    make_template(mall, "save20", per_user_limit=None)
    mine = issue(mall, "mall", "save20", "u1", request_id="r1").coupon.code
    theirs = issue(mall, "mall", "save20", "u2", request_id="r2").coupon.code
    sibling_template = make_template(mall, "local", business="mall.flagship")
    elsewhere = issue(mall, "mall.flagship", sibling_template.name, "u1", request_id="r3").coupon.code
    attempts = ["not-a-code", codes.new_code(), theirs, elsewhere, mine[:-1] + ("0" if mine[-1] != "0" else "1")]
    for attempt in attempts:  # malformed, unknown, another user's, from a business below, a typo
        with pytest.raises(WrongCode) as caught:
            redemption.reserve(mall, "mall", "u1", attempt, order_id="o1", now=now)
        assert caught.value.message == redemption.WRONG_CODE
    with pytest.raises(TooManyAttempts, match="too many wrong codes; try again after"):
        redemption.reserve(mall, "mall", "u1", mine, order_id="o1", now=now)
    assert redemption.reserve(mall, "mall", "u2", theirs, order_id="o2", now=now).state == "reserved"
    next_window = now + redemption.THROTTLE_WINDOW
    assert redemption.reserve(mall, "mall", "u1", mine, order_id="o1", now=next_window).state == "reserved"


def test_a_value_budget_holds_and_a_release_gives_it_back(mall, now):
    make_template(mall, "pct", kind="percent", value="10", min_spend="0", max_value="50.00", per_user_limit=None)
    got = [issue(mall, "mall", "pct", "u1", request_id=f"r{i}").coupon.code for i in range(3)]
    with pytest.raises(UserError, match="give the discount amount"):
        redemption.reserve(mall, "mall", "u1", got[0], order_id="o0", now=now)
    with pytest.raises(UserError, match="more decimals than CNY"):
        redemption.reserve(mall, "mall", "u1", got[0], order_id="o0", amount=Decimal("1.001"), now=now)
    redemption.reserve(mall, "mall", "u1", got[0], order_id="o0", amount=Decimal("30.00"), now=now)
    with pytest.raises(UserError, match="value budget of coupon template pct is spent"):
        redemption.reserve(mall, "mall", "u1", got[1], order_id="o1", amount=Decimal("20.01"), now=now)
    redemption.reserve(mall, "mall", "u1", got[1], order_id="o1", amount=Decimal("20.00"), now=now)
    redemption.release(mall, "mall", "o0", now=now)
    redemption.reserve(mall, "mall", "u1", got[2], order_id="o2", amount=Decimal("30.00"), now=now)
    assert stats(mall)[0].spent == "50.00" and reconcile(mall).clean


def test_reconcile_reports_drift(mall, now):
    make_template(mall, "save20")
    code = issue(mall, "mall", "save20", "u1", request_id="r1").coupon.code
    redemption.reserve(mall, "mall", "u1", code, order_id="o1", now=now)
    with Session(mall.registry.engine) as session, session.begin():
        session.execute(update(TemplateRow).values(issued=TemplateRow.issued + 3, spent_minor=1))
        session.execute(text("UPDATE zt_coupon SET state = 'valid'"))
    report = reconcile(mall)
    assert sorted(d.describe() for d in report.drift) == [
        "mall save20: issued differs: counter 4, ledger 1, coupons 1",
        "mall save20: reserved differs: ledger 1, coupons 0",
        "mall save20: spent differs: counter 1, ledger 2000, coupons 0",
    ]
