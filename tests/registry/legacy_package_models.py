"""The notifier and verification tables exactly as ``create_all`` made them before the packages had migrations.

Frozen copies of the models of that time (do not change them): tests create these
tables beside a migrated core registry, fill them, and check that
``zhongtai db upgrade`` adopts them in place without losing a row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zhongtai.plugins.notifiers.models import UTCDateTime
from zhongtai.plugins.verification.models import UtcDateTime


class NotifierBase(DeclarativeBase):
    pass


class VerificationBase(DeclarativeBase):
    pass


class OutboxRow(NotifierBase):
    """One message: what to send, to whom, when, and where it stands."""

    __tablename__ = "zt_notify_outbox"
    __table_args__ = (
        UniqueConstraint("business", "idempotency_key", name="uq_notify_outbox_idempotency"),
        Index("ix_notify_outbox_due", "state", "due_at"),
        Index("ix_notify_outbox_business_kind", "business", "kind", "state"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    business: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[dict[str, Any]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(200))
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    send_after: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AttemptRow(NotifierBase):
    """One channel's outcome for one delivery attempt of a message."""

    __tablename__ = "zt_notify_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("zt_notify_outbox.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))
    provider_response: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str] = mapped_column(String(120), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class OptOutRow(NotifierBase):
    """A recipient address that said no to marketing from a business (and its sub-businesses)."""

    __tablename__ = "zt_notify_optout"

    business: Mapped[str] = mapped_column(String(128), primary_key=True)
    address: Mapped[str] = mapped_column(String(400), primary_key=True)
    source: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RateRow(NotifierBase):
    """How many accepted messages one rate-limit key has in one fixed window."""

    __tablename__ = "zt_notify_rate"

    key: Mapped[str] = mapped_column(String(600), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class InboxRow(NotifierBase):
    """A message in a user's in-app inbox (at most once per message and user)."""

    __tablename__ = "zt_notify_inbox"
    __table_args__ = (
        UniqueConstraint("message_id", "user_id", name="uq_notify_inbox_message_user"),
        Index("ix_notify_inbox_user", "business", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SessionRow(VerificationBase):
    """One verification session: a flow run for a subject of a business."""

    __tablename__ = "zt_verification_session"
    __table_args__ = (Index("ix_zt_verification_session_business_created", "business", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    business: Mapped[str] = mapped_column(String(128))
    flow: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    subject: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # masked
    facts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # personal; emptied on the verdict
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class StepRow(VerificationBase):
    """One step of a session, with the challenge of a code step (digest only)."""

    __tablename__ = "zt_verification_step"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("zt_verification_session.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    component: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    shown: Mapped[str] = mapped_column(String(200), default="")  # masked
    reason: Mapped[str] = mapped_column(String(500), default="")
    code_digest: Mapped[str | None] = mapped_column(String(128), nullable=True)
    code_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    code_sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class VerificationAttemptRow(VerificationBase):
    """Every submission and every code sent, append-only, masked."""

    __tablename__ = "zt_verification_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("zt_verification_session.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    component: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # sent, passed, rejected, expired, error
    reason: Mapped[str] = mapped_column(String(500), default="")
    shown: Mapped[str] = mapped_column(String(200), default="")


class ReplayGuardRow(VerificationBase):
    """The last counter accepted per key (a TOTP secret's time step): codes are accepted once."""

    __tablename__ = "zt_verification_replay"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
