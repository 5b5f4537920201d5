"""Chinese resident ID numbers (GB 11643-1999, 公民身份号码).

An 18-character number is a 6-digit region code, an 8-digit birth date
(YYYYMMDD), a 3-digit sequence (odd for men, even for women) and a check
character: ``S = sum(d_i * w_i)`` over the first 17 digits with weights
``7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2``, and the check character is
``"10X98765432"[S % 11]``.  A lower-case ``x`` is accepted and normalised to
``X``.  The legacy 15-digit form (GB 11643-1989: 6-digit region, YYMMDD in the
1900s, 3-digit sequence, no check character) is recognised and converted to the
18-character form.
"""

from __future__ import annotations

import datetime as dt

import attrs

from zhongtai.plugins.verification.errors import InvalidIdNumberError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"


@attrs.frozen
class ResidentId:
    """A valid resident ID number, normalised to 18 characters (upper-case ``X``)."""

    number: str = attrs.field(repr=False)
    region: str
    birth_date: dt.date
    sex: str  # "male" | "female"
    legacy: bool = False  # given in the 15-digit form


def check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("the check character is defined for exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def _birth_date(text: str, today: dt.date | None) -> dt.date:
    try:
        born = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise InvalidIdNumberError("ID number does not contain a real birth date") from None
    if today is not None and born > today:
        raise InvalidIdNumberError("ID number has a birth date in the future")
    return born


def parse_resident_id(text: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate *text* and return it parsed; raise :class:`InvalidIdNumberError` saying why not.

    Surrounding whitespace is ignored.  When *today* is given a birth date after
    it is refused.  Messages never repeat the number.
    """
    value = text.strip()
    if len(value) == 15:
        if not (value.isascii() and value.isdigit()):
            raise InvalidIdNumberError("a 15-digit ID number must consist of digits")
        first17 = value[:6] + "19" + value[6:]
        legacy = True
    elif len(value) == 18:
        first17 = value[:17]
        if not (first17.isascii() and first17.isdigit()):
            raise InvalidIdNumberError("the first 17 characters of an ID number must be digits")
        check = value[17].upper()
        if check not in CHECK_CHARACTERS:
            raise InvalidIdNumberError("the last character of an ID number must be a digit or X")
        legacy = False
    else:
        raise InvalidIdNumberError(f"an ID number has 18 characters (or 15 in the legacy form), not {len(value)}")
    born = _birth_date(first17[6:14], today)
    expected = check_character(first17)
    if not legacy and check != expected:
        raise InvalidIdNumberError("ID number check character does not match (GB 11643)")
    return ResidentId(
        number=first17 + expected,
        region=first17[:6],
        birth_date=born,
        sex="male" if int(first17[16]) % 2 else "female",
        legacy=legacy,
    )


def is_valid_resident_id(text: str) -> bool:
    """True if *text* is a valid resident ID number (either form)."""
    try:
        parse_resident_id(text)
    except InvalidIdNumberError:
        return False
    return True
