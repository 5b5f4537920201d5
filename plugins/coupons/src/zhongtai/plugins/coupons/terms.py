"""What a coupon template offers and limits: :class:`Terms`, validated from untrusted input.

A template's terms come from a business team (CLI options, a JSON document, the
gateway): every field is checked here with a one-line :class:`UserError`
naming it, and bounded, before anything is written.

Kinds: ``amount`` (value off), ``percent`` (value % off), ``threshold``
(满减: value off from ``min_spend``, with ``repeat`` per full ``min_spend``)
and ``free_item`` (one unit of ``free_sku`` free).  Amounts are in
``currency``, with no more decimals than CLDR gives it (CNY 2, JPY 0).
Validity is a fixed window (``valid_from``/``valid_until``), or ``valid_days``
from the moment of issue (optionally still inside the window).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import attrs

from zhongtai.core.errors import UserError

Kind = Literal["amount", "percent", "threshold", "free_item"]
KINDS: tuple[str, ...] = ("amount", "percent", "threshold", "free_item")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_AMOUNT = Decimal(10) ** 12
MAX_COUNT = 10 ** 12
MAX_DAYS = 3650
MAX_PER_USER = 1000
MAX_LIST = 1000
MAX_TEXT = 200
#: Fields a template change may set once coupons have been issued from it.
CHANGEABLE_AFTER_ISSUE = frozenset({"title", "valid_until", "valid_days", "stacking_group", "max_issued",
                                    "max_value", "per_user_limit", "skus", "categories", "channels"})


@attrs.frozen
class Terms:
    """The validated terms of a template (build with :func:`parse_terms`)."""

    kind: Kind
    currency: str
    value: Decimal = Decimal(0)
    min_spend: Decimal = Decimal(0)
    repeat: bool = False
    free_sku: str | None = None
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    valid_days: int | None = None
    stacking_group: str = ""
    max_issued: int | None = None
    max_value: Decimal | None = None
    per_user_limit: int | None = 1
    skus: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    title: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (decimals and times as text), for audit rows, ``--json`` and the API."""
        out: dict[str, Any] = {}
        for field in attrs.fields(Terms):
            value = getattr(self, field.name)
            if isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, dt.datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[field.name] = value
        return out

    def describe(self) -> str:
        """A short human description: ``20.00 CNY off from 100.00``."""
        if self.kind == "percent":
            text = f"{self.value}% off"
        elif self.kind == "free_item":
            text = f"one {self.free_sku} free"
        else:
            text = f"{self.value} {self.currency} off"
        if self.kind == "threshold":
            text += f" {'every' if self.repeat else 'from'} {self.min_spend}"
        elif self.min_spend > 0:
            text += f" from {self.min_spend}"
        return f"{self.title}: {text}" if self.title else text

    def window(self, issued_at: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The validity of a coupon issued at *issued_at*."""
        if self.valid_days is None:
            return self.valid_from, self.valid_until
        start = max(issued_at, self.valid_from) if self.valid_from else issued_at
        end = issued_at + dt.timedelta(days=self.valid_days)
        if self.valid_until is not None:
            end = min(end, self.valid_until)
        return start, end


def _text(name: str, value: object, *, limit: int = MAX_TEXT, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str):
        raise UserError(f"{name} must be text, not {type(value).__name__}")
    if len(value) > limit:
        raise UserError(f"{name} is {len(value)} characters long; the limit is {limit}")
    if pattern is not None and value and not pattern.match(value):
        raise UserError(f"{name} {value!r} must be a lowercase slug (letters, digits, hyphens)")
    return value


def _decimal(name: str, value: object) -> Decimal:
    if isinstance(value, float | bool):
        raise UserError(f"{name} must be a decimal string such as '20.00', not {value!r}")
    try:
        number = Decimal(value) if isinstance(value, int | str | Decimal) else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise UserError(f"{name} must be a decimal number such as '20.00', got {value!r}")
    if number < 0 or number > MAX_AMOUNT:
        raise UserError(f"{name} must be from 0 to {MAX_AMOUNT}, got {number}")
    return number


def _count(name: str, value: object, high: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise UserError(f"{name} must be a whole number from 1 to {high}, got {value!r}")
    return value


def _instant(name: str, value: object) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise UserError(f"{name} must be an ISO 8601 time such as 2025-06-18T00:00+08:00, got {value!r}") from None
    if not isinstance(value, dt.datetime):
        raise UserError(f"{name} must be an ISO 8601 time, got {value!r}")
    if value.utcoffset() is None:
        raise UserError(f"{name} needs a UTC offset (e.g. {value.isoformat()}+08:00)")
    return value.astimezone(dt.UTC)


def _names(name: str, value: object, pattern: re.Pattern[str] | None = None) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple):
        raise UserError(f"{name} must be a list of names, got {type(value).__name__}")
    if len(value) > MAX_LIST:
        raise UserError(f"{name} has {len(value)} entries; the limit is {MAX_LIST}")
    items = tuple(_text(f"{name}[{i}]", item, pattern=pattern) for i, item in enumerate(value))
    if any(not item for item in items):
        raise UserError(f"{name} has an empty entry")
    return tuple(dict.fromkeys(items))


def _amounts(kind: str, currency: str, digits: int,
             data: Mapping[str, Any]) -> tuple[Decimal, Decimal, Decimal | None]:
    """``value``, ``min_spend`` and ``max_value``, checked against the kind and the currency's digits."""
    from zhongtai.plugins.pricing.money import fits

    value = _decimal("value", data.get("value", "0"))
    min_spend = _decimal("min_spend", data.get("min_spend", "0"))
    max_value = None if data.get("max_value") in (None, "") else _decimal("max_value", data["max_value"])
    money = {"min_spend": min_spend, **({"max_value": max_value} if max_value is not None else {})}
    if kind in ("amount", "threshold"):
        money["value"] = value
        if value <= 0:
            raise UserError(f"an {kind} coupon needs a positive value")
    if kind == "percent" and not 0 < value <= 100:
        raise UserError(f"a percent coupon takes more than 0 and at most 100 percent off, not {value}")
    for name, amount in money.items():
        if not fits(amount, digits):
            raise UserError(f"{name}: {amount} has more decimals than {currency} allows ({digits})")
    if kind == "threshold" and min_spend <= 0:
        raise UserError("a threshold (满减) coupon needs a positive min_spend")
    return value, min_spend, max_value


def _kind_fields(kind: str, data: Mapping[str, Any]) -> tuple[bool, str | None]:
    """``repeat`` (threshold only) and ``free_sku`` (free_item only)."""
    repeat = data.get("repeat", False)
    if not isinstance(repeat, bool):
        raise UserError(f"repeat must be true or false, got {repeat!r}")
    if repeat and kind != "threshold":
        raise UserError("repeat applies to threshold coupons only")
    free_sku = data.get("free_sku")
    if kind == "free_item":
        if not free_sku:
            raise UserError("a free_item coupon needs free_sku")
        return repeat, _text("free_sku", free_sku)
    if free_sku:
        raise UserError("free_sku applies to free_item coupons only")
    return repeat, None


def parse_terms(data: Mapping[str, Any]) -> Terms:
    """Validate untrusted *data* (field -> value) into :class:`Terms`; one UserError naming the field."""
    from zhongtai.plugins.pricing.errors import PricingError
    from zhongtai.plugins.pricing.money import currency_digits

    if not isinstance(data, Mapping):
        raise UserError("template terms must be an object of fields")
    unknown = sorted(set(data) - {f.name for f in attrs.fields(Terms)})
    if unknown:
        known = ", ".join(f.name for f in attrs.fields(Terms))
        raise UserError(f"unknown template field(s) {', '.join(map(repr, unknown))} (fields: {known})")
    kind = data.get("kind")
    if kind not in KINDS:
        raise UserError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    currency = data.get("currency", "CNY")
    try:
        digits = currency_digits(currency) if isinstance(currency, str) else currency_digits("")
    except PricingError as exc:
        raise UserError(f"currency: {exc.message}") from None
    value, min_spend, max_value = _amounts(kind, currency, digits, data)
    repeat, free_sku = _kind_fields(kind, data)
    valid_from = _instant("valid_from", data.get("valid_from"))
    valid_until = _instant("valid_until", data.get("valid_until"))
    if valid_from and valid_until and valid_from >= valid_until:
        raise UserError("valid_from must be before valid_until")
    valid_days = None if data.get("valid_days") in (None, "") else _count("valid_days", data["valid_days"], MAX_DAYS)
    max_issued = None if data.get("max_issued") in (None, "") else _count("max_issued", data["max_issued"], MAX_COUNT)
    per_user = data.get("per_user_limit", 1)
    per_user_limit = None if per_user in (None, "", 0) else _count("per_user_limit", per_user, MAX_PER_USER)
    return Terms(
        kind=kind, currency=currency, value=value, min_spend=min_spend, repeat=repeat,
        free_sku=free_sku or None, valid_from=valid_from, valid_until=valid_until, valid_days=valid_days,
        stacking_group=_text("stacking_group", data.get("stacking_group", ""), limit=64, pattern=SLUG),
        max_issued=max_issued, max_value=max_value, per_user_limit=per_user_limit,
        skus=_names("skus", data.get("skus", ())), categories=_names("categories", data.get("categories", ())),
        channels=_names("channels", data.get("channels", ()), SLUG), title=_text("title", data.get("title", "")),
    )


def check_name(name: object) -> str:
    """A template name: a lowercase slug of up to 64 characters (``new-user-20``)."""
    if not isinstance(name, str) or not NAME.match(name):
        raise UserError(f"template name {name!r} must be lowercase letters, digits, '-' or '_' (up to 64)")
    return name
