"""The coupon stacking rule, directly on quotes (apply_coupons), and coupon config validation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.plugins.pricing.conftest import NOON
from tests.plugins.pricing.test_steps import make, totals
from zhongtai.core.config import build_config
from zhongtai.core.errors import ConfigError
from zhongtai.plugins.pricing.coupons import Coupon, CouponsConfig, apply_coupons


def run(quote, codes, channel="app", at=NOON, currency="CNY", **coupons):
    table = {code: (currency, Coupon(**c)) for code, c in coupons.items()}
    return apply_coupons(quote, codes, table, at=at, channel=channel, plugin="pricing.coupons")


def steps(quote):
    return [(a.code, str(a.change.amount), a.detail) for a in quote.adjustments]


def test_unknown_codes_are_left_alone_and_each_code_counts_once():
    out = run(make("100.00"), ["NOPE", "A", "A"], A={"value": Decimal("5")})
    assert totals(out) == ["95.00"]
    assert steps(out) == [("A", "-5.00", "5 off")]


def test_refusals_are_explained():
    q = make("100.00", "50.00")
    out = run(q, ["OLD", "SOON", "APPONLY", "NOSKU", "BIG"],
              OLD={"value": Decimal(1), "valid_until": NOON - dt.timedelta(days=1)},
              SOON={"value": Decimal(1), "valid_from": NOON + dt.timedelta(days=1)},
              APPONLY={"value": Decimal(1), "channels": ["app"]},
              NOSKU={"value": Decimal(1), "skus": ["zzz"]},
              BIG={"kind": "threshold", "value": Decimal(30), "min_spend": Decimal(300)},
              channel="h5")
    assert totals(out) == ["100.00", "50.00"]
    assert [d for _, _, d in steps(out)] == [
        "not applied: expired",
        f"not applied: valid from {(NOON + dt.timedelta(days=1)).isoformat()}",
        "not applied: not valid in channel 'h5'",
        "not applied: no eligible items in the cart",
        "not applied: needs a spend of 300 on eligible items, the cart has 150.00",
    ]


def test_min_spend_is_judged_before_any_coupon_of_the_step():
    out = run(make("100.00"), ["A", "B"], A={"value": Decimal(30)},
              B={"value": Decimal(10), "min_spend": Decimal(100)})
    assert totals(out) == ["60.00"]


def test_exclusive_group_keeps_the_biggest_discount_ties_to_the_first_given():
    out = run(make("100.00"), ["FIVE", "PCT", "OTHER"], FIVE={"value": Decimal(5), "group": "g"},
              PCT={"kind": "percent", "value": Decimal(5), "group": "g"},
              OTHER={"value": Decimal(1), "group": "h"})
    assert totals(out) == ["94.00"]
    assert ("PCT", "0.00", "not applied: FIVE of exclusive group 'g' gives more") in steps(out)


def test_stacking_order_is_threshold_then_amount_then_percent_whatever_the_order_given():
    out = run(make("400.00"), ["PCT", "AMT", "MJ"], PCT={"kind": "percent", "value": Decimal(10)},
              AMT={"value": Decimal(20)}, MJ={"kind": "threshold", "value": Decimal(30), "min_spend": Decimal(300)})
    assert [code for code, _, _ in steps(out)] == ["MJ", "AMT", "PCT"]
    assert totals(out) == ["315.00"]  # (400 - 30 - 20) x 0.9


def test_a_coupon_with_nothing_left_to_take_says_so():
    out = run(make("10.00"), ["ALL", "MORE"], ALL={"value": Decimal(10)}, MORE={"value": Decimal(1)})
    assert totals(out) == ["0.00"]
    assert steps(out)[-1] == ("MORE", "0.00", "not applied: nothing left to take off the eligible items")


def test_a_coupon_with_amounts_in_another_currency_is_not_applied():
    out = run(make("100", currency="JPY", digits=0), ["A", "P"], A={"value": Decimal(5)},
              P={"kind": "percent", "value": Decimal(10)})
    assert totals(out) == ["90"]  # a plain percentage has no currency
    assert steps(out)[0] == ("A", "0", "not applied: its amounts are in CNY, the quote is in JPY")


@pytest.mark.parametrize(("raw", "message"), [
    ({"coupons": {"X": {"kind": "percent", "value": "120"}}}, "0 to 100 percent"),
    ({"coupons": {"X": {"kind": "threshold", "value": "30"}}}, "positive min_spend"),
    ({"coupons": {"X": {"value": "5", "repeat": True}}}, "threshold coupons only"),
    ({"coupons": {"X": {"kind": "bogo"}}}, "kind"),
    ({"currency": "JPY", "coupons": {"X": {"value": "10.5"}}}, "more decimals than JPY allows"),
    ({"coupons": {"X": {"value": 5.5}}}, "decimal number"),
])
def test_bad_coupon_config_is_one_config_error(raw, message):
    with pytest.raises(ConfigError, match=message):
        build_config(CouponsConfig, raw, plugin="pricing.coupons")
