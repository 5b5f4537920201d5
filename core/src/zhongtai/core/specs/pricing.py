"""Pricing: base prices per business and channel, a rounding policy, then a pipeline of adjustments.

The contract types enforce the invariants every pricing plugin relies on, so an
invalid value cannot even be built:

* :class:`Money` is a ``Decimal`` amount with an ISO 4217 currency code; a float
  is refused, and so is an amount beyond the bounds below.
* Amounts are bounded (:data:`MAX_AMOUNT`, :data:`MAX_DECIMALS`) and so are
  quantities (:data:`MAX_QUANTITY`) and cart sizes (:data:`MAX_LINES`), so every
  sum, product and rounding a quote does stays exact within ``decimal``'s default
  28-digit precision -- never an ``InvalidOperation`` or ``Overflow`` (docs/pricing.md).
* A :class:`Quote` has one currency; every line total is non-negative and a
  whole multiple of the quote's :attr:`Quote.quantum` (the currency's minor
  unit when rounding per line; ``WORKING_EXTRA_DIGITS`` finer when rounding per
  order), so the lines always add up exactly to :attr:`Quote.total`.

The quoting service of the ``zhongtai-pricing`` package builds the first quote
from ``pricing.base_price`` answers, runs ``pricing.adjust`` and applies the
business's ``pricing.rounding`` policy.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.extension import OnError, Policy, extension_point

#: The rounding modes of :mod:`decimal`, by name (their values are their names).
ROUNDING_MODES: frozenset[str] = frozenset({
    decimal.ROUND_HALF_UP, decimal.ROUND_HALF_EVEN, decimal.ROUND_HALF_DOWN, decimal.ROUND_UP,
    decimal.ROUND_DOWN, decimal.ROUND_CEILING, decimal.ROUND_FLOOR, decimal.ROUND_05UP,
})

#: Rounding per line (each line total in currency minor units at every step) or
#: per order (lines kept finer, the order total rounded once at the end).
RoundingScope = Literal["line", "order"]

#: Extra decimal digits of the working precision when rounding per order.
WORKING_EXTRA_DIGITS = 6

#: The largest amount (absolute value) of any money -- a price, a line or an order total:
#: 10^15 (one quadrillion units of the currency).
MAX_AMOUNT = Decimal(10) ** 15
#: The most decimal places an amount may have.
MAX_DECIMALS = 12
#: The largest quantity of one cart line.
MAX_QUANTITY = 1_000_000
#: The most lines one cart (quote request) may have.
MAX_LINES = 1_000


def amount_problem(value: Decimal) -> str | None:
    """Why *value* is no usable amount (not finite, too large, too many decimals), or ``None``."""
    if not value.is_finite():
        return "must be finite"
    if value in _USABLE:  # prices repeat: every quote checks the same few amounts
        return None
    problem = _finite_amount_problem(value)
    if problem is None:
        _USABLE.remember(value)  # equal amounts (9.9, 9.90) have the same answer: the check is of the value
    return problem


class _Known(set[Any]):
    """Values of exactly one type already found valid (amounts, currency codes, channels): a few values,
    checked on every build of a contract type.

    At most ``KEPT`` are remembered, so values nobody uses again cannot fill the memory; a subclass's
    instance is never remembered (its equality could claim anything).
    """

    KEPT = 4096

    def __init__(self, kind: type) -> None:
        super().__init__()
        self.kind = kind

    def remember(self, value: object) -> None:
        if type(value) is self.kind and len(self) < self.KEPT:
            self.add(value)


#: Finite amounts known to be usable.
_USABLE = _Known(Decimal)


def _finite_amount_problem(value: Decimal) -> str | None:
    if value.copy_abs() > MAX_AMOUNT:  # copy_abs: no context, so 1e999999999 cannot overflow here
        return f"{value} is beyond the largest amount, {MAX_AMOUNT:,}"
    if value != value.quantize(_QUANTUM, rounding=decimal.ROUND_DOWN, context=_EXACT):
        return f"{value} has more than {MAX_DECIMALS} decimal places"
    return None


#: The smallest step an amount may have, and a context wide enough to quantize any amount within
#: the bounds to it exactly (15 integer digits and 12 decimals), whatever the thread's own context says.
_QUANTUM = Decimal(1).scaleb(-MAX_DECIMALS)
_EXACT = decimal.Context(prec=40, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

#: The channels every business knows; a business may also use channels of its own
#: (any lowercase slug such as ``"campus-kiosk"``).
STANDARD_CHANNELS: tuple[str, ...] = ("app", "h5", "mini-program", "wap", "phone", "agent", "pickup-point")

#: What a channel name looks like: a lowercase slug (use ``fullmatch``: ``$`` alone lets a final newline through).
CHANNEL_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _decimal(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is Decimal and value.is_finite() and value in _USABLE:  # the usual amount: no more calls
        return
    if isinstance(value, float):
        raise TypeError(f"{attribute.name} must be a Decimal, a float is refused (use Decimal('12.50'))")
    if not isinstance(value, Decimal):
        raise TypeError(f"{attribute.name} must be a Decimal, not {type(value).__name__}")
    problem = amount_problem(value)
    if problem:
        raise ValueError(f"{attribute.name} {problem}" if problem.startswith("must") else
                         f"{attribute.name}: {problem}")


_CURRENCY_CODES = _Known(str)
_CHANNELS = _Known(str)


def _currency(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is str and value in _CURRENCY_CODES:  # every Money checks the same few codes
        return
    if not (isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha()
            and value.isupper()):
        raise ValueError(f"{attribute.name} must be an ISO 4217 code such as 'CNY', got {value!r}")
    _CURRENCY_CODES.remember(value)


def _optional_currency(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _currency(instance, attribute, value)


def _positive_int(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{attribute.name} must be an integer, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value}")
    if value > MAX_QUANTITY:
        raise ValueError(f"{attribute.name} must be at most {MAX_QUANTITY:,}, got {value}")


def _non_empty(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty string, got {value!r}")


def _channel(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is str and value in _CHANNELS:  # every quote request checks one of a few channels
        return
    if not isinstance(value, str) or not CHANNEL_PATTERN.fullmatch(value):
        known = ", ".join(STANDARD_CHANNELS)
        raise ValueError(f"channel must be a lowercase slug such as one of {known}; got {value!r}")
    _CHANNELS.remember(value)


def _aware(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"{attribute.name} must be a datetime, not {type(value).__name__}")
    if value.utcoffset() is None:
        raise ValueError(f"{attribute.name} must carry a UTC offset (e.g. 2025-06-18T10:00:00+08:00)")


def _cart_lines(items: Iterable[CartLine]) -> tuple[CartLine, ...]:
    lines = tuple(items)
    if len(lines) > MAX_LINES:
        raise ValueError(f"a cart may have at most {MAX_LINES:,} lines, got {len(lines):,}")
    return lines


def _all_cart_lines(instance: object, attribute: attrs.Attribute[Any], value: tuple[object, ...]) -> None:
    for line in value:  # attrs' deep_iterable(instance_of(CartLine)) in one loop: every quote builds one
        if not isinstance(line, CartLine):
            raise TypeError(f"{attribute.name} must hold CartLine items, got {line!r} (a {type(line).__name__})")


def _texts(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(items)


def _monies(items: Iterable[Money]) -> tuple[Money, ...]:
    return tuple(items)


def _quote_lines(items: Iterable[QuoteLine]) -> tuple[QuoteLine, ...]:
    return tuple(items)


def _adjustments(items: Iterable[Adjustment]) -> tuple[Adjustment, ...]:
    return tuple(items)


@attrs.frozen
class Money:
    """An amount of one currency.  Never a float; may be negative (a change, a delta)."""

    amount: Decimal = attrs.field(validator=_decimal)
    currency: str = attrs.field(validator=_currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


@attrs.frozen
class CartLine:
    """``quantity`` units of ``sku`` (an integer, at least 1; default 1)."""

    sku: str = attrs.field(validator=_non_empty)
    quantity: int = attrs.field(default=1, validator=_positive_int)


@attrs.frozen
class Customer:
    """Who is buying: attributes pricing rules may use (member tier, tags)."""

    id: str = ""
    tier: str = ""
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)


#: The customer of a request that names none (frozen, so one instance serves every request).
ANONYMOUS = Customer()


@attrs.frozen
class QuoteRequest:
    """What is being priced: for whom, through which channel, when.

    The business is not part of the request: it is the business whose view
    makes the call (``context.business`` in implementations).  ``at`` must be
    timezone-aware; the quoting service fills in the current time when it is
    ``None``.  ``currency``, when given, is the currency the caller expects;
    a price in another currency is refused (there is no conversion).
    """

    channel: str = attrs.field(validator=_channel)
    lines: tuple[CartLine, ...] = attrs.field(converter=_cart_lines, validator=_all_cart_lines)
    customer: Customer = attrs.field(default=ANONYMOUS, validator=attrs.validators.instance_of(Customer))
    coupons: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    at: _dt.datetime | None = attrs.field(default=None, validator=_aware)
    currency: str | None = attrs.field(default=None, validator=_optional_currency)


@attrs.frozen
class Rounding:
    """How amounts are rounded: a :mod:`decimal` mode by name, per line or per order."""

    mode: str = attrs.field(default=decimal.ROUND_HALF_UP, validator=attrs.validators.in_(ROUNDING_MODES))
    scope: RoundingScope = attrs.field(default="line", validator=attrs.validators.in_(("line", "order")))


@attrs.frozen
class Adjustment:
    """One step of a quote's explanation.

    ``before`` and ``after`` are the line total (``sku`` given) or the order
    total (``sku`` is ``None``).  ``code`` names what was applied (a coupon
    code, a member tier, a channel); ``allocation`` is, for an order-level step,
    the change taken by each quote line, in line order, summing to
    ``after - before``.  A step with ``before == after`` records something
    considered but not applied, with the reason in ``detail``.
    """

    plugin: str
    step: str
    before: Money
    after: Money
    sku: str | None = None
    detail: str = ""
    code: str = ""
    allocation: tuple[Money, ...] = attrs.field(default=(), converter=_monies)

    @property
    def change(self) -> Money:
        """``after - before`` (negative for a discount)."""
        return Money(self.after.amount - self.before.amount, self.after.currency)


@attrs.frozen
class QuoteLine:
    """A priced cart line: the unit price it started from and its current total (never negative)."""

    sku: str
    quantity: int
    unit_price: Money
    total: Money

    def __attrs_post_init__(self) -> None:
        if self.total.amount < 0:
            raise ValueError(f"line {self.sku!r}: total {self.total} is negative; a line never goes below zero")


@attrs.frozen
class Quote:
    """A priced cart: lines whose totals add up to ``total``, and how we got there.

    ``digits`` is the currency's number of minor-unit digits (CNY 2, JPY 0,
    BHD 3); with ``rounding`` it fixes :attr:`quantum`, of which every line
    total must be a whole multiple.  Use :meth:`quantize` on every amount you
    compute.
    """

    currency: str = attrs.field(validator=_currency)
    lines: tuple[QuoteLine, ...] = attrs.field(converter=_quote_lines)
    adjustments: tuple[Adjustment, ...] = attrs.field(default=(), converter=_adjustments)
    digits: int = attrs.field(default=2, validator=attrs.validators.and_(
        attrs.validators.instance_of(int), attrs.validators.ge(0), attrs.validators.le(6)))
    rounding: Rounding = attrs.field(factory=Rounding, validator=attrs.validators.instance_of(Rounding))

    def __attrs_post_init__(self) -> None:
        quantum = self.quantum
        total = sum((line.total.amount for line in self.lines), Decimal(0))
        if total.copy_abs() > MAX_AMOUNT:
            raise ValueError(f"the order total {total} is beyond the largest amount, {MAX_AMOUNT:,}")
        for line in self.lines:
            for money in (line.unit_price, line.total):
                self._same_currency(money, f"line {line.sku!r}")
            if line.total.amount % quantum:
                raise ValueError(
                    f"line {line.sku!r}: total {line.total} is not a whole multiple of {quantum} "
                    f"(round it with Quote.quantize)"
                )
        for adjustment in self.adjustments:
            for money in (adjustment.before, adjustment.after, *adjustment.allocation):
                self._same_currency(money, f"adjustment {adjustment.step!r}")

    def _same_currency(self, money: Money, where: str) -> None:
        if money.currency != self.currency:
            raise ValueError(f"{where}: {money} mixes currencies in a {self.currency} quote")

    @property
    def quantum(self) -> Decimal:
        """The smallest amount a line total may hold (``Decimal('0.01')`` for CNY per line)."""
        extra = WORKING_EXTRA_DIGITS if self.rounding.scope == "order" else 0
        return Decimal(1).scaleb(-(self.digits + extra))

    @property
    def total(self) -> Money:
        return Money(sum((line.total.amount for line in self.lines), Decimal(0)), self.currency)

    def quantize(self, amount: Decimal) -> Decimal:
        """*amount* rounded to :attr:`quantum` with the quote's rounding mode."""
        return amount.quantize(self.quantum, rounding=self.rounding.mode)

    def money(self, amount: Decimal) -> Money:
        """*amount* in the quote's currency (not rounded)."""
        return Money(amount, self.currency)


def _non_negative_price(price: Money) -> None:
    if price.amount < 0:
        raise ValueError(f"a base price cannot be negative, got {price}")


@extension_point("pricing.base_price", policy=Policy.FIRST, result=Money, on_error=OnError.FAIL,
                 validate=_non_negative_price)
def pricing_base_price(sku: str, request: QuoteRequest, context: PluginContext) -> Money | None:
    """Return the unit price of *sku* for this business and ``request.channel``.

    Return ``None`` when this implementation has no price for the sku, so the
    next one (a less specific business, or a lower priority) can answer.  A
    price is never negative; it may carry more digits than its currency (a
    per-gram price), the line total is rounded.
    """


@extension_point("pricing.rounding", policy=Policy.FIRST, result=Rounding, on_error=OnError.FAIL)
def pricing_rounding(request: QuoteRequest, context: PluginContext) -> Rounding | None:
    """Return this business's rounding policy: the mode, and per line or per order.

    The most specific business answers.  With no answer the quoting service
    rounds ``ROUND_HALF_UP`` per line.
    """


@extension_point(
    "pricing.adjust", policy=Policy.PIPELINE, result=Quote, pipeline_arg="quote", on_error=OnError.FAIL
)
def pricing_adjust(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
    """Return the next quote given the previous one, or ``None`` to pass it on unchanged.

    Implementations run root business first, and by descending priority at each
    level.  An adjustment must keep the quote's currency, digits, rounding and
    cart lines (sku and quantity, in order), must never take a line below zero
    (a :class:`Quote` cannot hold one), rounds every amount it computes with
    :meth:`Quote.quantize`, and appends :class:`Adjustment` steps explaining
    itself, leaving the earlier steps as they were.
    """
