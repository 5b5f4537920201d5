"""Drop ``zt_registry_state.schema_version``: ``alembic_version`` is the one schema version.

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("zt_registry_state") as batch:  # SQLite: copy-and-move
        batch.drop_column("schema_version")


def downgrade() -> None:
    with op.batch_alter_table("zt_registry_state") as batch:
        batch.add_column(sa.Column("schema_version", sa.Integer(), nullable=False, server_default="1"))
