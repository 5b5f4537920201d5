"""Signatures: Standard Webhooks (``webhook-id/-timestamp/-signature``) and unsubscribe tokens.

Standard Webhooks (https://www.standardwebhooks.com): the signed content is
``f"{msg_id}.{timestamp}.{payload}"``, signed with HMAC-SHA256 keyed by the
base64-decoded part of the secret after ``whsec_``, sent as ``v1,<base64>``
(several space-separated signatures are allowed, for key rotation).

Unsubscribe tokens are ``<base64url(json)>.<base64url(hmac-sha256)>`` carrying
the business and the address key, signed with the business's unsubscribe secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping

import attrs

from zhongtai.core.errors import UserError

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60


class SignatureError(UserError):
    """A webhook signature or unsubscribe token that does not verify, or an unusable key."""


def webhook_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_...`` secret (base64 after the prefix)."""
    encoded = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("the webhook secret must be 'whsec_' followed by base64") from None
    if not key:
        raise SignatureError("the webhook secret is empty")
    return key


def sign_webhook(secret: str, msg_id: str, timestamp: int, payload: str | bytes) -> str:
    """The ``webhook-signature`` header value (``v1,<base64>``) for one message."""
    body = payload.encode() if isinstance(payload, str) else payload
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(webhook_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_headers(secret: str, msg_id: str, timestamp: int, payload: str | bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one delivery."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_webhook(secret, msg_id, timestamp, payload),
    }


def verify_webhook(
    secret: str, headers: Mapping[str, str], payload: str | bytes, *, now: int,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """Verify a received webhook; return its ``webhook-id`` or raise :class:`SignatureError`.

    *headers* keys are matched case-insensitively; the timestamp must be within
    *tolerance* seconds of *now* (replay protection).
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id = lowered["webhook-id"]
        timestamp = int(lowered["webhook-timestamp"])
        signatures = lowered["webhook-signature"]
    except (KeyError, ValueError):
        raise SignatureError("missing or malformed webhook-id/-timestamp/-signature headers") from None
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"webhook timestamp {timestamp} is outside the tolerance of {tolerance} s")
    expected = sign_webhook(secret, msg_id, timestamp, payload).split(",", 1)[1]
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return msg_id
    raise SignatureError("no webhook signature matches")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@attrs.frozen
class UnsubscribeClaim:
    """What an unsubscribe token says: this address no longer wants marketing from this business."""

    business: str
    address: str


def make_unsubscribe_token(secret: str, business: str, address: str) -> str:
    """A token for the one-click unsubscribe link of *address* (an address key) at *business*."""
    if not secret:
        raise SignatureError(f"business {business} has no unsubscribe secret configured")
    body = _b64(json.dumps({"b": business, "a": address}, separators=(",", ":")).encode())
    mac = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def read_unsubscribe_token(token: str) -> UnsubscribeClaim:
    """The claim inside *token*, unverified (to find the business whose secret verifies it)."""
    body, _, _mac = token.partition(".")
    try:
        data = json.loads(_unb64(body))
        return UnsubscribeClaim(business=str(data["b"]), address=str(data["a"]))
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise SignatureError("malformed unsubscribe token") from None


def verify_unsubscribe_token(secret: str, token: str) -> UnsubscribeClaim:
    """The claim of a genuine *token*, or :class:`SignatureError`."""
    claim = read_unsubscribe_token(token)
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
    if not secret or not hmac.compare_digest(mac, expected):
        raise SignatureError("the unsubscribe token's signature does not verify")
    return claim
