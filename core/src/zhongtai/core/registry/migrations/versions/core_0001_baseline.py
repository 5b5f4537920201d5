"""Baseline: the registry as zhongtai 0.1 created it (state, business, enablement, audit).

This is frozen history: it must keep creating exactly the schema of the first
release (``SCHEMA_VERSION`` 1), so registries made before alembic can be
stamped with it.  Change the schema in later revisions.

Revision ID: core_0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "core_0001"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    state = op.create_table(
        "zt_registry_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "zt_business",
        sa.Column("code", sa.String(128), primary_key=True),
        sa.Column("parent", sa.String(128), sa.ForeignKey("zt_business.code"), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_zt_business_parent", "zt_business", ["parent"])
    op.create_table(
        "zt_enablement",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("business", sa.String(128), sa.ForeignKey("zt_business.code"), nullable=False),
        sa.Column("plugin", sa.String(200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("business", "plugin", name="uq_enablement_business_plugin"),
    )
    op.create_index("ix_zt_enablement_business", "zt_enablement", ["business"])
    op.create_index("ix_zt_enablement_plugin", "zt_enablement", ["plugin"])
    op.create_table(
        "zt_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("business", sa.String(128), nullable=True),
        sa.Column("plugin", sa.String(200), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_business_at", "zt_audit", ["business", "at"])
    op.create_index("ix_zt_audit_revision", "zt_audit", ["revision"])
    op.bulk_insert(state, [{
        "id": 1, "revision": 0, "schema_version": 1, "mode": "development",
        "changed_at": dt.datetime.now(dt.UTC),
    }])


def downgrade() -> None:
    op.drop_table("zt_audit")
    op.drop_table("zt_enablement")
    op.drop_table("zt_business")
    op.drop_table("zt_registry_state")
