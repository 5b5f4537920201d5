"""pricing.price-list through the installed entry point: inheritance, channel prices, windows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.plugins.pricing.conftest import NOON, cart
from zhongtai.core.errors import ConfigError
from zhongtai.core.specs.pricing import Money


def price(platform, business: str, sku: str, **kwargs) -> Money | None:
    return platform.business(business).call("pricing.base_price", sku=sku, request=cart((sku, 1), **kwargs))


def test_the_installed_entry_point_is_discovered(platform):
    info = platform.plugins.require("pricing.price-list")
    assert info.distribution == "zhongtai-pricing"
    assert info.extension_points == ("pricing.base_price",)


def test_child_inherits_parent_prices_and_overrides_or_adds_its_own(platform):
    platform.enable("pricing.price-list", "edu", config={"prices": {"math": "100.00", "art": "50.00"}})
    platform.enable("pricing.price-list", "edu.k12", config={"prices": {"math": "80.00", "music": "30.00"}})
    assert price(platform, "edu.k12", "math") == Money(Decimal("80.00"), "CNY")     # override
    assert price(platform, "edu.k12", "art") == Money(Decimal("50.00"), "CNY")      # inherited
    assert price(platform, "edu.k12", "music") == Money(Decimal("30.00"), "CNY")    # added
    assert price(platform, "edu", "math") == Money(Decimal("100.00"), "CNY")        # parent unchanged
    assert price(platform, "edu", "music") is None


def test_channel_price_beats_the_plain_price_at_the_same_level(platform):
    platform.enable("pricing.price-list", "edu", config={
        "prices": {"math": "100.00"}, "channels": {"mini-program": {"math": "90.00"}}})
    assert price(platform, "edu.k12", "math", channel="mini-program").amount == Decimal("90.00")
    assert price(platform, "edu.k12", "math", channel="h5").amount == Decimal("100.00")


def test_the_nearest_level_that_prices_a_sku_decides(platform):
    platform.enable("pricing.price-list", "edu", config={
        "prices": {"math": "100.00"}, "channels": {"app": {"math": "70.00"}}})
    platform.enable("pricing.price-list", "edu.k12", config={"prices": {"math": "85.00"}})
    assert price(platform, "edu.k12", "math", channel="app").amount == Decimal("85.00")


def test_currency_is_inherited_down_the_tree(platform):
    platform.enable("pricing.price-list", "edu", config={"currency": "JPY", "prices": {"math": "1200"}})
    platform.enable("pricing.price-list", "edu.k12", config={"prices": {"art": "800"}})
    assert price(platform, "edu.k12", "art") == Money(Decimal("800"), "JPY")
    assert price(platform, "edu.k12", "math") == Money(Decimal("1200"), "JPY")


def test_a_window_applies_only_while_valid(platform):
    platform.enable("pricing.price-list", "edu", config={
        "prices": {"math": "100.00"},
        "windows": [{"name": "618", "valid_from": "2025-06-18T00:00:00+08:00",
                     "valid_until": "2025-06-19T00:00:00+08:00", "prices": {"math": "61.80"}}]})
    assert price(platform, "edu", "math").amount == Decimal("61.80")
    after = NOON.replace(day=19)
    assert price(platform, "edu", "math", at=after).amount == Decimal("100.00")
    before = NOON.replace(day=17, hour=23, minute=59)
    assert price(platform, "edu", "math", at=before).amount == Decimal("100.00")


def test_a_disabled_level_cuts_off_inheritance(platform):
    platform.enable("pricing.price-list", "edu", config={"prices": {"math": "100.00"}})
    platform.disable("pricing.price-list", "edu.k12")
    assert price(platform, "edu.k12", "math") is None


@pytest.mark.parametrize(("config", "message"), [
    ({"prices": {"math": 9.99}}, "config field 'prices'"),
    ({"prices": {"math": "-1"}}, "must not be negative"),
    ({"currency": "XYZ"}, "'XYZ' is not an ISO 4217 currency"),
    ({"channels": {"App Store": {"math": "1"}}}, "no channel name"),
    ({"windows": [{"valid_from": "2025-06-18T00:00:00"}]}, "no UTC offset"),
    ({"windows": [{"valid_from": "2025-06-19T00:00:00+08:00", "valid_until": "2025-06-18T00:00:00+08:00"}]},
     "is not before"),
])
def test_bad_config_is_refused_with_one_clear_error_and_nothing_written(platform, config, message):
    revision = platform.registry.revision()
    with pytest.raises(ConfigError, match=message):
        platform.enable("pricing.price-list", "edu", config=config)
    assert platform.registry.revision() == revision
