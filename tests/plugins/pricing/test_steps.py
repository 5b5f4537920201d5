"""Line and order discounts keep a quote exact: never below zero, lines sum to the total."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhongtai.core.specs.pricing import Money, Quote, QuoteLine, Rounding
from zhongtai.plugins.pricing.steps import discount_lines, discount_order, note


def make(*totals: str, currency: str = "CNY", digits: int = 2, rounding: Rounding | None = None) -> Quote:
    lines = [QuoteLine(f"s{i}", 1, Money(Decimal(t), currency), Money(Decimal(t), currency))
             for i, t in enumerate(totals)]
    return Quote(currency, lines, digits=digits, rounding=rounding or Rounding())


def totals(quote: Quote) -> list[str]:
    return [str(line.total.amount) for line in quote.lines]


def test_quote_refuses_a_negative_line_or_an_amount_finer_than_its_quantum():
    with pytest.raises(ValueError, match="negative"):
        make("-0.01")
    with pytest.raises(ValueError, match=r"not a whole multiple of 0\.01"):
        make("1.005")
    with pytest.raises(ValueError, match="not a whole multiple of 1"):
        make("1.5", currency="JPY", digits=0)
    make("1.005", rounding=Rounding(scope="order"))  # per order: a finer working unit


def test_quote_refuses_mixed_currencies():
    line = QuoteLine("a", 1, Money(Decimal(1), "JPY"), Money(Decimal(1), "JPY"))
    with pytest.raises(ValueError, match="mixes currencies"):
        Quote("CNY", [line])


def test_line_discount_is_rounded_with_the_quote_mode_and_capped_at_the_line():
    q = make("0.05", "3.00")
    up = discount_lines(q, {0: Decimal("0.005"), 1: Decimal("5")}, plugin="p", step="s")
    assert totals(up) == ["0.04", "0.00"]
    even = discount_lines(make("0.05", rounding=Rounding("ROUND_HALF_EVEN")), {0: Decimal("0.005")},
                          plugin="p", step="s")
    assert totals(even) == ["0.05"]
    assert [(a.sku, str(a.before.amount), str(a.after.amount)) for a in up.adjustments] == [
        ("s0", "0.05", "0.04"), ("s1", "3.00", "0.00")]


def test_order_discount_is_allocated_so_lines_sum_exactly():
    q = make("10.00", "10.00", "10.00")
    out = discount_order(q, Decimal("10"), plugin="coupons", step="coupon", code="TEN")
    assert totals(out) == ["6.66", "6.67", "6.67"]
    assert out.total.amount == Decimal("20.00")
    (step,) = out.adjustments
    assert [m.amount for m in step.allocation] == [Decimal("-3.34"), Decimal("-3.33"), Decimal("-3.33")]
    assert sum(m.amount for m in step.allocation) == step.after.amount - step.before.amount


def test_order_discount_larger_than_the_eligible_lines_stops_at_zero():
    out = discount_order(make("5.00", "7.00"), Decimal("100"), plugin="p", step="s", eligible={1})
    assert totals(out) == ["5.00", "0.00"]


def test_nothing_to_take_changes_nothing():
    q = make("5.00")
    assert discount_order(q, Decimal("0.004"), plugin="p", step="s") is q
    assert discount_lines(q, {0: Decimal(0)}, plugin="p", step="s") is q


def test_note_records_a_step_that_changed_nothing():
    out = note(make("5.00"), plugin="p", step="coupon", detail="expired", code="OLD")
    (step,) = out.adjustments
    assert step.before == step.after and step.detail == "expired" and step.code == "OLD"
