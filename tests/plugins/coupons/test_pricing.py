"""Wallet coupons in a quote: through pricing.adjust, allocated across lines, explained by code and title."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from zhongtai.plugins.coupons import redemption
from zhongtai.plugins.coupons.issuing import issue
from zhongtai.plugins.pricing.quoting import quote
from zhongtai.sdk import CartLine, Customer, QuoteRequest

from .conftest import make_template

PRICES = {"book": "120.00", "pen": "2.50", "math-101": "99.00"}


def priced(platform):
    platform.enable("pricing.price-list", "mall", config={"currency": "CNY", "prices": PRICES})
    platform.enable("coupons.wallet", "mall", config={"categories": {"book": ["books"], "math-101": ["books"]}},
                    priority=100)


def ask(platform, user, *codes, lines=(("book", 1), ("pen", 4)), business="mall.flagship"):
    request = QuoteRequest(channel="app", lines=[CartLine(s, q) for s, q in lines], customer=Customer(id=user),
                           coupons=codes)
    return quote(platform.business(business), request)


def steps(q):
    return [(a.code[-4:] if a.code else "", a.detail, str(a.change.amount)) for a in q.adjustments
            if a.plugin == "coupons.wallet"]


def test_selected_wallet_coupons_apply_with_the_stacking_rule(sqlite_mall):
    mall = sqlite_mall
    priced(mall)
    make_template(mall, "save20", title="New user 20 off", stacking_group="site")
    make_template(mall, "pct10", kind="percent", value="10", min_spend="0", stacking_group="site")
    make_template(mall, "mj", kind="threshold", value="10", min_spend="50", repeat=True)
    make_template(mall, "pen", kind="free_item", min_spend="0", free_sku="pen")
    make_template(mall, "books", kind="amount", value="5", min_spend="0", categories=["books"])
    mine = {name: issue(mall, "mall", name, "u1", request_id=name).coupon.code
            for name in ("save20", "pct10", "mj", "pen", "books")}
    q = ask(mall, "u1", *mine.values())
    assert q.total.amount == Decimal("130.00") - Decimal("20.00") - Decimal("2.50") - Decimal("5.00") - Decimal(
        "20.00")  # save20 beats pct10 (13.00) in group site; 每满50减10 on 130 -> 20; one pen; 5 off books
    explained = steps(q)
    assert (mine["pct10"][-4:], "not applied: " + mine["save20"] + " of exclusive group 'site' gives more",
            "0.00") in explained
    assert (mine["save20"][-4:], "New user 20 off: 20.00 off", "-20.00") in explained
    book_step = next(a for a in q.adjustments if a.code == mine["books"])
    assert [m.amount for m in book_step.allocation] == [Decimal("-5.00"), Decimal("0.00")]  # books only
    pen_step = next(a for a in q.adjustments if a.code == mine["pen"])
    assert [m.amount for m in pen_step.allocation] == [Decimal("0.00"), Decimal("-2.50")]


def test_only_the_users_own_valid_coupons_count(sqlite_mall):
    mall = sqlite_mall
    priced(mall)
    make_template(mall, "save20", per_user_limit=2)
    theirs = issue(mall, "mall", "save20", "u2", request_id="a").coupon.code
    used = issue(mall, "mall", "save20", "u1", request_id="b").coupon.code
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    redemption.reserve(mall, "mall", "u1", used, order_id="o1", now=later)
    redemption.confirm(mall, "mall", "o1", now=later)
    q = ask(mall, "u1", theirs, used)
    assert q.total.amount == Decimal("130.00")
    assert steps(q) == [(used[-4:], "not applied: save20 was already used", "0.00")]  # theirs: not a word
    anonymous = ask(mall, "", theirs)
    assert anonymous.total.amount == Decimal("130.00") and steps(anonymous) == []
