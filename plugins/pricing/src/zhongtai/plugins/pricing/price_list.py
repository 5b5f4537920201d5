"""Plugin ``pricing.price-list``: unit prices per business and per channel, with validity windows.

Config at each business level (all keys optional)::

    currency = "CNY"                                  # inherited by levels below unless they set their own
    prices   = {"math-101": "99.00"}                  # sku -> unit price, any channel
    channels = {"app": {"math-101": "89.00"}}         # channel -> sku -> unit price
    windows  = [{"name": "618", "valid_from": "2025-06-18T00:00:00+08:00",
                 "valid_until": "2025-06-19T00:00:00+08:00",
                 "prices": {...}, "channels": {...}}]

Which price applies (the contract of :meth:`PriceListConfig.unit_price` and
:func:`pricing_base_price`):

1. The *nearest* business level that prices the sku decides (the business
   itself, then its parent, ... up to the level where the plugin is enabled
   highest).  A child business therefore adds or overrides skus without
   repeating its parent's list, and inherits every sku it does not price.
2. At that level: an active window's channel price, then that window's price
   (windows in the order listed), then the channel price, then the price.
3. The price is in the level's currency (``currency`` is inherited down the
   tree like any setting).  No level prices the sku: ``None``, so the next
   ``pricing.base_price`` implementation may answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Money, QuoteRequest
from zhongtai.plugins.pricing import fields
from zhongtai.plugins.pricing.layers import level_configs
from zhongtai.plugins.pricing.validity import Validity, moment

#: Fields each business level owns (not inherited key by key from the levels above).
TABLES = frozenset({"prices", "channels", "windows"})


def _channel_or_plain(prices: Mapping[str, Decimal], channels: Mapping[str, Mapping[str, Decimal]],
                      sku: str, channel: str) -> Decimal | None:
    by_channel = channels.get(channel, {}).get(sku)
    return by_channel if by_channel is not None else prices.get(sku)


@attrs.frozen
class PriceWindow(Validity):
    """Prices valid from ``valid_from`` (inclusive) until ``valid_until`` (exclusive)."""

    name: str = ""
    prices: dict[str, Decimal] = attrs.field(factory=dict, validator=fields.prices)
    channels: dict[str, dict[str, Decimal]] = attrs.field(
        factory=dict, validator=[fields.prices, fields.channels])


@attrs.frozen
class PriceListConfig:
    """The price list of one business level (see the module docstring for precedence)."""

    currency: str = attrs.field(default="CNY", validator=fields.currency,
                                metadata={"help": "ISO 4217 currency of the prices"})
    prices: dict[str, Decimal] = attrs.field(factory=dict, validator=fields.prices,
                                             metadata={"help": "sku -> unit price"})
    channels: dict[str, dict[str, Decimal]] = attrs.field(
        factory=dict, validator=[fields.prices, fields.channels],
        metadata={"help": "channel -> sku -> unit price"})
    windows: list[PriceWindow] = attrs.field(factory=list, metadata={"help": "time-limited prices"})

    def unit_price(self, sku: str, channel: str, at: dt.datetime) -> Decimal | None:
        """This level's unit price of *sku* in *channel* at *at*, or ``None``."""
        for window in self.windows:
            if window.active(at):
                amount = _channel_or_plain(window.prices, window.channels, sku, channel)
                if amount is not None:
                    return amount
        return _channel_or_plain(self.prices, self.channels, sku, channel)


@hookimpl
def pricing_base_price(sku: str, request: QuoteRequest, context: PluginContext) -> Money | None:
    """The unit price from the nearest business level that prices *sku* (module docstring)."""
    at = moment(request)
    for _level, config in reversed(level_configs(context, PriceListConfig, TABLES)):
        amount = config.unit_price(sku, request.channel, at)
        if amount is not None:
            return Money(amount, config.currency)
    return None
