"""Trace context: the W3C ``traceparent`` of the work that queued a message (docs/observability.md).

Revision ID: notifiers_0006
Revises: notifiers_0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "notifiers_0006"
down_revision = "notifiers_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("zt_notify_outbox", sa.Column("trace_context", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("zt_notify_outbox", "trace_context")
