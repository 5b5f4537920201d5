"""The quoting service: base prices through the kernel, currency digits, rounding policy, explanation."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from tests.plugins.pricing.conftest import cart
from zhongtai.core.errors import NotFound, PluginCallError
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Money, Quote
from zhongtai.plugins.pricing.errors import InvalidCartError, MixedCurrencyError, NoPriceError
from zhongtai.plugins.pricing.quoting import quote


def totals(q: Quote) -> list[str]:
    return [str(line.total.amount) for line in q.lines]


def test_lines_are_unit_price_times_quantity_rounded_to_the_currency(platform):
    platform.enable("pricing.price-list", "edu", config={"prices": {"a": "0.335", "b": "10"}})
    q = quote(platform.business("edu.k12"), cart(("a", 3), ("b", 2)))
    assert (q.currency, q.digits, totals(q), q.total.amount) == ("CNY", 2, ["1.01", "20.00"], Decimal("21.01"))
    assert [(a.plugin, a.step, a.sku, str(a.after.amount), a.detail) for a in q.adjustments] == [
        ("pricing.price-list", "base price", "a", "1.01", "3 × 0.335"),
        ("pricing.price-list", "base price", "b", "20.00", "2 × 10"),
    ]


def test_the_rounding_policy_is_declared_per_business(platform):
    platform.enable("pricing.price-list", "edu", config={"prices": {"a": "0.335"}})
    platform.enable("pricing.rounding", "edu.k12", config={"mode": "ROUND_HALF_EVEN"})
    assert totals(quote(platform.business("edu"), cart(("a", 3)))) == ["1.01"]
    assert totals(quote(platform.business("edu.k12"), cart(("a", 3)))) == ["1.00"]


def test_rounding_per_order_rounds_the_total_once_and_lines_still_add_up(platform):
    platform.enable("pricing.price-list", "edu", config={"prices": {"a": "0.335", "b": "0.335", "c": "0.335"}})
    lines = (("a", 1), ("b", 1), ("c", 1))
    per_line = quote(platform.business("edu"), cart(*lines))
    assert per_line.total.amount == Decimal("1.02")
    platform.enable("pricing.rounding", "edu", config={"scope": "order"})
    per_order = quote(platform.business("edu"), cart(*lines))
    assert per_order.total.amount == Decimal("1.01")
    assert totals(per_order) == ["0.34", "0.34", "0.33"]
    last = per_order.adjustments[-1]
    assert (last.plugin, last.step, last.before.amount, last.after.amount) == (
        "pricing.rounding", "rounding", Decimal("1.005"), Decimal("1.01"))
    assert sum(m.amount for m in last.allocation) == last.after.amount - last.before.amount


@pytest.mark.parametrize(("currency", "price", "expected"), [
    ("JPY", "99.5", "299"),      # 3 × 99.5 = 298.5 -> 299 yen (ROUND_HALF_UP, 0 digits)
    ("BHD", "1.2345", "3.704"),  # 3 × 1.2345 = 3.7035 -> 3.704 (3 digits)
])
def test_currency_digits_follow_cldr(platform, currency, price, expected):
    platform.enable("pricing.price-list", "edu", config={"currency": currency, "prices": {"a": price}})
    q = quote(platform.business("edu"), cart(("a", 3)))
    assert (q.currency, totals(q)) == (currency, [expected])


def test_mixing_currencies_is_refused(platform):
    platform.enable("pricing.price-list", "edu", config={"currency": "CNY", "prices": {"a": "1"}})
    platform.enable("pricing.price-list", "edu.k12", config={"currency": "JPY", "prices": {"b": "100"}})
    with pytest.raises(MixedCurrencyError, match="cannot mix currencies"):
        quote(platform.business("edu.k12"), cart(("a", 1), ("b", 1)))
    with pytest.raises(MixedCurrencyError, match="expects USD"):
        quote(platform.business("edu.k12"), cart(("b", 1), currency="USD"))


def test_a_sku_without_a_price_is_one_clear_error(platform):
    platform.enable("pricing.price-list", "edu", config={"prices": {"a": "1"}})
    with pytest.raises(NoPriceError, match=r"no price for sku 'zzz' at business edu\.k12 in channel 'app'"):
        quote(platform.business("edu.k12"), cart(("a", 1), ("zzz", 1)))
    assert issubclass(NoPriceError, NotFound)


def test_an_empty_cart_is_refused(platform):
    with pytest.raises(InvalidCartError):
        quote(platform.business("edu"), cart())


class CurrencySwap:
    @hookimpl
    def pricing_adjust(self, quote):  # type: ignore[no-untyped-def]
        lines = [attrs.evolve(x, unit_price=Money(x.unit_price.amount, "USD"), total=Money(x.total.amount, "USD"))
                 for x in quote.lines]
        steps = [attrs.evolve(a, before=Money(a.before.amount, "USD"), after=Money(a.after.amount, "USD"))
                 for a in quote.adjustments]
        return attrs.evolve(quote, currency="USD", lines=lines, adjustments=steps)


class Silent:
    @hookimpl
    def pricing_adjust(self, quote):  # type: ignore[no-untyped-def]
        line = quote.lines[0]
        return attrs.evolve(quote, lines=[attrs.evolve(line, total=Money(Decimal("0.00"), quote.currency))])


def test_a_plugin_changing_the_currency_fails_the_quote_naming_it(sqlite_url, make_platform):
    platform = make_platform(sqlite_url)
    platform.create_business("edu")
    platform.add_plugin(CurrencySwap(), "swap")
    platform.enable("pricing.price-list", "edu", config={"prices": {"a": "1"}})
    platform.enable("swap", "edu")
    expected = r"plugin 'swap' broke the pricing\.adjust contract.*currency from 'CNY' to 'USD'"
    with pytest.raises(PluginCallError, match=expected):
        quote(platform.business("edu"), cart(("a", 1)))


def test_an_unexplained_change_is_still_explained_and_attributed(sqlite_url, make_platform):
    platform = make_platform(sqlite_url)
    platform.create_business("edu")
    platform.add_plugin(Silent(), "silent")
    platform.enable("pricing.price-list", "edu", config={"prices": {"a": "5"}})
    platform.enable("silent", "edu")
    last = quote(platform.business("edu"), cart(("a", 1))).adjustments[-1]
    assert (last.plugin, last.step, last.before.amount, last.after.amount) == (
        "silent", "unexplained change", Decimal("5.00"), Decimal("0.00"))
