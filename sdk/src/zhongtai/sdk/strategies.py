"""Hypothesis strategies for the inputs of extension points.

:func:`inputs` gives, for an extension point, a strategy of the keyword
arguments a caller passes (everything but ``context``), each a *valid* value of
its contract type: the conformance check feeds them to a plugin, and plugin
authors may use them in property tests of their own::

    from hypothesis import given
    from zhongtai.sdk import strategies

    @given(strategies.quotes())
    def test_never_below_zero(quote): ...

:func:`strategy_for` derives a strategy from a type: attrs contract classes
field by field (an ``in_`` validator becomes a choice among its options), then
the value is built and kept only if its validators accept it.  Types whose
invariants span several fields (:class:`~zhongtai.core.specs.pricing.Money`,
``Quote``, ``QuoteRequest``, ``CartLine``) have hand-written strategies, and
``pricing.adjust`` / ``pricing.base_price`` get inputs that agree with each
other (the quote prices the request's cart; the sku is in the cart).  A type
no strategy can be derived for raises :class:`NoStrategyError` naming it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import functools
import operator
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
from hypothesis import strategies as st

if TYPE_CHECKING:
    from zhongtai.core.extension import ExtensionPoint
    from zhongtai.core.specs.pricing import CartLine, Money, Quote, QuoteRequest

#: Currencies whose minor unit is 1/100, so a default ``Quote`` (two digits) holds them.
CURRENCIES = ("CNY", "USD", "EUR", "HKD")
CHANNELS = ("app", "h5", "mini-program", "agent", "campus-kiosk")
_CENT = Decimal("0.01")


class NoStrategyError(Exception):
    """No valid values of a type can be generated (say which type, and where)."""


# -- building blocks (cached: hypothesis validates every new strategy object) --------------
@functools.cache
def slugs() -> st.SearchStrategy[str]:
    """Short lowercase names (``"gold"``, ``"sku2a"``): valid wherever the contracts ask for a name."""
    head = st.sampled_from("abcdefghijklmnopqrstuvwxyz")
    tail = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", max_size=7)
    return st.builds(operator.add, head, tail)


@functools.cache
def aware_datetimes() -> st.SearchStrategy[dt.datetime]:
    """Timezone-aware datetimes (UTC or +08:00) between 2000 and 2100."""
    zones = st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8))])
    return st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1), timezones=zones)


@functools.cache
def amounts(max_value: int = 10_000) -> st.SearchStrategy[Decimal]:
    """Non-negative decimal amounts with two places."""
    return st.decimals(min_value=0, max_value=max_value, places=2, allow_nan=False, allow_infinity=False)


@functools.cache
def currencies() -> st.SearchStrategy[str]:
    return st.sampled_from(CURRENCIES)


@functools.cache
def money(currency: str | None = None) -> st.SearchStrategy[Money]:
    """Non-negative :class:`Money` (in *currency*, or any of :data:`CURRENCIES`)."""
    from zhongtai.core.specs.pricing import Money

    return st.builds(Money, amounts(), st.just(currency) if currency else currencies())


@functools.cache
def cart_lines() -> st.SearchStrategy[CartLine]:
    from zhongtai.core.specs.pricing import CartLine

    return st.builds(CartLine, slugs(), st.integers(min_value=1, max_value=20))


@functools.cache
def carts(min_size: int = 0, max_size: int = 4) -> st.SearchStrategy[list[CartLine]]:
    """Cart lines with distinct skus."""
    return st.lists(cart_lines(), min_size=min_size, max_size=max_size, unique_by=lambda line: line.sku)


def _draw_request(draw: st.DrawFn, lines: Sequence[CartLine] | None, currency: str | None) -> QuoteRequest:
    from zhongtai.core.specs.pricing import Customer, QuoteRequest

    cart: list[Any] = list(lines) if lines is not None else draw(carts())
    coupons: list[Any] = draw(st.lists(slugs(), max_size=2))
    return QuoteRequest(
        channel=draw(st.sampled_from(CHANNELS)),
        lines=cart,
        customer=draw(strategy_for(Customer)),
        coupons=coupons,
        at=draw(st.none() | aware_datetimes()),
        currency=draw(st.none() | st.just(currency)) if currency else None,
    )


def _draw_quote(draw: st.DrawFn, lines: Sequence[CartLine] | None, currency: str | None) -> Quote:
    from zhongtai.core.specs.pricing import Money, Quote, QuoteLine

    code = currency or draw(currencies())
    cart = list(lines) if lines is not None else draw(carts())
    priced: list[Any] = []
    for line in cart:
        unit = draw(amounts(1_000))
        total = (unit * line.quantity).quantize(_CENT)
        priced.append(QuoteLine(line.sku, line.quantity, Money(unit, code), Money(total, code)))
    return Quote(code, priced)


def quote_requests(
    lines: Sequence[CartLine] | None = None, currency: str | None = None,
) -> st.SearchStrategy[QuoteRequest]:
    """A :class:`QuoteRequest` for *lines* (default: a drawn cart); its currency is *currency* or ``None``."""
    return st.composite(lambda draw: _draw_request(draw, lines, currency))()


def quotes(lines: Sequence[CartLine] | None = None, currency: str | None = None) -> st.SearchStrategy[Quote]:
    """A fresh :class:`Quote` pricing *lines* (default: a drawn cart): no adjustments yet."""
    return st.composite(lambda draw: _draw_quote(draw, lines, currency))()


@st.composite
def _adjust_inputs(draw: st.DrawFn) -> dict[str, Any]:
    cart = draw(carts())
    quote = _draw_quote(draw, cart, None)
    return {"quote": quote, "request": _draw_request(draw, cart, quote.currency)}


@st.composite
def _base_price_inputs(draw: st.DrawFn) -> dict[str, Any]:
    cart = draw(carts(min_size=1))
    return {"sku": draw(st.sampled_from([line.sku for line in cart])), "request": _draw_request(draw, cart, None)}


#: Extension points whose inputs must agree with each other.
_JOINT: dict[str, Callable[[], st.SearchStrategy[dict[str, Any]]]] = {
    "pricing.adjust": _adjust_inputs,
    "pricing.base_price": _base_price_inputs,
}


@functools.cache
def _registered() -> dict[Any, Callable[[], st.SearchStrategy[Any]]]:
    from zhongtai.core.specs import pricing

    return {
        str: slugs,
        bool: st.booleans,
        int: lambda: st.integers(min_value=0, max_value=1_000),
        float: lambda: st.floats(min_value=0, max_value=1e6, allow_nan=False),
        Decimal: amounts,
        dt.datetime: aware_datetimes,
        pricing.Money: money,
        pricing.CartLine: cart_lines,
        pricing.Quote: quotes,
        pricing.QuoteRequest: quote_requests,
    }


def _scalars() -> st.SearchStrategy[Any]:
    return st.none() | st.booleans() | st.integers(-1_000, 1_000) | slugs()


# -- deriving strategies from types ------------------------------------------------------
def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    """A strategy of valid values of type *tp*; raises :class:`NoStrategyError` when there is none."""
    try:
        return _cached_strategy_for(tp)
    except TypeError:  # an unhashable annotation
        return _strategy_for(tp)


@functools.lru_cache(maxsize=512)
def _cached_strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    return _strategy_for(tp)


def _strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    if tp is Any or tp is object:
        return _scalars()
    if tp is None or tp is type(None):
        return st.none()
    known = _registered().get(tp)
    if known is not None:
        return known()
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([strategy_for(arg) for arg in args])
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin in (list, Sequence, tuple, set, frozenset, AbstractSet):
        inner = strategy_for(args[0]) if args and args[0] is not Ellipsis else _scalars()
        if origin is tuple and len(args) > 1 and args[1] is not Ellipsis:
            return st.tuples(*[strategy_for(arg) for arg in args])
        values = st.lists(inner, max_size=3)
        convert: Callable[[list[Any]], Any] = {
            tuple: tuple, set: set, frozenset: frozenset, AbstractSet: frozenset,
        }.get(origin, list)  # type: ignore[call-overload]
        return values.map(convert)
    if origin in (dict, Mapping):
        key = strategy_for(args[0]) if args else slugs()
        value = strategy_for(args[1]) if len(args) == 2 else _scalars()
        return st.dictionaries(key, value, max_size=3)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    if isinstance(tp, type) and attrs.has(tp):
        return _attrs_strategy(tp)
    raise NoStrategyError(f"no strategy for values of type {_label(tp)}")


def _label(tp: Any) -> str:
    return tp.__name__ if isinstance(tp, type) else str(tp).replace("typing.", "")


def _options(validator: Any) -> tuple[Any, ...] | None:
    """The allowed values of an attrs ``in_`` validator (also inside ``and_``), else ``None``."""
    options = getattr(validator, "options", None)
    if options is not None:
        return tuple(sorted(options, key=repr))
    for inner in getattr(validator, "_validators", ()) or ():
        found = _options(inner)
        if found is not None:
            return found
    return None


def _attrs_strategy(cls: type) -> st.SearchStrategy[Any]:
    with contextlib.suppress(Exception):  # unresolvable annotations stay strings; those fields fail below
        attrs.resolve_types(cls)
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for field in attrs.fields(cls):
        if not field.init:
            continue
        name = field.alias or field.name.lstrip("_")
        options = _options(field.validator)
        try:
            strategy = st.sampled_from(options) if options else strategy_for(field.type)
        except NoStrategyError as exc:
            if field.default is attrs.NOTHING:
                raise NoStrategyError(f"{cls.__name__}.{field.name}: {exc}") from None
            continue  # an optional field keeps its default
        (required if field.default is attrs.NOTHING else optional)[name] = strategy

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        kwargs = {name: draw(strategy) for name, strategy in required.items()}
        for name, strategy in optional.items():
            if draw(st.booleans()):
                kwargs[name] = draw(strategy)
        try:
            return cls(**kwargs)
        except (ValueError, TypeError):
            from hypothesis import reject

            reject()

    return build()


def inputs(point: ExtensionPoint) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for a call of *point* (all of ``point.inputs``), valid and mutually consistent.

    Raises :class:`NoStrategyError` naming the argument whose type allows no generated values.
    """
    joint = _JOINT.get(point.name)
    if joint is not None:
        return joint()
    fields = {}
    for name in point.inputs:
        try:
            fields[name] = strategy_for(point.argument_types.get(name, Any))
        except NoStrategyError as exc:
            raise NoStrategyError(f"{point.name} argument {name!r}: {exc}") from None
    return st.fixed_dictionaries(fields)
