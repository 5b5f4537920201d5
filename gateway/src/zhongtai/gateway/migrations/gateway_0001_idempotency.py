"""Gateway: the first answers of requests sent with an Idempotency-Key, shared by every gateway process.

Revision ID: gateway_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gateway_0001"
down_revision = None
branch_labels = ("gateway",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "zt_gateway_idempotency",
        sa.Column("principal", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("media_type", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_zt_gateway_idempotency_expires", "zt_gateway_idempotency", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_zt_gateway_idempotency_expires", table_name="zt_gateway_idempotency")
    op.drop_table("zt_gateway_idempotency")
