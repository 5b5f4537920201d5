"""SQLAlchemy 2.x typed ORM models of the registry.

The schema itself is made by the alembic revisions in ``migrations/versions``
(the models must match the head revision; a test compares them).  Tables other
packages add (outbox, verification sessions ...) use their own ``DeclarativeBase``
on the same engine and their own alembic branch; see :mod:`zhongtai.core.registry.migrate`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RegistryState(Base):
    """A single row (id 1): the registry revision (grows with every change) and settings.

    The schema version is not here: it is the ``alembic_version`` table.
    """

    __tablename__ = "zt_registry_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    mode: Mapped[str] = mapped_column(String(32), default="development")
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BusinessRow(Base):
    __tablename__ = "zt_business"

    code: Mapped[str] = mapped_column(String(128), primary_key=True)
    parent: Mapped[str | None] = mapped_column(ForeignKey("zt_business.code"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class EnablementRow(Base):
    """A plugin's state at one business: enabled (with config) or disabled here."""

    __tablename__ = "zt_enablement"
    __table_args__ = (UniqueConstraint("business", "plugin", name="uq_enablement_business_plugin"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business: Mapped[str] = mapped_column(ForeignKey("zt_business.code"), index=True)
    plugin: Mapped[str] = mapped_column(String(200), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    #: A staged rollout (see :mod:`zhongtai.core.rollout`) and a running experiment's variants
    #: (see :mod:`zhongtai.core.experiments`), as JSON; ``None``: every subject, one config.
    rollout: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True, default=None)
    experiment: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True, default=None)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class AuditRow(Base):
    """Append-only change log; ``before``/``after`` have secrets masked."""

    __tablename__ = "zt_audit"
    __table_args__ = (Index("ix_audit_business_at", "business", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    revision: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    business: Mapped[str | None] = mapped_column(String(128))
    plugin: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")


class GrantRow(Base):
    """Who may change what: a platform admin, or a member of a business's owner team."""

    __tablename__ = "zt_grant"
    __table_args__ = (UniqueConstraint("actor", "role", "team", name="uq_grant_actor_role_team"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    role: Mapped[str] = mapped_column(String(16))  # "admin" or "member"
    team: Mapped[str] = mapped_column(String(200), default="")  # the owner team, for members
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CertificationRow(Base):
    """A distribution admitted in production mode, and the versions of it admitted."""

    __tablename__ = "zt_certification"

    distribution: Mapped[str] = mapped_column(String(200), primary_key=True)
    version_range: Mapped[str] = mapped_column(String(200))
    certified_by: Mapped[str] = mapped_column(String(200))
    certified_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MetricRow(Base):
    """Telemetry, not configuration: one process's cumulative call metrics for one series.

    Written by :func:`zhongtai.core.runtime.metrics_store.flush` (no audit row, no
    revision bump: nothing about any business's plugins changes); read by
    ``zhongtai stats``, which adds the processes up.
    """

    __tablename__ = "zt_metric"

    process: Mapped[str] = mapped_column(String(200), primary_key=True)
    business: Mapped[str] = mapped_column(String(128), primary_key=True)
    extension_point: Mapped[str] = mapped_column(String(200), primary_key=True)
    plugin: Mapped[str] = mapped_column(String(200), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    buckets: Mapped[list[int]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SecretAllowRow(Base):
    """An environment variable a business (and its subtree) may name as ``env:NAME`` in secret config."""

    __tablename__ = "zt_secret_allow"

    business: Mapped[str] = mapped_column(ForeignKey("zt_business.code"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    allowed_by: Mapped[str] = mapped_column(String(200))
    allowed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NetworkAllowRow(Base):
    """A host name or CIDR a business (and its subtree) may reach although it is internal."""

    __tablename__ = "zt_network_allow"

    business: Mapped[str] = mapped_column(ForeignKey("zt_business.code"), primary_key=True)
    target: Mapped[str] = mapped_column(String(256), primary_key=True)
    allowed_by: Mapped[str] = mapped_column(String(200))
    allowed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TokenRow(Base):
    """An API token (``zhongtai access tokens``): only a hash of its secret is stored.

    ``business`` is the subtree the token is bound to (``None``: the whole platform,
    admin tokens only); ``scope`` is ``call``, ``manage`` or ``admin``.
    """

    __tablename__ = "zt_token"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    business: Mapped[str | None] = mapped_column(String(128), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str] = mapped_column(String(200), default="")
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PilotRow(Base):
    """A business (and its subtree) listed by a platform admin as a pilot of an incubating plugin."""

    __tablename__ = "zt_pilot"

    plugin: Mapped[str] = mapped_column(String(200), primary_key=True)
    business: Mapped[str] = mapped_column(ForeignKey("zt_business.code"), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PromotionRow(Base):
    """An incubating plugin a platform admin promoted: it may now be enabled at any business."""

    __tablename__ = "zt_promotion"

    plugin: Mapped[str] = mapped_column(String(200), primary_key=True)
    promoted_by: Mapped[str] = mapped_column(String(200))
    promoted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExperimentRow(Base):
    """An A/B/n experiment: variants of one plugin's config at one business (see ``experiments.py``)."""

    __tablename__ = "zt_experiment"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    business: Mapped[str] = mapped_column(ForeignKey("zt_business.code"), index=True)
    plugin: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(200))  # the outcome event that counts as a conversion
    variants: Mapped[list[dict[str, object]]] = mapped_column(JSON)  # [{name, weight, config}]
    sample: Mapped[float] = mapped_column(Float, default=1.0)  # share of subjects whose exposure is recorded
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft, running, stopped
    winner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ExposureRow(Base):
    """Telemetry: the variant a subject was first served in an experiment (batched writes, no audit)."""

    __tablename__ = "zt_exposure"

    experiment: Mapped[str] = mapped_column(String(128), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    variant: Mapped[str] = mapped_column(String(64))
    business: Mapped[str] = mapped_column(String(128))
    first_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class EventRow(Base):
    """Telemetry: an outcome event (``order.paid``) of a subject at a business, with an optional value."""

    __tablename__ = "zt_event"
    __table_args__ = (Index("ix_event_name_subject", "name", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
