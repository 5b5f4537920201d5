"""Trace context: the W3C ``traceparent`` of the request that started a session (docs/observability.md).

Revision ID: verification_0003
Revises: verification_0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "verification_0003"
down_revision = "verification_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("zt_verification_session", sa.Column("trace_context", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("zt_verification_session", "trace_context")
