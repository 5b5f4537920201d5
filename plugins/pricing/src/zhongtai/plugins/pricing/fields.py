"""attrs validators shared by the pricing config classes (each raises ``ValueError`` naming the field)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from zhongtai.core.specs.pricing import CHANNEL_PATTERN, STANDARD_CHANNELS, amount_problem
from zhongtai.plugins.pricing.errors import PricingError
from zhongtai.plugins.pricing.money import check_currency, currency_digits, fits


def currency(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """An ISO 4217 code known to CLDR."""
    try:
        check_currency(value)
    except PricingError as exc:
        raise ValueError(f"{attribute.name}: {exc.message}") from None


def _check_amount(name: str, value: Decimal) -> None:
    """A finite amount within the bounds every quote can compute with (see ``amount_problem``)."""
    problem = amount_problem(value)
    if problem:
        raise ValueError(f"{name} {problem}" if problem.startswith("must") else f"{name}: {problem}")


def non_negative(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    """A non-negative amount within the bounds."""
    _check_amount(attribute.name, value)
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value}")


def _check_percent(name: str, value: Decimal) -> None:
    if not Decimal(0) <= value <= Decimal(100):
        raise ValueError(f"{name} must be a percentage from 0 to 100, got {value}")


def percent(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    _check_percent(attribute.name, value)


def percent_values(instance: object, attribute: attrs.Attribute[Any], value: Mapping[str, Decimal]) -> None:
    """A mapping whose values are percentages from 0 to 100."""
    for key, percentage in value.items():
        _check_percent(f"{attribute.name}.{key}", percentage)


def _walk(value: Any, path: str) -> list[tuple[str, Decimal]]:
    if isinstance(value, Mapping):
        return [item for key, inner in value.items() for item in _walk(inner, f"{path}.{key}")]
    return [(path, value)]


def prices(instance: object, attribute: attrs.Attribute[Any], value: Mapping[str, Any]) -> None:
    """A (possibly nested) mapping whose leaves are non-negative amounts."""
    for path, amount in _walk(value, attribute.name):
        if not isinstance(amount, Decimal):
            raise ValueError(f"{path} must be a decimal amount, got {amount!r}")
        _check_amount(path, amount)
        if amount < 0:
            raise ValueError(f"{path} must not be negative, got {amount}")


def channels(instance: object, attribute: attrs.Attribute[Any], value: Mapping[str, Any]) -> None:
    """Keys are channel slugs (a standard channel or a business's own)."""
    for name in value:
        if not CHANNEL_PATTERN.fullmatch(name):
            raise ValueError(f"{attribute.name}: {name!r} is no channel name (a lowercase slug such as "
                             f"{', '.join(STANDARD_CHANNELS[:3])})")


def fits_currency(currency: str, amounts: Mapping[str, Decimal]) -> None:
    """Each named amount has no more decimals than *currency* allows (``ValueError`` naming it)."""
    digits = currency_digits(currency)
    for name, amount in amounts.items():
        if not fits(amount, digits):
            raise ValueError(f"{name}: {amount} has more decimals than {currency} allows ({digits})")
