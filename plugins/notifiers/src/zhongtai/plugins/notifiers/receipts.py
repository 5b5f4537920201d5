"""Delivery receipts from SMS providers: signed by the provider account's secret, recorded once.

A provider posts receipts for an account (``POST /v1/notifiers/receipts/{account}``
through the gateway, or :func:`accept_receipts`)::

    {"receipts": [{"id": "r-1", "reference": "msg_...", "status": "delivered", "detail": ""}]}

with ``X-Zhongtai-Signature: sha256=<hex HMAC-SHA256>`` keyed by the account's
secret over the body's canonical JSON (keys sorted, ``","`` and ``":"``
separators, UTF-8, no ASCII escaping) -- so re-serialising by the gateway cannot
break it.  Every value is a string.  ``reference`` is the message id the SMS
channel gave the provider.  A receipt is recorded once per (account, ``id``): a
provider retrying a callback changes nothing (``duplicates`` counts them).
Receipts for messages that do not exist, or were not sent through that account's
business, are counted as ``unknown`` and not recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from zhongtai.core.errors import PermissionDenied, UserError
from zhongtai.core.registry.models import utcnow
from zhongtai.plugins.notifiers.accounts import accounts
from zhongtai.plugins.notifiers.models import OutboxRow, ReceiptRow, engine_of

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

STATUSES = ("delivered", "undelivered")
MAX_RECEIPTS = 1000
SIGNATURE_HEADER = "x-zhongtai-signature"


@attrs.frozen
class ReceiptResult:
    recorded: int = 0
    duplicates: int = 0
    unknown: int = 0


def canonical(body: Any) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(secret: str, body: Any) -> str:
    """The signature header value for *body* (what a provider -- or a test -- sends)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), canonical(body), hashlib.sha256).hexdigest()


def _receipts(body: Any) -> list[Mapping[str, str]]:
    items = body.get("receipts") if isinstance(body, Mapping) else None
    if not isinstance(items, list) or not items:
        raise UserError('a receipt body is {"receipts": [{"id", "reference", "status", "detail"}, ...]}')
    if len(items) > MAX_RECEIPTS:
        raise UserError(f"at most {MAX_RECEIPTS} receipts per request")
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or not all(isinstance(v, str) for v in item.values()):
            raise UserError(f"receipts[{index}] must be an object of strings")
        if not (0 < len(item.get("id", "")) <= 200) or not (0 < len(item.get("reference", "")) <= 40):
            raise UserError(f"receipts[{index}] needs an id (1-200 characters) and a reference (a message id)")
        if item.get("status") not in STATUSES:
            raise UserError(f"receipts[{index}].status must be one of {', '.join(STATUSES)}")
    return items


def accept_receipts(platform: Platform, account: str, body: Any, signature: str) -> ReceiptResult:
    """Verify *signature* with *account*'s secret, then record each new receipt once."""
    found = next((a for a in accounts(platform) if a.name == account and a.channel == "sms"), None)
    if found is None or not found.secret_ref:
        raise PermissionDenied(f"no SMS provider account {account!r} with a secret to verify receipts")
    expected = sign(found.secret(), body)
    if not hmac.compare_digest(expected, signature or ""):
        raise PermissionDenied("the receipt signature does not verify")
    items = _receipts(body)
    result = ReceiptResult()
    now = utcnow()
    with engine_of(platform).begin() as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        businesses = dict(connection.execute(select(OutboxRow.id, OutboxRow.business).where(
            OutboxRow.id.in_(sorted({i["reference"] for i in items})))).all())
        for item in items:
            business = businesses.get(item["reference"])
            if business is None or not found.allows(business):
                result = attrs.evolve(result, unknown=result.unknown + 1)
                continue
            inserted = connection.execute(dialect.insert(ReceiptRow).values(
                account=account, receipt_id=item["id"], message_id=item["reference"], status=item["status"],
                detail=item.get("detail", "")[:500], received_at=now,
            ).on_conflict_do_nothing().returning(ReceiptRow.receipt_id)).first()
            if inserted is None:
                result = attrs.evolve(result, duplicates=result.duplicates + 1)
            else:
                result = attrs.evolve(result, recorded=result.recorded + 1)
    return result


@attrs.frozen
class Receipt:
    account: str
    receipt_id: str
    status: str
    detail: str


def receipts_of(platform: Platform, message_id: str) -> list[Receipt]:
    with engine_of(platform).connect() as connection:
        rows = connection.execute(select(ReceiptRow).where(ReceiptRow.message_id == message_id)
                                  .order_by(ReceiptRow.received_at)).all()
    return [Receipt(r.account, r.receipt_id, r.status, r.detail) for r in rows]
