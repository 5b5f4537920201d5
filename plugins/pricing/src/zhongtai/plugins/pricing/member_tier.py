"""Plugin ``pricing.member-tier``: a percentage off every line for members of a tier (pricing.adjust).

Config::

    percent_off = {"gold": "10", "silver": "5"}     # tier -> percent off
    exclude     = ["gift-card"]                      # skus never discounted

Contract: when ``request.customer.tier`` has a percentage, each line not
excluded is reduced by that percentage of its current total (the discount
rounded with the quote's mode, never below zero), one step per line.
``percent_off`` is inherited tier by tier down the business tree.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Quote, QuoteRequest
from zhongtai.plugins.pricing import fields
from zhongtai.plugins.pricing.layers import level_configs, merge_tables
from zhongtai.plugins.pricing.steps import discount_lines

TABLES = frozenset({"percent_off"})


@attrs.frozen
class MemberTierConfig:
    percent_off: dict[str, Decimal] = attrs.field(factory=dict, validator=fields.percent_values,
                                                  metadata={"help": "member tier -> percent off"})
    exclude: list[str] = attrs.field(factory=list, metadata={"help": "skus never discounted"})


def apply_member_discount(quote: Quote, tier: str, percent: Decimal, exclude: list[str], *, plugin: str) -> Quote:
    """Each line not in *exclude* reduced by *percent* of its total."""
    discounts = {i: line.total.amount * percent / 100 for i, line in enumerate(quote.lines)
                 if line.sku not in exclude}
    return discount_lines(quote, discounts, plugin=plugin, step="member discount", code=tier,
                          detail=f"{tier} member: {percent}% off")


@hookimpl
def pricing_adjust(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
    tier = request.customer.tier
    if not tier:
        return None
    levels = level_configs(context, MemberTierConfig, TABLES)
    percent = merge_tables(config.percent_off for _, config in levels).get(tier)
    if percent is None:
        return None
    return apply_member_discount(quote, tier, percent, levels[-1][1].exclude, plugin=context.plugin)
