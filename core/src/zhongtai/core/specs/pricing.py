"""Pricing: base prices per business and channel, then a pipeline of adjustments."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.extension import OnError, Policy, extension_point


def _no_float(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if isinstance(value, float) or not isinstance(value, Decimal):
        raise TypeError(f"{attribute.name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{attribute.name} must be finite")


def _currency(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not (isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()):
        raise ValueError(f"{attribute.name} must be an ISO 4217 code such as 'CNY', got {value!r}")


@attrs.frozen
class Money:
    """An amount of one currency.  Never a float."""

    amount: Decimal = attrs.field(validator=_no_float)
    currency: str = attrs.field(validator=_currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


@attrs.frozen
class CartLine:
    sku: str
    quantity: int = attrs.field(validator=attrs.validators.and_(attrs.validators.instance_of(int), attrs.validators.ge(1)))


@attrs.frozen
class Customer:
    id: str = ""
    tier: str = ""
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)


@attrs.frozen
class QuoteRequest:
    """What is being priced: for whom, through which channel, when."""

    channel: str
    lines: tuple[CartLine, ...] = attrs.field(converter=tuple)
    customer: Customer = attrs.field(factory=Customer)
    coupons: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    at: _dt.datetime | None = None
    currency: str | None = None


@attrs.frozen
class Adjustment:
    """One step of a quote's explanation."""

    plugin: str
    step: str
    before: Money
    after: Money
    sku: str | None = None
    detail: str = ""


@attrs.frozen
class QuoteLine:
    sku: str
    quantity: int
    unit_price: Money
    total: Money


@attrs.frozen
class Quote:
    """A priced cart: lines whose totals add up to ``total``, and how we got there."""

    currency: str
    lines: tuple[QuoteLine, ...] = attrs.field(converter=tuple)
    adjustments: tuple[Adjustment, ...] = attrs.field(default=(), converter=tuple)

    @property
    def total(self) -> Money:
        return Money(sum((line.total.amount for line in self.lines), Decimal(0)), self.currency)


@extension_point("pricing.base_price", policy=Policy.FIRST, result=Money, on_error=OnError.FAIL)
def pricing_base_price(sku: str, request: QuoteRequest, context: PluginContext) -> Money | None:
    """Return the unit price of *sku* for this business and ``request.channel``.

    Return ``None`` when this implementation has no price for the sku, so the
    next one (a less specific business, or a lower priority) can answer.
    """


@extension_point(
    "pricing.adjust", policy=Policy.PIPELINE, result=Quote, pipeline_arg="quote", on_error=OnError.FAIL
)
def pricing_adjust(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
    """Return the next quote given the previous one, or ``None`` to pass it on unchanged.

    Implementations run root business first, and by descending priority at each
    level.  An adjustment must never take a line below zero, must keep the
    quote's currency, and should append an :class:`Adjustment` explaining itself.
    """
