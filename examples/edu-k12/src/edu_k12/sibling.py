"""Plugin ``edu-k12.sibling-discount``: siblings taking the same course pay less (``pricing.adjust``).

A family that buys a course for two or more children buys several seats of
the same sku.  The first seat is full price; every further seat is
``percent_off`` cheaper.  Config::

    percent_off = "10"            # percent off each seat after the first
    skus        = ["math-y3"]     # courses it applies to; empty: every sku
    max_seats   = 4               # seats discounted at most per line (a class, not a school)

Contract: for each eligible cart line with quantity ``q >= 2``, the
discount is ``percent_off`` % of ``min(q, max_seats) - 1`` seats at the line's
*current* per-seat amount (after the adjustments that ran before it), rounded
with :meth:`Quote.quantize` and never more than the line total.  Each
discounted line gets one ``sibling discount`` step naming the seats.  Lines
with one seat are left alone, and with nothing to discount the plugin passes
the quote on unchanged (``None``).
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from zhongtai.sdk import Adjustment, PluginContext, Quote, QuoteLine, QuoteRequest, implements, setting, specs

STEP = "sibling discount"
DEFAULT_PERCENT = Decimal(10)


def _percent(instance: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if not Decimal(0) < value <= Decimal(100):
        raise ValueError(f"{attribute.name} must be above 0 and at most 100, got {value}")


@attrs.frozen
class SiblingDiscountConfig:
    """How much a sibling's seat is discounted, on which courses, for how many seats."""

    # ``setting`` is an attrs field specifier and a Decimal is immutable; ruff knows neither.
    percent_off: Decimal = setting(DEFAULT_PERCENT, help="percent off each seat after the first",  # noqa: RUF009
                                   validator=_percent)
    skus: tuple[str, ...] = setting((), help="skus the discount applies to (empty: every sku)")
    max_seats: int = setting(4, help="seats per line that count (the first is full price)",
                             validator=attrs.validators.ge(2))

    def applies_to(self, sku: str) -> bool:
        return not self.skus or sku in self.skus


def sibling_discount(line: QuoteLine, quote: Quote, config: SiblingDiscountConfig) -> Decimal:
    """The amount to take off *line* (already rounded and capped); zero when it has one seat."""
    if line.quantity < 2 or not config.applies_to(line.sku):
        return Decimal(0)
    seats = min(line.quantity, config.max_seats) - 1
    per_seat = line.total.amount / line.quantity
    discount = quote.quantize(per_seat * seats * config.percent_off / 100)
    return min(max(discount, Decimal(0)), line.total.amount)


@implements(specs.pricing_adjust)
def sibling_seats(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
    """Discount the siblings' seats of every eligible line (see the module docstring)."""
    config: SiblingDiscountConfig = context.config or SiblingDiscountConfig()
    lines: list[QuoteLine] = []
    steps: list[Adjustment] = []
    for line in quote.lines:
        discount = sibling_discount(line, quote, config)
        if discount <= 0:
            lines.append(line)
            continue
        after = quote.money(line.total.amount - discount)
        seats = min(line.quantity, config.max_seats) - 1
        lines.append(attrs.evolve(line, total=after))
        steps.append(Adjustment(
            context.plugin, STEP, line.total, after, sku=line.sku, code="sibling",
            detail=f"{seats} more for siblings, {config.percent_off}% off each",
        ))
    if not steps:
        return None
    return attrs.evolve(quote, lines=lines, adjustments=(*quote.adjustments, *steps))
