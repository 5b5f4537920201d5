"""Content control and cost: template registry, SMS signatures, prices, budgets and spend, provider accounts.

The outbox gains ``cost`` (the estimate charged when a message was accepted) and
``charges`` (per channel); existing rows cost nothing.

Revision ID: notifiers_0002
Revises: notifiers_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "notifiers_0002"
down_revision = "notifiers_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN, never a table copy: on SQLite, copying zt_notify_outbox would drop the
    # original table, and its ON DELETE CASCADE would take every zt_notify_attempt row with it
    op.add_column("zt_notify_outbox", sa.Column("cost", sa.String(40), nullable=False, server_default="0"))
    op.add_column("zt_notify_outbox", sa.Column("charges", sa.JSON(), nullable=False,
                                                server_default=sa.text("'{}'")))
    op.create_table(
        "zt_notify_template",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("business", sa.String(128), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_by", sa.String(200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("business", "name", "version", name="uq_notify_template_version"),
    )
    op.create_index("ix_notify_template_lookup", "zt_notify_template", ["business", "name", "status"])
    op.create_table(
        "zt_notify_signature",
        sa.Column("business", sa.String(128), primary_key=True),
        sa.Column("signature", sa.String(40), nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "zt_notify_price",
        sa.Column("channel", sa.String(120), primary_key=True),
        sa.Column("unit_price", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "zt_notify_budget",
        sa.Column("business", sa.String(128), primary_key=True),
        sa.Column("channel", sa.String(120), primary_key=True),
        sa.Column("period", sa.String(8), primary_key=True),
        sa.Column("limit_amount", sa.String(40), nullable=False),
        sa.Column("over", sa.String(8), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "zt_notify_spend",
        sa.Column("business", sa.String(128), primary_key=True),
        sa.Column("channel", sa.String(120), primary_key=True),
        sa.Column("period", sa.String(8), primary_key=True),
        sa.Column("period_start", sa.DateTime(), primary_key=True),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("exceeded_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "zt_notify_account",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("businesses", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("zt_notify_account", "zt_notify_spend", "zt_notify_budget", "zt_notify_price",
                  "zt_notify_signature", "zt_notify_template"):
        op.drop_table(table)
    op.drop_column("zt_notify_outbox", "charges")
    op.drop_column("zt_notify_outbox", "cost")
