"""Currency facts from CLDR (babel) and exact arithmetic in minor units.

Amounts are ``Decimal`` (:class:`~zhongtai.core.specs.pricing.Money` refuses a float).
:func:`allocate` splits an integer number of units proportionally with the
largest-remainder method, so the parts always add up exactly to the whole.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal

from zhongtai.plugins.pricing.errors import UnknownCurrencyError


@functools.cache
def _known_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def check_currency(code: str) -> str:
    """Return *code* if it is an ISO 4217 currency CLDR knows; else raise :class:`UnknownCurrencyError`."""
    if not isinstance(code, str) or code not in _known_currencies():
        raise UnknownCurrencyError(f"{code!r} is not an ISO 4217 currency code (such as CNY, JPY, BHD)")
    return code


@functools.cache
def currency_digits(code: str) -> int:
    """Minor-unit digits of *code* from CLDR: CNY 2, JPY 0, BHD 3."""
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(check_currency(code)))


def fits(amount: Decimal, digits: int) -> bool:
    """Whether *amount* has no more than *digits* decimal places (trailing zeros ignored)."""
    return amount % Decimal(1).scaleb(-digits) == 0


def to_units(amount: Decimal, quantum: Decimal) -> int:
    """*amount* as a whole number of *quantum*; ``ValueError`` if it is not a whole multiple."""
    units, rest = divmod(amount, quantum)
    if rest:
        raise ValueError(f"{amount} is not a whole multiple of {quantum}")
    return int(units)


def from_units(units: int, quantum: Decimal) -> Decimal:
    """``units * quantum`` as an exact ``Decimal``."""
    return Decimal(units) * quantum


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split *amount* units in proportion to *weights* (largest-remainder method).

    Contract: the parts add up to *amount* exactly; each part is the floor of
    its exact share or one more, the extra units going to the largest
    remainders (ties: the earlier weight); a zero weight gets nothing; when
    ``amount <= sum(weights)`` no part exceeds its weight.  *amount* and the
    weights are non-negative; a positive *amount* needs a positive total weight.
    """
    if amount < 0 or any(w < 0 for w in weights):
        raise ValueError("allocate() takes a non-negative amount and non-negative weights")
    total = sum(weights)
    if amount == 0:
        return [0] * len(weights)
    if total == 0:
        raise ValueError("cannot allocate a positive amount over zero weights")
    parts: list[int] = []
    remainders: list[int] = []
    for weight in weights:
        part, remainder = divmod(amount * weight, total)
        parts.append(part)
        remainders.append(remainder)
    left = amount - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        parts[index] += 1
    return parts
