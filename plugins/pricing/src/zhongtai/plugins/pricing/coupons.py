"""Plugin ``pricing.coupons``: percentage, fixed-amount and spend-threshold (满减) coupons (pricing.adjust).

Config::

    currency = "CNY"
    coupons = {
      "TEN-OFF":  {"kind": "percent",   "value": "10", "group": "site"},
      "SAVE20":   {"kind": "amount",    "value": "20.00", "min_spend": "100.00", "group": "site"},
      "MJ300-30": {"kind": "threshold", "value": "30.00", "min_spend": "300.00", "repeat": true},
      "MATH5":    {"kind": "amount",    "value": "5.00", "skus": ["math-101"],
                   "valid_until": "2025-07-01T00:00:00+08:00"},
    }

Stacking rule (the contract of :func:`apply_coupons`):

1. Each code in ``request.coupons`` counts once.  Codes this plugin does not
   know are left alone (another coupon plugin may know them).
2. A coupon applies only if it is valid at the request's time, allowed in its
   channel (``channels``; empty: all), the cart has eligible lines (``skus``;
   empty: all), and their subtotal *before any coupon of this step* reaches
   ``min_spend``, and its amounts are in the quote's currency.  Otherwise the
   explanation says why it was not applied (the quote itself stands).
3. Exclusive groups: of the applicable coupons sharing a ``group``, only the
   one with the largest discount on the cart before coupons applies (ties: the
   first code given); coupons with no group, or in different groups, stack.
4. Stacking order: spend thresholds (满减) first, then fixed amounts, then
   percentages -- a percentage takes its share of what the earlier coupons
   left; within one kind, in the order the codes were given.
5. Every coupon is taken off its eligible lines, capped at what is left of
   them (no line goes below zero), and allocated across them in proportion
   to their totals (largest remainder) so the lines add up exactly; each
   step's ``allocation`` keeps the per-line shares for refunds.

A threshold coupon takes ``value`` off once, or with ``repeat`` once per full
``min_spend`` (每满 300 减 30).  ``coupons`` are inherited code by code down
the business tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Quote, QuoteRequest
from zhongtai.plugins.pricing import fields
from zhongtai.plugins.pricing.layers import level_configs, merge_tables
from zhongtai.plugins.pricing.steps import discount_order, eligible_subtotal, note
from zhongtai.plugins.pricing.validity import Validity, moment

TABLES = frozenset({"coupons"})
CouponKind = Literal["threshold", "amount", "percent"]
#: Stacking order of the kinds (rule 4).
KIND_ORDER: tuple[CouponKind, ...] = ("threshold", "amount", "percent")


@attrs.frozen
class Coupon(Validity):
    """One coupon (see the module docstring)."""

    kind: CouponKind = attrs.field(default="amount", validator=attrs.validators.in_(KIND_ORDER))
    value: Decimal = attrs.field(default=Decimal(0), validator=fields.non_negative)
    min_spend: Decimal = attrs.field(default=Decimal(0), validator=fields.non_negative)
    repeat: bool = False
    group: str = ""
    skus: list[str] = attrs.field(factory=list)
    channels: list[str] = attrs.field(factory=list)
    title: str = ""

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        if self.kind == "percent" and self.value > 100:
            raise ValueError(f"a percent coupon takes 0 to 100 percent off, not {self.value}")
        if self.kind == "threshold" and self.min_spend <= 0:
            raise ValueError("a threshold (满减) coupon needs a positive min_spend")
        if self.repeat and self.kind != "threshold":
            raise ValueError("repeat applies to threshold coupons only")

    @property
    def uses_money(self) -> bool:
        """Whether the coupon has amounts in its config's currency."""
        return self.kind != "percent" or self.min_spend > 0

    def eligible(self, quote: Quote) -> set[int]:
        """Indexes of the lines the coupon applies to."""
        return {i for i, line in enumerate(quote.lines) if not self.skus or line.sku in self.skus}

    def refusal(self, quote: Quote, at: dt.datetime, channel: str) -> str | None:
        """Why the coupon does not apply to *quote* (the cart before coupons), or ``None``."""
        if self.valid_from is not None and at < self.valid_from:
            return f"valid from {self.valid_from.isoformat()}"
        if not self.active(at):
            return "expired"
        if self.channels and channel not in self.channels:
            return f"not valid in channel {channel!r}"
        eligible = self.eligible(quote)
        if not eligible:
            return "no eligible items in the cart"
        subtotal = eligible_subtotal(quote, eligible)
        if subtotal < self.min_spend:
            return f"needs a spend of {self.min_spend} on eligible items, the cart has {subtotal}"
        return None

    def discount(self, quote: Quote, basis: Decimal) -> Decimal:
        """The amount off *quote*; *basis* is the eligible subtotal before coupons (for thresholds)."""
        if self.kind == "percent":
            return eligible_subtotal(quote, self.eligible(quote)) * self.value / 100
        if self.kind == "threshold" and self.repeat:
            return self.value * (basis / self.min_spend).to_integral_value(rounding=ROUND_FLOOR)
        return self.value

    def describe(self) -> str:
        text = {"percent": f"{self.value}% off", "amount": f"{self.value} off",
                "threshold": f"{self.value} off {'every' if self.repeat else 'from'} {self.min_spend} spent"}
        return f"{self.title}: {text[self.kind]}" if self.title else text[self.kind]


@attrs.frozen
class CouponsConfig:
    currency: str = attrs.field(default="CNY", validator=fields.currency,
                                metadata={"help": "ISO 4217 currency of the coupon amounts"})
    coupons: dict[str, Coupon] = attrs.field(factory=dict, metadata={"help": "code -> coupon"})

    def __attrs_post_init__(self) -> None:
        fields.fits_currency(self.currency, {f"coupons.{code}.value": c.value
                                             for code, c in self.coupons.items() if c.kind != "percent"})


def apply_coupons(
    quote: Quote, codes: Sequence[str], coupons: Mapping[str, tuple[str, Coupon]], *, at: dt.datetime,
    channel: str, plugin: str,
) -> Quote:
    """Apply the known *codes* by the stacking rule of the module docstring."""
    start = quote
    applicable: list[tuple[str, Coupon]] = []
    for code in dict.fromkeys(codes):
        if code not in coupons:
            continue
        currency, coupon = coupons[code]
        reason = coupon.refusal(start, at, channel)
        if reason is None and coupon.uses_money and currency != quote.currency:
            reason = f"its amounts are in {currency}, the quote is in {quote.currency}"
        if reason is None:
            applicable.append((code, coupon))
        else:
            quote = note(quote, plugin=plugin, step="coupon", code=code, detail=f"not applied: {reason}")

    def basis(coupon: Coupon) -> Decimal:
        return eligible_subtotal(start, coupon.eligible(start))

    winners: dict[str, tuple[str, Decimal]] = {}
    for code, coupon in applicable:
        if coupon.group:
            amount = min(start.quantize(coupon.discount(start, basis(coupon))), basis(coupon))
            if coupon.group not in winners or amount > winners[coupon.group][1]:
                winners[coupon.group] = (code, amount)
    chosen = []
    for code, coupon in applicable:
        if coupon.group and winners[coupon.group][0] != code:
            quote = note(quote, plugin=plugin, step="coupon", code=code,
                         detail=f"not applied: {winners[coupon.group][0]} of exclusive group "
                                f"{coupon.group!r} gives more")
        else:
            chosen.append((code, coupon))
    chosen.sort(key=lambda item: KIND_ORDER.index(item[1].kind))
    for code, coupon in chosen:
        before = quote
        quote = discount_order(quote, coupon.discount(quote, basis(coupon)), plugin=plugin, step="coupon",
                               code=code, detail=coupon.describe(), eligible=coupon.eligible(quote))
        if quote is before:
            quote = note(quote, plugin=plugin, step="coupon", code=code,
                         detail="not applied: nothing left to take off the eligible items")
    return quote


@hookimpl
def pricing_adjust(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
    if not request.coupons:
        return None
    levels = level_configs(context, CouponsConfig, TABLES)
    coupons = merge_tables({code: (config.currency, coupon) for code, coupon in config.coupons.items()}
                           for _, config in levels)
    return apply_coupons(quote, request.coupons, coupons, at=moment(request), channel=request.channel,
                         plugin=context.plugin)
