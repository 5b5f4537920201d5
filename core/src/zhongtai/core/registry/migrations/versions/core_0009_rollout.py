"""Staged rollout and experiments: rollout/experiment on enablements, experiments, exposures, events.

Revision ID: core_0009
Revises: core_0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0009"
down_revision = "core_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("zt_enablement", sa.Column("rollout", sa.JSON(), nullable=True))
    op.add_column("zt_enablement", sa.Column("experiment", sa.JSON(), nullable=True))
    op.create_table(
        "zt_experiment",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("business", sa.String(128), sa.ForeignKey("zt_business.code"), nullable=False, index=True),
        sa.Column("plugin", sa.String(200), nullable=False),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("sample", sa.Float(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("winner", sa.String(64), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "zt_exposure",
        sa.Column("experiment", sa.String(128), primary_key=True),
        sa.Column("subject", sa.String(200), primary_key=True),
        sa.Column("variant", sa.String(64), nullable=False),
        sa.Column("business", sa.String(128), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "zt_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("business", sa.String(128), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_event_name_subject", "zt_event", ["name", "subject"])


def downgrade() -> None:
    op.drop_index("ix_event_name_subject", table_name="zt_event")
    op.drop_table("zt_event")
    op.drop_table("zt_exposure")
    op.drop_table("zt_experiment")
    with op.batch_alter_table("zt_enablement") as batch:
        batch.drop_column("experiment")
        batch.drop_column("rollout")
