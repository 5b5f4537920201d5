"""Governance: grants (platform admins, owner-team members) and production admission.

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zt_grant",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("actor", "role", "team", name="uq_grant_actor_role_team"),
    )
    op.create_index("ix_zt_grant_actor", "zt_grant", ["actor"])
    op.create_table(
        "zt_certification",
        sa.Column("distribution", sa.String(200), primary_key=True),
        sa.Column("version_range", sa.String(200), nullable=False),
        sa.Column("certified_by", sa.String(200), nullable=False),
        sa.Column("certified_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("zt_certification")
    op.drop_index("ix_zt_grant_actor", table_name="zt_grant")
    op.drop_table("zt_grant")
