"""Recipient addresses: validation, normalisation and the keys used for consent and rate limits.

An address key is ``<type>:<normalised address>``: ``phone:+8613800138000``,
``email:ann@example.com``, ``webhook:https://example.com/hook``, ``user:42``.
Consent (opt-out) and per-recipient rate limits are kept per address key.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping

from zhongtai.core import outbound
from zhongtai.core.errors import UserError
from zhongtai.core.specs.notifiers import Recipient


class InvalidRecipient(UserError):
    """A recipient with no address, a malformed address or an unknown time zone."""


_PHONE = re.compile(r"^\+?[0-9]{5,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_phone(phone: str) -> str:
    """Digits with an optional leading ``+``; spaces, dashes, dots and brackets removed."""
    compact = re.sub(r"[\s\-().]", "", phone)
    if not _PHONE.match(compact):
        raise InvalidRecipient(f"invalid phone number {phone!r}")
    return compact


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased (consent must not depend on how someone typed it)."""
    compact = email.strip()
    if not _EMAIL.match(compact):
        raise InvalidRecipient(f"invalid email address {email!r}")
    return compact.lower()


def normalise_webhook(url: str) -> str:
    """A syntactically sound http(s) URL (see :func:`zhongtai.core.outbound.check_url`), else one line.

    Where it may go is decided at delivery, by the outbound guard.
    """
    compact = url.strip(" ")
    try:
        outbound.check_url(compact, what="the URL")
    except outbound.OutboundRefused as exc:
        raise InvalidRecipient(f"invalid webhook endpoint: {exc.message}") from None
    return compact


_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,76}$")


def check_headers(subject: str, headers: Mapping[str, str]) -> None:
    """Refuse a subject or extra header that could inject headers: line breaks, control characters,
    names outside RFC 5322's field-name characters (one line, :class:`UserError`)."""
    outbound.check_text("the subject", subject)
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise UserError(f"header name {str(name)[:40]!r} is not a valid header field name")
        outbound.check_text(f"header {name}", value if isinstance(value, str) else repr(value))


def validate_recipient(recipient: Recipient) -> Recipient:
    """*recipient* with its addresses normalised; :class:`InvalidRecipient` if unusable."""
    if recipient.empty:
        raise InvalidRecipient("the recipient has no address (phone, email, webhook or user id)")
    try:
        zoneinfo.ZoneInfo(recipient.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidRecipient(f"unknown time zone {recipient.timezone!r}") from None
    return Recipient(
        phone=normalise_phone(recipient.phone) if recipient.phone else None,
        email=normalise_email(recipient.email) if recipient.email else None,
        webhook=normalise_webhook(recipient.webhook) if recipient.webhook else None,
        user_id=recipient.user_id.strip() if recipient.user_id else None,
        timezone=recipient.timezone,
    )


def address_keys(recipient: Recipient) -> tuple[str, ...]:
    """The keys of every address of an already validated *recipient*."""
    keys = []
    if recipient.phone:
        keys.append(f"phone:{recipient.phone}")
    if recipient.email:
        keys.append(f"email:{recipient.email}")
    if recipient.webhook:
        keys.append(f"webhook:{recipient.webhook}")
    if recipient.user_id:
        keys.append(f"user:{recipient.user_id}")
    return tuple(keys)


def parse_address(text: str) -> str:
    """The address key of a command-line address.

    ``user:42`` is an in-app user, ``http(s)://...`` a webhook endpoint,
    anything with ``@`` an email address, anything else a phone number.  An
    address key (``phone:...``, ``email:...``, ``webhook:...``) is accepted too.
    """
    text = text.strip()
    kind, sep, rest = text.partition(":")
    if sep and kind in ("phone", "email", "webhook") and not rest.startswith("//"):
        text = rest.strip()
    if text.startswith("user:") and text[5:].strip():
        return f"user:{text[5:].strip()}"
    if text.startswith(("http://", "https://")):
        return f"webhook:{normalise_webhook(text)}"
    if "@" in text:
        return f"email:{normalise_email(text)}"
    return f"phone:{normalise_phone(text)}"


def masked_address(key: str) -> str:
    """An address key as the audit log may show it: ``phone:138****8000``, ``email:a***@example.com``,
    ``webhook:https://example.com/...``, ``user:4***``."""
    kind, _, value = key.partition(":")
    if kind == "phone":
        shown = value[:3] + "****" + value[-4:] if len(value) >= 11 else "****"
    elif kind == "email":
        local, _, domain = value.partition("@")
        shown = f"{local[:1]}***@{domain}"
    elif kind == "webhook":
        scheme, _, rest = value.partition("://")
        shown = f"{scheme}://{rest.split('/')[0].rsplit('@', 1)[-1]}/..."
    else:
        shown = value[:1] + "***"
    return f"{kind}:{shown}"
