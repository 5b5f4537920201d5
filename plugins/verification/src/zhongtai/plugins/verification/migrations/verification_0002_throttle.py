"""Per-subject throttle across sessions: codes per window, consecutive failures, lock-out.

Revision ID: verification_0002
Revises: verification_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "verification_0002"
down_revision = "verification_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zt_verification_throttle",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("zt_verification_throttle")
