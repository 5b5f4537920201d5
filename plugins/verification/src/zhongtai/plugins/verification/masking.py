"""Masking personal data: the one helper every output, log line and trace goes through.

===============  ==========================  =========================
field            example input               masked
===============  ==========================  =========================
``id_number``    ``11010519491231002X``      ``110105********002X``
``card_number``  ``6225882708965808``        ``6225 **** **** 5808``
``phone``        ``13800138000``             ``138****8000``
``email``        ``zhang.san@example.com``   ``z***@example.com``
``name``         ``张三``                    ``张*``
``code``         ``123456``                  ``******``
===============  ==========================  =========================

One rule (:func:`keep_ends`) bounds every number: at most the field's allowed
prefix and suffix are ever shown, and only when the value is long enough that
at least a third of it stays hidden; a shorter (wrong-length) value shows
nothing at all -- so ``13912345678`` given as an ID number is ``****``, never
``139123*5678``.  Any other field is shown as it is (``user``).  :func:`scrub` masks anything
that looks like an ID, card or phone number inside free text (provider and
channel error messages), so text we do not control cannot leak them either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

STARS = "****"


def keep_ends(text: str, *, head: int, tail: int, middle: str | None = None) -> str:
    """*text* with all but its first *head* and last *tail* characters hidden -- the one masking rule.

    The ends are shown only if ``len(text) >= 1.5 * (head + tail)`` (at least a
    third stays hidden); otherwise nothing is shown (:data:`STARS`).  *middle*
    replaces the hidden part (default: one ``*`` per hidden character).
    """
    shown = head + tail
    if len(text) * 2 < shown * 3:
        return STARS
    hidden = middle if middle is not None else "*" * (len(text) - shown)
    return text[:head] + hidden + (text[len(text) - tail:] if tail else "")


def mask_id_number(value: str) -> str:
    """Keep the region (6) and the last 4 characters: ``110105********002X``."""
    return keep_ends(value.strip(), head=6, tail=4)


def mask_card_number(value: str) -> str:
    """Keep the first and last 4 digits: ``6225 **** **** 5808`` (length not revealed)."""
    digits = re.sub(r"[\s-]", "", value)
    return keep_ends(digits, head=4, tail=4, middle=f" {STARS} {STARS} ")


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits: ``138****8000``."""
    return keep_ends(re.sub(r"[\s-]", "", value), head=3, tail=4, middle=STARS)


def mask_email(value: str) -> str:
    """Keep the first character of the local part and the domain: ``z***@example.com``."""
    local, at, domain = value.strip().partition("@")
    if not at:
        return STARS
    return f"{local[:1]}***@{domain}"


def mask_name(value: str) -> str:
    """Keep the first character: ``张*``, ``J***``."""
    text = value.strip()
    if not text:
        return ""
    return text[0] + "*" * max(1, min(len(text) - 1, 3))


def mask_secret(value: str) -> str:
    """Show nothing of a code or secret but its length class."""
    return "*" * 6 if value else ""


MASKS: Mapping[str, Callable[[str], str]] = {
    "id_number": mask_id_number,
    "card_number": mask_card_number,
    "phone": mask_phone,
    "email": mask_email,
    "name": mask_name,
    "code": mask_secret,
    "secret": mask_secret,
    "token": mask_secret,
}

#: The fields whose values are personal data or secrets (masked by :func:`mask`).
PERSONAL_FIELDS = frozenset(MASKS)


def mask(field: str, value: str) -> str:
    """*value* of *field* as it may appear in any output: masked if the field is personal."""
    masker = MASKS.get(field)
    return masker(value) if masker is not None else value


def mask_all(values: Mapping[str, str]) -> dict[str, str]:
    """A copy of *values* with every personal field masked."""
    return {key: mask(key, value) for key, value in values.items()}


# Longest patterns first: an 18-character ID must not be scrubbed as a phone number.
_CARD_OR_ID = re.compile(
    r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15}|\d{4}(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?)(?![0-9A-Za-z])"
)
_PHONE = re.compile(r"(?<!\d)(\+?86[ -]?)?(1\d{2})[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _scrub_number(match: re.Match[str]) -> str:
    text = match.group(0)
    compact = re.sub(r"[ -]", "", text)
    if len(compact) in (15, 18) and compact[:17].isdigit():
        return mask_id_number(compact)
    return mask_card_number(compact)


def scrub(text: str) -> str:
    """*text* with every ID number, card number, phone number and email address masked."""
    text = _CARD_OR_ID.sub(_scrub_number, text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(2) + m.group(3) + m.group(4)), text)
    return _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
