"""The ``notifiers.inbox`` channel: an in-app inbox in the registry database.

A message addressed to ``recipient.user_id`` becomes one row per (message,
user); delivering the same message again changes nothing, so the inbox is
exactly-once even though delivery is at-least-once.  :func:`inbox` and
:func:`mark_read` are the library API an app's backend calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from zhongtai.core.registry.models import utcnow
from zhongtai.core.specs.notifiers import SENT, Delivery, Message
from zhongtai.plugins.notifiers.channels.common import consent_block
from zhongtai.plugins.notifiers.models import InboxRow, engine_of
from zhongtai.sdk import PluginContext, hookimpl

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform


class InboxChannel:
    @hookimpl
    def notifiers_deliver(self, message: Message, context: PluginContext) -> Delivery | None:
        user = message.recipient.user_id
        if not user:
            return None
        blocked = consent_block(message, context)
        if blocked is not None:
            return blocked
        values = {
            "business": context.business, "user_id": user, "message_id": message.id, "kind": message.kind,
            "subject": message.subject, "body": message.body, "created_at": utcnow(), "read_at": None,
        }
        with engine_of(context.platform).begin() as connection:
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            stmt = dialect.insert(InboxRow).values(**values).on_conflict_do_nothing().returning(InboxRow.id)
            added = connection.execute(stmt).first() is not None
        return Delivery(context.plugin, SENT, provider_response="stored" if added else "already in the inbox")


#: The entry point's object.
plugin = InboxChannel()


@attrs.frozen
class InboxItem:
    id: int
    message_id: str
    kind: str
    subject: str
    body: str
    created_at: dt.datetime
    read_at: dt.datetime | None


def inbox(platform: Platform, business: str, user_id: str, *, unread_only: bool = False,
          limit: int = 50) -> list[InboxItem]:
    """*user_id*'s inbox at *business*, newest first."""
    conditions = [InboxRow.business == business, InboxRow.user_id == user_id]
    if unread_only:
        conditions.append(InboxRow.read_at.is_(None))
    with engine_of(platform).connect() as connection:
        rows = connection.execute(
            select(InboxRow).where(*conditions).order_by(InboxRow.created_at.desc(), InboxRow.id.desc())
            .limit(limit)
        ).all()
    return [InboxItem(r.id, r.message_id, r.kind, r.subject, r.body, r.created_at, r.read_at) for r in rows]


def mark_read(platform: Platform, business: str, user_id: str, ids: Sequence[int],
              *, now: dt.datetime | None = None) -> int:
    """Mark items of *user_id*'s inbox read; returns how many changed."""
    with engine_of(platform).begin() as connection:
        result = connection.execute(
            update(InboxRow)
            .where(InboxRow.business == business, InboxRow.user_id == user_id, InboxRow.id.in_(list(ids)),
                   InboxRow.read_at.is_(None))
            .values(read_at=now or utcnow())
            .returning(InboxRow.id)
        ).all()
    return len(result)
