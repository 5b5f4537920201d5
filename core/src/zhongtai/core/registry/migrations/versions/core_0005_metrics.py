"""Metrics: each process's cumulative call metrics, for ``zhongtai stats``.

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0005"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zt_metric",
        sa.Column("process", sa.String(200), primary_key=True),
        sa.Column("business", sa.String(128), primary_key=True),
        sa.Column("extension_point", sa.String(200), primary_key=True),
        sa.Column("plugin", sa.String(200), primary_key=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("buckets", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("zt_metric")
