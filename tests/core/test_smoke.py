"""A first end-to-end check of the kernel on both backends."""

from __future__ import annotations

from decimal import Decimal

import attrs

from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Money


@attrs.frozen
class PriceConfig:
    price: Decimal = Decimal("10")


class FixedPrice:
    @hookimpl
    def pricing_base_price(self, sku, context):  # type: ignore[no-untyped-def]
        return Money(context.config.price, "CNY")


def test_enabled_plugin_answers_for_business_and_descendants(registry_url, make_platform):
    platform = make_platform(registry_url, discover=False)
    platform.add_plugin(FixedPrice(), "fixed", config=PriceConfig)
    platform.create_business("edu")
    platform.create_business("edu.k12")
    platform.enable("fixed", "edu", config={"price": "12.50"})
    result = platform.business("edu.k12").explain("pricing.base_price", sku="a", request=None)
    assert result.value == Money(Decimal("12.50"), "CNY")
    assert [(s.plugin, s.level, s.outcome) for s in result.trace] == [("fixed", "edu", "answered")]
