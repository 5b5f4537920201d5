"""Campaigns: ``zt_notify_campaign``, and the outbox's ``campaign_id``.

Revision ID: notifiers_0003
Revises: notifiers_0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "notifiers_0003"
down_revision = "notifiers_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no table copy: see notifiers_0002)
    op.add_column("zt_notify_outbox", sa.Column("campaign_id", sa.String(40), nullable=True))
    op.create_index("ix_zt_notify_outbox_campaign_id", "zt_notify_outbox", ["campaign_id"])
    op.create_table(
        "zt_notify_campaign",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("business", sa.String(128), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("template", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("audience", sa.Integer(), nullable=False),
        sa.Column("fanned_out", sa.Integer(), nullable=False),
        sa.Column("estimate", sa.String(40), nullable=False),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_notify_campaign_business", "zt_notify_campaign", ["business", "created_at"])


def downgrade() -> None:
    op.drop_table("zt_notify_campaign")
    op.drop_index("ix_zt_notify_outbox_campaign_id", "zt_notify_outbox")
    op.drop_column("zt_notify_outbox", "campaign_id")
