"""Properties: for random carts and discounts, totals are never negative and the lines add up.

Two levels: the pure adjustment functions on random quotes (many examples,
cheap), and random carts through the real installed plugins and the kernel.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.pricing.conftest import NOON, cart
from zhongtai.core.runtime import Platform
from zhongtai.core.specs.pricing import ROUNDING_MODES, Money, Quote, QuoteLine, Rounding
from zhongtai.plugins.pricing.channel import ChannelRule, apply_channel_rule
from zhongtai.plugins.pricing.coupons import Coupon, apply_coupons
from zhongtai.plugins.pricing.member_tier import apply_member_discount
from zhongtai.plugins.pricing.money import currency_digits
from zhongtai.plugins.pricing.quoting import round_order
from zhongtai.plugins.pricing.tiered import Tier, apply_tiers

CURRENCIES = ("CNY", "JPY", "BHD")
amounts = st.decimals(min_value=0, max_value=5000, places=3, allow_nan=False, allow_infinity=False)
percents = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def quotes(draw: st.DrawFn) -> Quote:
    currency = draw(st.sampled_from(CURRENCIES))
    rounding = Rounding(draw(st.sampled_from(sorted(ROUNDING_MODES))), draw(st.sampled_from(["line", "order"])))
    empty = Quote(currency, (), digits=currency_digits(currency), rounding=rounding)
    lines = []
    for i in range(draw(st.integers(min_value=1, max_value=6))):
        unit, quantity = draw(amounts), draw(st.integers(min_value=1, max_value=20))
        total = empty.quantize(unit * quantity)
        lines.append(QuoteLine(f"s{i % 4}", quantity, Money(unit, currency), Money(total, currency)))
    return Quote(currency, lines, digits=empty.digits, rounding=rounding)


@st.composite
def coupon_tables(draw: st.DrawFn, currency: str) -> dict[str, tuple[str, Coupon]]:
    table = {}
    for i in range(draw(st.integers(min_value=0, max_value=4))):
        kind = draw(st.sampled_from(["percent", "amount", "threshold"]))
        value = draw(percents if kind == "percent" else amounts.map(lambda a: a.quantize(Decimal(1))))
        min_spend = draw(amounts) if kind == "threshold" else Decimal(0)
        table[f"C{i}"] = (currency, Coupon(
            kind=kind, value=value, min_spend=max(min_spend, Decimal(1)) if kind == "threshold" else min_spend,
            repeat=kind == "threshold" and draw(st.booleans()),
            group=draw(st.sampled_from(["", "", "g"])),
            skus=draw(st.sampled_from([[], ["s0"], ["s1", "s2"]]))))
    return table


def explained_change(before: Quote, after: Quote) -> Decimal:
    return sum((a.change.amount for a in after.adjustments[len(before.adjustments):]), Decimal(0))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_adjustments_never_go_negative_and_the_explanation_adds_up(data: st.DataObject) -> None:
    start = data.draw(quotes())
    currency = start.currency
    q = apply_tiers(start, {"s0": (currency, [Tier(2, data.draw(amounts))])}, plugin="tiered")
    q = apply_channel_rule(q, "app", ChannelRule(data.draw(percents), data.draw(amounts).quantize(Decimal(1))),
                           currency, plugin="channel")
    q = apply_member_discount(q, "gold", data.draw(percents), [], plugin="member")
    q = apply_coupons(q, [f"C{i}" for i in range(4)], data.draw(coupon_tables(currency)), at=NOON,
                      channel="app", plugin="coupons")
    final = round_order(q)
    assert all(line.total.amount >= 0 for line in final.lines)
    assert final.total.amount >= 0
    assert final.total.amount <= start.quantize(start.total.amount) + Decimal(1).scaleb(-start.digits)
    assert final.total.amount - start.total.amount == explained_change(start, final)
    minor = Decimal(1).scaleb(-final.digits)
    assert all(line.total.amount % minor == 0 for line in final.lines)
    for step in final.adjustments:
        if step.allocation:
            assert sum(m.amount for m in step.allocation) == step.change.amount


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """Every pricing plugin enabled at ``store`` (CNY) and ``store.jp`` (JPY, rounding per order)."""
    platform = Platform(f"sqlite:///{tmp_path_factory.mktemp('props')}/registry.db", refresh_interval=0.0)
    platform.create_business("store")
    platform.create_business("store.jp")
    prices = {f"s{i}": f"{i * 7 + 0.5:.2f}" for i in range(6)}
    platform.enable("pricing.price-list", "store", config={"prices": prices})
    platform.enable("pricing.tiered", "store", priority=400,
                    config={"tiers": {"s1": [{"min_quantity": 3, "unit_price": "6.99"}]}})
    platform.enable("pricing.channel", "store", priority=300, config={"channels": {
        "h5": {"percent_off": "3.5"}, "pickup-point": {"amount_off": "4.00"}}})
    platform.enable("pricing.member-tier", "store", priority=200, config={"percent_off": {"gold": "12.5"}})
    coupons = {"P15": {"kind": "percent", "value": "15", "group": "site"},
               "A30": {"value": "30.00", "group": "site"}, "BIG": {"value": "900.00"},
               "MJ": {"kind": "threshold", "value": "10.00", "min_spend": "50.00", "repeat": True},
               "S2": {"value": "3.33", "skus": ["s2"]}}
    platform.enable("pricing.coupons", "store", priority=100, config={"coupons": coupons})
    platform.enable("pricing.price-list", "store.jp", config={
        "currency": "JPY", "prices": {f"s{i}": str(i * 333 + 1) for i in range(6)}})
    platform.enable("pricing.coupons", "store.jp", config={"currency": "JPY", "coupons": {
        "A30": {"value": "300"}, "BIG": {"value": "90000"}, "MJ": {"kind": "threshold", "value": "100",
                                                                   "min_spend": "500", "repeat": True}}})
    platform.enable("pricing.channel", "store.jp", config={"currency": "JPY", "channels": {
        "pickup-point": {"amount_off": "40"}}})
    platform.enable("pricing.rounding", "store.jp", config={"scope": "order", "mode": "ROUND_HALF_EVEN"})
    platform.enable("pricing.tiered", "store.jp", config={   # replaces the inherited CNY tier of s1
        "currency": "JPY", "tiers": {"s1": [{"min_quantity": 3, "unit_price": "300"}]}})
    yield platform
    platform.registry.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(business=st.sampled_from(["store", "store.jp"]),
       lines=st.lists(st.tuples(st.sampled_from([f"s{i}" for i in range(6)]), st.integers(1, 9)),
                      min_size=1, max_size=6),
       channel=st.sampled_from(["app", "h5", "pickup-point"]),
       tier=st.sampled_from(["", "gold"]),
       codes=st.lists(st.sampled_from(["P15", "A30", "BIG", "MJ", "S2", "NOPE"]), max_size=4))
def test_random_carts_through_the_platform_stay_exact(store: Platform, business: str, lines: list[tuple[str, int]],
                                                      channel: str, tier: str, codes: list[str]) -> None:
    from zhongtai.plugins.pricing.quoting import quote

    q = quote(store.business(business), cart(*lines, channel=channel, tier=tier, coupons=tuple(codes)))
    minor = Decimal(1).scaleb(-q.digits)
    assert all(line.total.amount >= 0 and line.total.amount % minor == 0 for line in q.lines)
    assert q.total.amount == sum((line.total.amount for line in q.lines), Decimal(0)) >= 0
    assert q.total.amount == sum((a.change.amount for a in q.adjustments), Decimal(0))
