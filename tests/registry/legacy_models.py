"""A frozen copy of the zhongtai 0.1 registry models: the schema registries had before migrations.

Used to make "legacy" registries exactly as 0.1 did (``create_all`` + the state
row) and to prove that the baseline migration ``core_0001`` creates this very
schema.  Never change it: it is history.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class LegacyBase(DeclarativeBase):
    pass


class RegistryState(LegacyBase):
    __tablename__ = "zt_registry_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    schema_version: Mapped[int] = mapped_column(Integer, default=1)
    mode: Mapped[str] = mapped_column(String(32), default="development")
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class BusinessRow(LegacyBase):
    __tablename__ = "zt_business"

    code: Mapped[str] = mapped_column(String(128), primary_key=True)
    parent: Mapped[str | None] = mapped_column(ForeignKey("zt_business.code"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class EnablementRow(LegacyBase):
    __tablename__ = "zt_enablement"
    __table_args__ = (UniqueConstraint("business", "plugin", name="uq_enablement_business_plugin"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business: Mapped[str] = mapped_column(ForeignKey("zt_business.code"), index=True)
    plugin: Mapped[str] = mapped_column(String(200), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class AuditRow(LegacyBase):
    __tablename__ = "zt_audit"
    __table_args__ = (Index("ix_audit_business_at", "business", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    revision: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    business: Mapped[str | None] = mapped_column(String(128))
    plugin: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")


def create_legacy_registry(connection: Connection) -> None:
    """What zhongtai 0.1's ``Registry.ensure_schema`` did on an empty database."""
    LegacyBase.metadata.create_all(connection)
    connection.execute(RegistryState.__table__.insert().values(
        id=1, revision=0, schema_version=1, mode="development", changed_at=dt.datetime.now(dt.UTC)))
