"""SQLAlchemy tables of verification sessions, in the registry's database.

The tables use their own ``DeclarativeBase``; the ``verification`` alembic
branch (:mod:`zhongtai.plugins.verification.migrations`) creates and changes them.
Table names start with ``zt_`` so the registry recognises them as its own.

Nothing here holds a one-time code (only its keyed digest).  ``facts`` holds the
subject's personal data while a session is open and is emptied when the session
gets its verdict; every other column holds masked values only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

OPEN = "open"
PASSED = "passed"
FAILED = "failed"
EXPIRED = "expired"  # shown for an open session past its expiry; never stored

PENDING = "pending"
ACTIVE = "active"


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("verification timestamps must be timezone-aware")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


#: The verification package's tables, for migrations (``alembic`` ``target_metadata``).
metadata = Base.metadata


class SessionRow(Base):
    """One verification session: a flow run for a subject of a business."""

    __tablename__ = "zt_verification_session"
    __table_args__ = (Index("ix_zt_verification_session_business_created", "business", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    business: Mapped[str] = mapped_column(String(128))
    flow: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    reason: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    subject: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # masked
    facts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # personal; emptied on the verdict
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # verification_0003: the W3C traceparent of the request that started it (later steps' spans link to it)
    trace_context: Mapped[str | None] = mapped_column(String(200), nullable=True)


class StepRow(Base):
    """One step of a session, with the challenge of a code step (digest only)."""

    __tablename__ = "zt_verification_step"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("zt_verification_session.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    component: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    shown: Mapped[str] = mapped_column(String(200), default="")  # masked
    reason: Mapped[str] = mapped_column(String(500), default="")
    code_digest: Mapped[str | None] = mapped_column(String(128), nullable=True)
    code_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    code_sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AttemptRow(Base):
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


class ReplayGuardRow(Base):
    """The last counter accepted per key (a TOTP secret's time step): codes are accepted once."""

    __tablename__ = "zt_verification_replay"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ThrottleRow(Base):
    """Per-subject counters across sessions (verification_0002): codes sent in the current window,
    consecutive failed attempts, and a lock-out.  ``key`` is a keyed digest of one subject
    identifier -- no personal data is stored."""

    __tablename__ = "zt_verification_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
