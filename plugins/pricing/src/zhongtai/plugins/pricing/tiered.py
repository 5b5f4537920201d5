"""Plugin ``pricing.tiered``: a lower unit price from a quantity upwards (pricing.adjust).

Config::

    currency = "CNY"
    tiers = {"math-101": [{"min_quantity": 10, "unit_price": "90.00"},
                          {"min_quantity": 50, "unit_price": "80.00"}]}

Contract: for each line whose sku has tiers, the tier with the largest
``min_quantity`` not above the line's quantity applies if its price is below
the line's unit price; the line is reduced by ``(unit price - tier price) x
quantity`` (rounded, never below zero), so earlier steps keep their effect.
``tiers`` are inherited sku by sku down the business tree (a child business
adds or replaces the tiers of single skus).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Quote
from zhongtai.plugins.pricing import fields
from zhongtai.plugins.pricing.layers import level_configs, merge_tables
from zhongtai.plugins.pricing.steps import discount_lines, require_currency

TABLES = frozenset({"tiers"})


@attrs.frozen
class Tier:
    """``unit_price`` each from ``min_quantity`` units upwards."""

    min_quantity: int = attrs.field(validator=attrs.validators.ge(1))
    unit_price: Decimal = attrs.field(validator=fields.non_negative)


def _ladders(instance: object, attribute: attrs.Attribute[Any], value: dict[str, list[Tier]]) -> None:
    for sku, ladder in value.items():
        quantities = [tier.min_quantity for tier in ladder]
        if len(set(quantities)) != len(quantities):
            raise ValueError(f"tiers of {sku!r}: two tiers with the same min_quantity")


@attrs.frozen
class TieredConfig:
    currency: str = attrs.field(default="CNY", validator=fields.currency,
                                metadata={"help": "ISO 4217 currency of the tier prices"})
    tiers: dict[str, list[Tier]] = attrs.field(factory=dict, validator=_ladders,
                                               metadata={"help": "sku -> [{min_quantity, unit_price}]"})


def tier_for(ladder: list[Tier], quantity: int) -> Tier | None:
    """The tier with the largest ``min_quantity`` not above *quantity*."""
    reached = [tier for tier in ladder if tier.min_quantity <= quantity]
    return max(reached, key=lambda tier: tier.min_quantity) if reached else None


def apply_tiers(quote: Quote, ladders: dict[str, tuple[str, list[Tier]]], *, plugin: str) -> Quote:
    """The quote with each line's tier saving taken off (see the module docstring)."""
    discounts: dict[int, Decimal] = {}
    details: dict[int, str] = {}
    for index, line in enumerate(quote.lines):
        if line.sku not in ladders:
            continue
        currency, ladder = ladders[line.sku]
        require_currency(quote, currency, f"tier prices of {line.sku!r}")
        tier = tier_for(ladder, line.quantity)
        if tier is not None and tier.unit_price < line.unit_price.amount:
            discounts[index] = (line.unit_price.amount - tier.unit_price) * line.quantity
            details[index] = f"{tier.min_quantity}+ at {tier.unit_price} each instead of {line.unit_price.amount}"
    return discount_lines(quote, discounts, plugin=plugin, step="tiered price", detail=details)


@hookimpl
def pricing_adjust(quote: Quote, context: PluginContext) -> Quote:
    levels = level_configs(context, TieredConfig, TABLES)
    ladders = merge_tables({sku: (config.currency, ladder) for sku, ladder in config.tiers.items()}
                           for _, config in levels)
    return apply_tiers(quote, ladders, plugin=context.plugin)
