"""The quoting service: a cart -> an exact, explained :class:`Quote`, through the kernel.

:func:`quote` makes every pricing decision through the business's extension
points, so whatever plugins the business (or its ancestors) enabled decide:

1. ``pricing.rounding`` -> the business's :class:`Rounding` (default
   ``ROUND_HALF_UP`` per line);
2. ``pricing.base_price`` for each cart line -> unit prices, all in one
   currency (else :class:`MixedCurrencyError`; no price: :class:`NoPriceError`); the
   currency's minor digits come from CLDR; each line total is the unit price
   times the quantity, rounded to the quote's quantum;
3. ``pricing.adjust`` with that first quote;
4. rounding per order, if declared: the order total rounded once, and the
   lines re-allocated (largest remainder) so they add up to it exactly.

The returned quote explains itself: its ``adjustments`` list every step in
order -- each base price, each adjustment, the final rounding -- with the
plugin that made it (taken from the kernel's trace, not from what a plugin
claims) and the amount before and after.  A plugin that changes the quote's
currency, digits, rounding or cart lines, or rewrites earlier steps, fails the
quote with a :class:`PluginCallError` naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from zhongtai.core.errors import PluginCallError
from zhongtai.core.policies import TraceStep
from zhongtai.core.specs.pricing import MAX_AMOUNT, Adjustment, Money, Quote, QuoteLine, QuoteRequest, Rounding
from zhongtai.plugins.pricing.errors import AmountOutOfRangeError, InvalidCartError, MixedCurrencyError, NoPriceError
from zhongtai.plugins.pricing.money import allocate, currency_digits, from_units, to_units
from zhongtai.plugins.pricing.validity import moment

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import BusinessView

#: How steps made by no plugin are attributed (the default rounding policy).
DEFAULT = "(default)"


def quote(view: BusinessView, request: QuoteRequest, *, subject: str | None = None) -> Quote:
    """Price *request* for the business of *view* (see the module docstring for the steps).

    *subject* (the shopper) decides staged rollouts and experiment variants of the
    pricing plugins (docs/rollout.md).
    """
    if not request.lines:
        raise InvalidCartError("a quote needs at least one cart line")
    if request.at is None:
        request = attrs.evolve(request, at=moment(request))
    rounding, rounding_by = _rounding(view, request, subject)
    first = _base_quote(view, request, rounding, subject)
    adjusted = _adjusted(view, request, first, subject)
    return round_order(adjusted, by=rounding_by)


def _answered_by(trace: Sequence[TraceStep]) -> str:
    return next((step.plugin for step in trace if step.outcome == "answered"), DEFAULT)


def _rounding(view: BusinessView, request: QuoteRequest, subject: str | None) -> tuple[Rounding, str]:
    result = view.explain("pricing.rounding", request=request, subject=subject)
    if result.value is None:
        return Rounding(), DEFAULT
    return result.value, _answered_by(result.trace)


def _base_quote(view: BusinessView, request: QuoteRequest, rounding: Rounding, subject: str | None) -> Quote:
    priced: list[tuple[int, str, Money, str]] = []
    for line in request.lines:
        result = view.explain("pricing.base_price", sku=line.sku, request=request, subject=subject)
        if result.value is None:
            raise NoPriceError(f"no price for sku {line.sku!r} at business {view.code} in channel "
                          f"{request.channel!r}: no enabled pricing.base_price plugin has one")
        priced.append((line.quantity, line.sku, result.value, _answered_by(result.trace)))
    currencies = sorted({price.currency for _, _, price, _ in priced})
    if len(currencies) > 1:
        skus = ", ".join(f"{sku} in {price.currency}" for _, sku, price, _ in priced)
        raise MixedCurrencyError(f"one quote cannot mix currencies ({skus})")
    currency = currencies[0]
    if request.currency is not None and request.currency != currency:
        raise MixedCurrencyError(f"the request expects {request.currency}, but business {view.code} prices "
                            f"in {currency} (there is no currency conversion)")
    empty = Quote(currency, (), digits=currency_digits(currency), rounding=rounding)
    lines, steps = [], []
    order_total = Decimal(0)
    for quantity, sku, price, plugin in priced:
        amount = price.amount * quantity
        order_total += amount
        if amount.copy_abs() > MAX_AMOUNT or order_total.copy_abs() > MAX_AMOUNT:
            what = f"line {sku!r} ({quantity} × {price.amount})" if amount.copy_abs() > MAX_AMOUNT \
                else "the order total"
            raise AmountOutOfRangeError(f"{what} is beyond the largest amount a quote may hold, {MAX_AMOUNT:,} "
                                        f"{currency} (see docs/pricing.md)")
        total = empty.money(empty.quantize(amount))
        lines.append(QuoteLine(sku, quantity, price, total))
        steps.append(Adjustment(plugin, "base price", empty.money(Decimal(0)), total, sku=sku,
                                detail=f"{quantity} × {price.amount}"))
    return attrs.evolve(empty, lines=lines, adjustments=steps)


def _broken(view: BusinessView, plugin: str, what: str) -> PluginCallError:
    return PluginCallError(
        f"plugin {plugin!r} broke the pricing.adjust contract for business {view.code}: {what}",
        plugin=plugin, extension_point="pricing.adjust",
    )


def _check_step(view: BusinessView, plugin: str, before: Quote, after: Quote) -> None:
    for name in ("currency", "digits", "rounding"):
        if getattr(after, name) != getattr(before, name):
            raise _broken(view, plugin, f"it changed the quote's {name} from {getattr(before, name)!r} "
                                        f"to {getattr(after, name)!r}")
    if [(x.sku, x.quantity) for x in after.lines] != [(x.sku, x.quantity) for x in before.lines]:
        raise _broken(view, plugin, "it changed the cart lines (skus or quantities)")
    if after.adjustments[:len(before.adjustments)] != before.adjustments:
        raise _broken(view, plugin, "it rewrote earlier steps of the explanation")


def _adjusted(view: BusinessView, request: QuoteRequest, first: Quote, subject: str | None) -> Quote:
    """Run ``pricing.adjust``; attribute each new step to the plugin the kernel saw make it."""
    result = view.explain("pricing.adjust", quote=first, request=request, subject=subject)
    current = first
    for step in result.trace:
        if step.outcome != "changed":
            continue
        new: Quote = step.value
        _check_step(view, step.plugin, current, new)
        fresh = [attrs.evolve(a, plugin=step.plugin) for a in new.adjustments[len(current.adjustments):]]
        if not fresh:
            fresh = [Adjustment(step.plugin, "unexplained change", current.total, new.total,
                                detail="the plugin changed the quote without recording a step")]
        current = attrs.evolve(new, adjustments=(*current.adjustments, *fresh))
    return current


def round_order(quote: Quote, *, by: str = DEFAULT) -> Quote:
    """Apply per-order rounding: round the total once, re-allocate the lines to add up to it.

    A quote rounded per line is returned as it is (its lines are already in
    currency minor units).  Otherwise the exact total is rounded to the
    currency's minor unit with the quote's mode, and split over the lines in
    proportion to their exact totals (largest remainder), recorded as a
    ``rounding`` step attributed to *by*.
    """
    if quote.rounding.scope == "line":
        return quote
    minor = Decimal(1).scaleb(-quote.digits)
    exact = quote.total.amount
    target = exact.quantize(minor, rounding=quote.rounding.mode)
    weights = [to_units(line.total.amount, quote.quantum) for line in quote.lines]
    shares = [from_units(units, minor) for units in allocate(to_units(target, minor), weights)]
    if all(share == line.total.amount for share, line in zip(shares, quote.lines)):
        return quote
    lines = [attrs.evolve(line, total=quote.money(share)) for line, share in zip(quote.lines, shares)]
    step = Adjustment(by, "rounding", quote.total, quote.money(target),
                      detail=f"order total rounded {quote.rounding.mode} to {minor}",
                      allocation=tuple(quote.money(share - line.total.amount)
                                       for share, line in zip(shares, quote.lines)))
    return attrs.evolve(quote, lines=lines, adjustments=(*quote.adjustments, step))


def unrecognised_coupons(quote: Quote, request: QuoteRequest) -> list[str]:
    """Coupon codes of *request* that no step of *quote* mentions (no enabled plugin knows them)."""
    mentioned = {step.code for step in quote.adjustments}
    return [code for code in dict.fromkeys(request.coupons) if code not in mentioned]
