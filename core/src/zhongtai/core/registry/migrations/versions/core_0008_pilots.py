"""Pilot businesses of incubating plugins, and promotions (``zhongtai plugins pilots`` / ``promote``).

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0008"
down_revision = "core_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zt_pilot",
        sa.Column("plugin", sa.String(200), primary_key=True),
        sa.Column("business", sa.String(128), sa.ForeignKey("zt_business.code"), primary_key=True),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "zt_promotion",
        sa.Column("plugin", sa.String(200), primary_key=True),
        sa.Column("promoted_by", sa.String(200), nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("zt_promotion")
    op.drop_table("zt_pilot")
