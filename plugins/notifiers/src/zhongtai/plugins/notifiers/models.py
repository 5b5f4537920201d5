"""The notifier tables, on the registry's engine but with their own ``DeclarativeBase``.

``metadata`` describes them; the ``notifiers`` alembic branch
(:mod:`zhongtai.plugins.notifiers.migrations`) creates and changes them.

Times are stored as naive UTC on both SQLite and PostgreSQL (:class:`UTCDateTime`)
and come back timezone-aware, so comparisons in SQL and in Python agree.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as naive UTC; naive input is refused."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: notifier times must be timezone-aware")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class NotifierBase(DeclarativeBase):
    pass


#: The notifier tables; every change to them is a revision in ``migrations/``.
metadata = NotifierBase.metadata

# message states
PENDING = "pending"  # waiting for due_at
SENDING = "sending"  # claimed by a worker until claimed_until
SENT = "sent"  # every channel that applies has delivered (or suppressed) it
DEAD = "dead"  # gave up: reason says why
SUPPRESSED = "suppressed"  # marketing to a recipient who opted out
REFUSED = "refused"  # refused at send time (rate limit, budget): reason says why
HELD = "held"  # over its business's budget: waits until released (``zhongtai notify budget release``)
PAUSED = "paused"  # its campaign is paused: waits until resumed
CANCELLED = "cancelled"  # its campaign was cancelled before it went out
STATES = (PENDING, SENDING, SENT, DEAD, SUPPRESSED, REFUSED, HELD, PAUSED, CANCELLED)
FINAL_STATES = (SENT, DEAD, SUPPRESSED, REFUSED, CANCELLED)


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
    # notifiers_0002: what the message was estimated to cost when accepted (charged to the budgets)
    cost: Mapped[str] = mapped_column(String(40), default="0")
    charges: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # channel -> amount
    # notifiers_0003: the campaign it belongs to
    campaign_id: Mapped[str | None] = mapped_column(String(40), index=True)
    # notifiers_0004: when the relay last handed it to the broker (broker transport only)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # notifiers_0006: the W3C traceparent of the work that queued it (the delivery span links to it)
    trace_context: Mapped[str | None] = mapped_column(String(200))


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


def engine_of(platform: Platform) -> Engine:
    """The registry engine of *platform*, its schema (notifier tables included) checked.

    The tables are made by the ``notifiers`` alembic branch (``zhongtai db
    upgrade``, or automatically when the registry is created); a registry whose
    branch is behind is refused with "run ``zhongtai db upgrade``".
    """
    platform.registry.ensure_schema()
    engine: Engine = platform.registry.engine
    return engine


# -- notifiers_0002: content control and cost ------------------------------------------
DRAFT = "draft"
APPROVED = "approved"
RETIRED = "retired"
TEMPLATE_STATUSES = (DRAFT, APPROVED, RETIRED)


class TemplateRow(NotifierBase):
    """One version of a registry template; at most one version per (business, name) is approved."""

    __tablename__ = "zt_notify_template"
    __table_args__ = (
        UniqueConstraint("business", "name", "version", name="uq_notify_template_version"),
        Index("ix_notify_template_lookup", "business", "name", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SignatureRow(NotifierBase):
    """A business's approved SMS signature (【签名】), inherited by its sub-businesses."""

    __tablename__ = "zt_notify_signature"

    business: Mapped[str] = mapped_column(String(128), primary_key=True)
    signature: Mapped[str] = mapped_column(String(40))
    approved_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PriceRow(NotifierBase):
    """The platform's price of one unit on a channel (an SMS segment, an email, a webhook call ...)."""

    __tablename__ = "zt_notify_price"

    channel: Mapped[str] = mapped_column(String(120), primary_key=True)
    unit_price: Mapped[str] = mapped_column(String(40))  # a decimal, exact
    currency: Mapped[str] = mapped_column(String(8))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BudgetRow(NotifierBase):
    """A spending limit of a business on one channel per day or month; ``over`` is ``hold`` or ``refuse``."""

    __tablename__ = "zt_notify_budget"

    business: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(120), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    limit_amount: Mapped[str] = mapped_column(String(40))
    over: Mapped[str] = mapped_column(String(8))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SpendRow(NotifierBase):
    """What a business was charged on a channel in one day or month (counted when messages are accepted)."""

    __tablename__ = "zt_notify_spend"

    business: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(120), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    amount: Mapped[str] = mapped_column(String(40))
    exceeded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AccountRow(NotifierBase):
    """A provider account (SMS gateway, mail server) set up by a platform admin; businesses pick it by name."""

    __tablename__ = "zt_notify_account"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # sms | email
    provider: Mapped[str] = mapped_column(String(16))  # sms: http | fake; email: smtp
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # url/host/port/sender ...
    secret: Mapped[str] = mapped_column(String(200), default="")  # env:NAME, resolved when used
    businesses: Mapped[list[str]] = mapped_column(JSON, default=list)  # who may use it ([] = everyone)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# -- notifiers_0003: campaigns -------------------------------------------------------------
CAMPAIGN_ACTIVE = "active"
CAMPAIGN_PAUSED = "paused"
CAMPAIGN_CANCELLED = "cancelled"


class CampaignRow(NotifierBase):
    """A campaign: one template sent to an audience, fanned out into outbox messages."""

    __tablename__ = "zt_notify_campaign"
    __table_args__ = (Index("ix_notify_campaign_business", "business", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    business: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    audience: Mapped[int] = mapped_column(Integer, default=0)  # recipients read so far
    fanned_out: Mapped[int] = mapped_column(Integer, default=0)  # 1 when every recipient is in the outbox
    estimate: Mapped[str] = mapped_column(String(40), default="0")
    segments: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # SMS segments -> recipients
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# -- notifiers_0005: delivery receipts -------------------------------------------------------
class ReceiptRow(NotifierBase):
    """A provider's delivery receipt for a message, once per (account, receipt id)."""

    __tablename__ = "zt_notify_receipt"
    __table_args__ = (Index("ix_notify_receipt_message", "message_id"),)

    account: Mapped[str] = mapped_column(String(100), primary_key=True)
    receipt_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))  # delivered | undelivered
    detail: Mapped[str] = mapped_column(String(500), default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
