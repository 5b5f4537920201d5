"""Broker transport: the outbox's ``published_at`` (when the relay last handed a message to the broker).

Revision ID: notifiers_0004
Revises: notifiers_0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "notifiers_0004"
down_revision = "notifiers_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("zt_notify_outbox", sa.Column("published_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("zt_notify_outbox", "published_at")
