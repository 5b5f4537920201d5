"""Quote transformations every adjustment plugin builds on; each keeps a quote exact.

* :func:`discount_lines` takes an amount off individual lines (line-level rules).
* :func:`discount_order` takes one amount off a set of lines, allocated in
  proportion to their totals with the largest-remainder method in the quote's
  quantum, so the lines still add up exactly to the total (refunds use the
  per-line shares, recorded in the step's ``allocation``).
* :func:`note` records something considered but not applied.
* :func:`require_currency` refuses configured amounts in another currency.

Every discount is first rounded to the quote's quantum with its rounding mode,
then capped at what it applies to, so no line ever goes below zero.  Each
function returns a new quote with its :class:`Adjustment` steps appended.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal

import attrs

from zhongtai.core.specs.pricing import Adjustment, Quote
from zhongtai.plugins.pricing.errors import MixedCurrencyError
from zhongtai.plugins.pricing.money import allocate, from_units, to_units


def discount_lines(
    quote: Quote, discounts: Mapping[int, Decimal], *, plugin: str, step: str, code: str = "",
    detail: str | Mapping[int, str] = "",
) -> Quote:
    """Take ``discounts[i]`` off line *i* (rounded, capped at the line total), one step per changed line.

    *detail* is one text for every step, or a text per line index.
    Non-positive discounts (after rounding) change nothing.
    """
    lines = list(quote.lines)
    steps: list[Adjustment] = []
    for index in sorted(discounts):
        line = lines[index]
        taken = min(quote.quantize(discounts[index]), line.total.amount)
        if taken <= 0:
            continue
        after = quote.money(line.total.amount - taken)
        lines[index] = attrs.evolve(line, total=after)
        text = detail if isinstance(detail, str) else detail.get(index, "")
        steps.append(Adjustment(plugin, step, line.total, after, sku=line.sku, detail=text, code=code))
    if not steps:
        return quote
    return attrs.evolve(quote, lines=lines, adjustments=(*quote.adjustments, *steps))


def eligible_subtotal(quote: Quote, eligible: Collection[int] | None = None) -> Decimal:
    """The sum of the totals of the *eligible* lines (all lines when ``None``)."""
    return sum((line.total.amount for i, line in enumerate(quote.lines) if eligible is None or i in eligible),
               Decimal(0))


def discount_order(
    quote: Quote, amount: Decimal, *, plugin: str, step: str, code: str = "", detail: str = "",
    eligible: Collection[int] | None = None,
) -> Quote:
    """Take *amount* (rounded, capped at the eligible subtotal) off the *eligible* lines (all when ``None``).

    The amount is split in proportion to the eligible line totals in whole
    quanta (largest remainder, ties to the earlier line); the step's
    ``allocation`` holds each line's share, in line order.  A non-positive
    amount (after rounding) or an empty subtotal changes nothing.
    """
    quantum = quote.quantum
    taken = min(quote.quantize(amount), eligible_subtotal(quote, eligible))
    if taken <= 0:
        return quote
    weights = [to_units(line.total.amount, quantum) if eligible is None or i in eligible else 0
               for i, line in enumerate(quote.lines)]
    shares = [from_units(units, quantum) for units in allocate(to_units(taken, quantum), weights)]
    lines = [attrs.evolve(line, total=quote.money(line.total.amount - share))
             for line, share in zip(quote.lines, shares)]
    new = attrs.evolve(quote, lines=lines)
    adjustment = Adjustment(plugin, step, quote.total, new.total, detail=detail, code=code,
                            allocation=tuple(quote.money(-share) for share in shares))
    return attrs.evolve(new, adjustments=(*quote.adjustments, adjustment))


def note(quote: Quote, *, plugin: str, step: str, detail: str, code: str = "", sku: str | None = None) -> Quote:
    """Record a step that changed nothing (a coupon that does not apply, and why)."""
    total = quote.total if sku is None else next(line.total for line in quote.lines if line.sku == sku)
    adjustment = Adjustment(plugin, step, total, total, sku=sku, detail=detail, code=code)
    return attrs.evolve(quote, adjustments=(*quote.adjustments, adjustment))


def require_currency(quote: Quote, currency: str, what: str) -> None:
    """Refuse to apply *what* (amounts in *currency*) to a quote in another currency."""
    if currency != quote.currency:
        raise MixedCurrencyError(f"{what}: amounts in {currency}, but the quote is in {quote.currency} "
                                 f"(set the plugin's currency for this business)")
