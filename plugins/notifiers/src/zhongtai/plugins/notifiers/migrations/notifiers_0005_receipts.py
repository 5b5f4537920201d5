"""Delivery receipts from SMS providers: ``zt_notify_receipt`` (once per account and receipt id).

Revision ID: notifiers_0005
Revises: notifiers_0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "notifiers_0005"
down_revision = "notifiers_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zt_notify_receipt",
        sa.Column("account", sa.String(100), primary_key=True),
        sa.Column("receipt_id", sa.String(200), primary_key=True),
        sa.Column("message_id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(500), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_notify_receipt_message", "zt_notify_receipt", ["message_id"])


def downgrade() -> None:
    op.drop_table("zt_notify_receipt")
