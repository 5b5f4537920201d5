"""Currency facts from CLDR, exact amounts, and largest-remainder allocation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhongtai.core.errors import UserError
from zhongtai.core.specs.pricing import Money
from zhongtai.plugins.pricing.errors import UnknownCurrencyError
from zhongtai.plugins.pricing.money import allocate, check_currency, currency_digits


@pytest.mark.parametrize(("code", "digits"), [("CNY", 2), ("JPY", 0), ("BHD", 3), ("USD", 2), ("KWD", 3)])
def test_currency_digits_come_from_cldr(code, digits):
    assert currency_digits(code) == digits


def test_unknown_currency_is_a_user_error():
    with pytest.raises(UnknownCurrencyError, match="'XYZ' is not an ISO 4217 currency"):
        check_currency("XYZ")
    assert issubclass(UnknownCurrencyError, UserError)


def test_money_refuses_a_float():
    with pytest.raises(TypeError, match="float is refused"):
        Money(12.5, "CNY")  # type: ignore[arg-type]


def test_allocate_gives_leftover_units_to_the_largest_remainders():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]          # ties: the earlier line
    assert allocate(10, [5, 3, 2]) == [5, 3, 2]
    assert allocate(7, [0, 3, 3]) == [0, 4, 3]               # a zero weight gets nothing
    assert allocate(0, [0, 0]) == [0, 0]


def test_allocate_refuses_nonsense():
    with pytest.raises(ValueError):
        allocate(1, [0, 0])
    with pytest.raises(ValueError):
        allocate(-1, [1])


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12), st.data())
def test_allocate_sums_exactly_and_never_exceeds_a_weight(weights, data):
    total = sum(weights)
    amount = data.draw(st.integers(min_value=0, max_value=total)) if total else 0
    parts = allocate(amount, weights)
    assert sum(parts) == amount
    assert all(0 <= part <= weight for part, weight in zip(parts, weights))
    for part, weight in zip(parts, weights):  # each part is the floor of its share or one more
        assert part * total <= amount * weight + total and part * total >= amount * weight - total


def test_remembered_well_formed_codes_and_channels_change_no_answer() -> None:
    """Currency codes, channels and amounts found valid are remembered (bounded); the answers stay the same."""
    from zhongtai.core.specs import pricing
    from zhongtai.core.specs.pricing import CartLine, QuoteRequest

    for _ in range(2):  # the second time from the remembered sets
        assert Money(Decimal("9.90"), "CNY").currency == "CNY"
        assert QuoteRequest(channel="campus-kiosk", lines=[CartLine("a")]).channel == "campus-kiosk"
        with pytest.raises(ValueError, match="ISO 4217"):
            Money(Decimal("1"), "cny")
        with pytest.raises(ValueError, match="lowercase slug"):
            QuoteRequest(channel="Campus", lines=[CartLine("a")])
        with pytest.raises(TypeError, match="float is refused"):
            Money(9.9, "CNY")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="more than 12 decimal places"):
            Money(Decimal("0.0000000000001"), "CNY")

    class Sly(str):
        pass

    with pytest.raises(ValueError, match="ISO 4217"):  # a str subclass is checked, never taken as remembered
        Money(Decimal("1"), Sly("cny"))
    kept = pricing._CHANNELS.KEPT
    for index in range(kept + 10):
        QuoteRequest(channel=f"c{index}", lines=[CartLine("a")])
    assert len(pricing._CHANNELS) <= kept


@pytest.mark.parametrize("channel", ["app\n", "app\r\n", "-app", "app-", "a--b", "App", ""])
def test_a_channel_is_a_lowercase_slug_and_nothing_after_it(channel: str) -> None:
    from zhongtai.core.specs.pricing import CartLine, QuoteRequest

    with pytest.raises(ValueError, match="lowercase slug"):
        QuoteRequest(channel=channel, lines=[CartLine("a")])
