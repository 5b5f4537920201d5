"""The in-process plugin registry tests (and their worker processes) enable and call."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Money


@attrs.frozen
class PriceConfig:
    amount: Decimal = Decimal("0")
    note: str = ""


class Price:
    """pricing.base_price: the configured amount (so a call shows which config it was planned with)."""

    @hookimpl
    def pricing_base_price(self, sku: str, context: Any) -> Money:
        return Money(context.config.amount, "CNY")


def add_price_plugin(platform: Any, name: str = "price") -> None:
    platform.add_plugin(Price(), name, config=PriceConfig)


def price(platform: Any, business: str) -> Decimal:
    """What a call for *business* answers now."""
    money: Money = platform.business(business).call("pricing.base_price", sku="x", request=None)
    return money.amount
