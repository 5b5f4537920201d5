"""The subject of a session: who is being verified, as validated, normalised fields."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping

from zhongtai.plugins.verification.cards import normalise_card_number
from zhongtai.plugins.verification.errors import InvalidValueError
from zhongtai.plugins.verification.idnumber import parse_resident_id

_MOBILE = re.compile(r"1[3-9]\d{9}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_LENGTH = 200


def normalise_phone(value: str) -> str:
    """A mainland mobile number: 11 digits starting with 1 (``+86`` and separators dropped)."""
    text = re.sub(r"[\s-]", "", value)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if not _MOBILE.fullmatch(text):
        raise InvalidValueError("phone must be a mainland mobile number: 11 digits starting with 1")
    return text


def normalise_email(value: str) -> str:
    text = value.strip()
    if not _EMAIL.fullmatch(text):
        raise InvalidValueError("email must look like name@example.com")
    return text


def _text(field: str) -> Callable[[str], str]:
    def normalise(value: str) -> str:
        text = " ".join(value.split())
        if not text:
            raise InvalidValueError(f"{field} is empty")
        return text

    return normalise


def _normalisers(today: dt.date | None) -> dict[str, Callable[[str], str]]:
    return {
        "user": _text("user"),
        "name": _text("name"),
        "phone": normalise_phone,
        "email": normalise_email,
        "id_number": lambda value: parse_resident_id(value, today=today).number,
        "card_number": normalise_card_number,
    }


#: The fields a subject may have.
SUBJECT_FIELDS = tuple(_normalisers(None))


def normalise_subject(fields: Mapping[str, str], *, today: dt.date | None = None) -> dict[str, str]:
    """Validated, normalised subject fields; :class:`InvalidValueError` names the field (never the value)."""
    normalisers = _normalisers(today)
    result: dict[str, str] = {}
    for field, value in fields.items():
        normalise = normalisers.get(field)
        if normalise is None:
            raise InvalidValueError(f"unknown subject field {field!r} (known: {', '.join(SUBJECT_FIELDS)})")
        if not isinstance(value, str) or len(value) > MAX_LENGTH:
            raise InvalidValueError(f"subject {field} must be a string of at most {MAX_LENGTH} characters")
        try:
            result[field] = normalise(value)
        except InvalidValueError as exc:
            raise InvalidValueError(f"subject {field}: {exc.message}") from None
    return result


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["phone=138...", "user=u1"]`` -> a mapping; a bad or repeated item is an error."""
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidValueError(f"--subject expects FIELD=VALUE (fields: {', '.join(SUBJECT_FIELDS)})")
        if key in result:
            raise InvalidValueError(f"subject field {key!r} is given twice")
        result[key] = value
    return result
