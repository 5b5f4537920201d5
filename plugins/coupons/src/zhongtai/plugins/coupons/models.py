"""The coupon tables, on the registry's engine, made by the ``coupons`` alembic branch.

``metadata`` must match the head of :mod:`zhongtai.plugins.coupons.migrations`
(a test compares them).  Amounts that SQL adds up (budgets, reserved
discounts) are integers of the currency's minor unit; template terms are
decimal text.  Times are aware UTC (stored naive, see ``UTCDateTime``).

Balances live in two places that :mod:`.reconcile` checks against the
append-only ledger: the counters of a template row (``issued``, ``used``,
``spent_minor``) and the state of each coupon row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zhongtai.plugins.notifiers.models import UTCDateTime

#: 64-bit ids that are still SQLite rowid aliases (autoincrement there needs INTEGER).
Id64 = BigInteger().with_variant(Integer(), "sqlite")

# coupon states (stored); "expired" is derived from valid_until when reading
VALID = "valid"
RESERVED = "reserved"
USED = "used"
EXPIRED = "expired"
STATES = (VALID, RESERVED, USED, EXPIRED)

# ledger events
ISSUED = "issued"
RESERVE = "reserve"
CONFIRM = "confirm"
RELEASE = "release"
EVENTS = (ISSUED, RESERVE, CONFIRM, RELEASE)


class CouponBase(DeclarativeBase):
    pass


metadata = CouponBase.metadata


class TemplateRow(CouponBase):
    """A coupon template of one business (usable there and below), with its budget counters."""

    __tablename__ = "zt_coupon_template"
    __table_args__ = (UniqueConstraint("business", "name", name="uq_coupon_template_business_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    value: Mapped[str] = mapped_column(String(40))
    min_spend: Mapped[str] = mapped_column(String(40), default="0")
    repeat: Mapped[bool] = mapped_column(default=False)
    free_sku: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    valid_days: Mapped[int | None] = mapped_column(Integer)
    stacking_group: Mapped[str] = mapped_column(String(64), default="")
    max_issued: Mapped[int | None] = mapped_column(BigInteger)
    max_value_minor: Mapped[int | None] = mapped_column(BigInteger)
    per_user_limit: Mapped[int | None] = mapped_column(Integer)
    skus: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    issued: Mapped[int] = mapped_column(BigInteger, default=0)
    used: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class CouponRow(CouponBase):
    """One issued coupon: whose, where, valid when, and where it stands."""

    __tablename__ = "zt_coupon"
    __table_args__ = (
        UniqueConstraint("code", name="uq_coupon_code"),
        Index("ix_coupon_wallet", "business", "user_id", "id"),
        Index("ix_coupon_template_user", "template_id", "user_id"),
        Index("uq_coupon_request", "business", "request_id", unique=True,
              postgresql_where=text("request_id IS NOT NULL"), sqlite_where=text("request_id IS NOT NULL")),
        Index("ix_coupon_order", "order_id",
              postgresql_where=text("order_id IS NOT NULL"), sqlite_where=text("order_id IS NOT NULL")),
        Index("ix_coupon_job", "job_id", "id",
              postgresql_where=text("job_id IS NOT NULL"), sqlite_where=text("job_id IS NOT NULL")),
        Index("ix_coupon_reserved", "reserved_until",
              postgresql_where=text("state = 'reserved'"), sqlite_where=text("state = 'reserved'")),
    )

    id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[int] = mapped_column(Integer)
    business: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    request_id: Mapped[str | None] = mapped_column(String(200))
    job_id: Mapped[str | None] = mapped_column(String(40))
    order_id: Mapped[str | None] = mapped_column(String(200))
    reserved_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LedgerRow(CouponBase):
    """Append-only: every issue (per coupon, or per bulk chunk with ``quantity``), reserve, confirm, release."""

    __tablename__ = "zt_coupon_ledger"
    __table_args__ = (Index("ix_coupon_ledger_template", "template_id", "event"),)

    id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    business: Mapped[str] = mapped_column(String(128))
    template_id: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    coupon_id: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[str | None] = mapped_column(String(200))
    order_id: Mapped[str | None] = mapped_column(String(200))
    job_id: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")


class JobRow(CouponBase):
    """A bulk issue: which audience, how far it got (committed with each chunk), what it did."""

    __tablename__ = "zt_coupon_job"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    business: Mapped[str] = mapped_column(String(128))
    template_id: Mapped[int] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    total: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    issued: Mapped[int] = mapped_column(BigInteger, default=0)
    skipped: Mapped[int] = mapped_column(BigInteger, default=0)
    notify: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    notified_id: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AttemptRow(CouponBase):
    """Wrong codes one user typed at one business in one fixed window (the redemption throttle)."""

    __tablename__ = "zt_coupon_attempt"

    business: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
