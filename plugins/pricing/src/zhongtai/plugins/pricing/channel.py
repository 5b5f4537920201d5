"""Plugin ``pricing.channel``: adjustments for the channel an order comes through (pricing.adjust).

Config::

    currency = "CNY"
    channels = {"mini-program": {"percent_off": "5"},
                "pickup-point": {"amount_off": "3.00"}}

Contract: for ``request.channel``'s rule, ``percent_off`` reduces every line
by that percentage of its current total (one step per line), then
``amount_off`` is taken off the order, allocated across the lines in
proportion to their totals so they still add up exactly (never below zero).
``channels`` are inherited channel by channel down the business tree.
Per-channel *prices* are the price list's job (``pricing.price-list``).
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Quote, QuoteRequest
from zhongtai.plugins.pricing import fields
from zhongtai.plugins.pricing.layers import level_configs, merge_tables
from zhongtai.plugins.pricing.steps import discount_lines, discount_order, require_currency

TABLES = frozenset({"channels"})


@attrs.frozen
class ChannelRule:
    percent_off: Decimal = attrs.field(default=Decimal(0), validator=fields.percent)
    amount_off: Decimal = attrs.field(default=Decimal(0), validator=fields.non_negative)


@attrs.frozen
class ChannelConfig:
    currency: str = attrs.field(default="CNY", validator=fields.currency,
                                metadata={"help": "ISO 4217 currency of amount_off"})
    channels: dict[str, ChannelRule] = attrs.field(
        factory=dict, validator=fields.channels,
        metadata={"help": "channel -> {percent_off, amount_off}"})

    def __attrs_post_init__(self) -> None:
        fields.fits_currency(self.currency, {f"channels.{name}.amount_off": rule.amount_off
                                             for name, rule in self.channels.items()})


def apply_channel_rule(quote: Quote, channel: str, rule: ChannelRule, currency: str, *, plugin: str) -> Quote:
    """The quote with *rule* applied (see the module docstring)."""
    if rule.percent_off:
        quote = discount_lines(quote, {i: line.total.amount * rule.percent_off / 100
                                       for i, line in enumerate(quote.lines)},
                               plugin=plugin, step="channel discount", code=channel,
                               detail=f"{channel}: {rule.percent_off}% off")
    if rule.amount_off:
        require_currency(quote, currency, f"channel {channel!r} amount_off")
        quote = discount_order(quote, rule.amount_off, plugin=plugin, step="channel discount", code=channel,
                               detail=f"{channel}: {rule.amount_off} off the order")
    return quote


@hookimpl
def pricing_adjust(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
    levels = level_configs(context, ChannelConfig, TABLES)
    rules = merge_tables({name: (config.currency, rule) for name, rule in config.channels.items()}
                         for _, config in levels)
    if request.channel not in rules:
        return None
    currency, rule = rules[request.channel]
    return apply_channel_rule(quote, request.channel, rule, currency, plugin=context.plugin)
