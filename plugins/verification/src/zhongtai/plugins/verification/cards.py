"""Bank card numbers: the Luhn check (ISO/IEC 7812) as a cheap pre-check.

Passing the Luhn check means only that no digit was mistyped in a detectable
way; whether the card exists and belongs to the subject is the four-factor
provider's job.
"""

from __future__ import annotations

import re

from zhongtai.plugins.verification.errors import InvalidCardNumberError

#: Lengths of a primary account number (ISO/IEC 7812; UnionPay cards have 16-19).
MIN_LENGTH = 12
MAX_LENGTH = 19


def _digits(text: str) -> list[int]:
    if not text or not text.isascii() or not text.isdigit():
        raise ValueError("the Luhn check is defined for a non-empty string of digits")
    return [int(c) for c in text]


def _luhn_sum(digits: list[int], double_first_from_right: bool) -> int:
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if (index % 2 == 0) == double_first_from_right:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total


def luhn_valid(number: str) -> bool:
    """True if the digit string *number* (check digit last) passes the Luhn check."""
    return _luhn_sum(_digits(number), double_first_from_right=False) % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The Luhn check digit to append to the digit string *partial*."""
    return str((10 - _luhn_sum(_digits(partial), double_first_from_right=True) % 10) % 10)


def normalise_card_number(text: str) -> str:
    """The digits of a card number given with optional spaces or hyphens, Luhn-checked.

    Raises :class:`InvalidCardNumberError` naming the problem (never the number).
    """
    compact = re.sub(r"[\s-]", "", text)
    if not compact.isascii() or not compact.isdigit():
        raise InvalidCardNumberError("a card number consists of digits (spaces and hyphens allowed)")
    if not MIN_LENGTH <= len(compact) <= MAX_LENGTH:
        raise InvalidCardNumberError(
            f"a card number has {MIN_LENGTH}-{MAX_LENGTH} digits, not {len(compact)}"
        )
    if not luhn_valid(compact):
        raise InvalidCardNumberError("card number fails the Luhn check (a digit is probably mistyped)")
    return compact
