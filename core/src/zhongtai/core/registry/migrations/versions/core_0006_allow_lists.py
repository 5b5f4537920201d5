"""Allow-lists: environment variables (``env:NAME`` secrets) and internal networks, per business.

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zt_secret_allow",
        sa.Column("business", sa.String(128), sa.ForeignKey("zt_business.code"), primary_key=True),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("allowed_by", sa.String(200), nullable=False),
        sa.Column("allowed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "zt_network_allow",
        sa.Column("business", sa.String(128), sa.ForeignKey("zt_business.code"), primary_key=True),
        sa.Column("target", sa.String(256), primary_key=True),
        sa.Column("allowed_by", sa.String(200), nullable=False),
        sa.Column("allowed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("zt_network_allow")
    op.drop_table("zt_secret_allow")
