"""Baseline: the verification tables as ``create_all`` made them before migrations (session, step, attempt, replay).

Frozen history: it must keep creating exactly that schema.  A registry whose
verification tables were already created by ``create_all`` keeps them (and their
rows): each table is created only when it is missing, and an existing one must
have the expected columns, or the upgrade fails and changes nothing.

Revision ID: verification_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from alembic.util import CommandError

revision = "verification_0001"
down_revision = None
branch_labels = ("verification",)
depends_on = "core_0001"


def _tables() -> list[tuple[str, list[sa.Column[object]], list[tuple[str, list[str]]]]]:
    """(name, columns, indexes as (name, columns))."""
    return [
        ("zt_verification_session", [
            sa.Column("id", sa.String(64), primary_key=True),
            sa.Column("business", sa.String(128), nullable=False),
            sa.Column("flow", sa.String(100), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("reason", sa.String(500), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.Column("subject", sa.JSON(), nullable=False),
            sa.Column("facts", sa.JSON(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
        ], [("ix_zt_verification_session_business_created", ["business", "created_at"])]),
        ("zt_verification_step", [
            sa.Column("session_id", sa.String(64),
                      sa.ForeignKey("zt_verification_session.id", ondelete="CASCADE"), primary_key=True),
            sa.Column("position", sa.Integer(), primary_key=True),
            sa.Column("component", sa.String(100), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("shown", sa.String(200), nullable=False),
            sa.Column("reason", sa.String(500), nullable=False),
            sa.Column("code_digest", sa.String(128), nullable=True),
            sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("code_sent_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("sends", sa.Integer(), nullable=False),
            sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        ], []),
        ("zt_verification_attempt", [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("session_id", sa.String(64),
                      sa.ForeignKey("zt_verification_session.id", ondelete="CASCADE"), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.Column("component", sa.String(100), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("outcome", sa.String(16), nullable=False),
            sa.Column("reason", sa.String(500), nullable=False),
            sa.Column("shown", sa.String(200), nullable=False),
        ], [("ix_zt_verification_attempt_session_id", ["session_id"])]),
        ("zt_verification_replay", [
            sa.Column("key", sa.String(100), primary_key=True),
            sa.Column("counter", sa.BigInteger(), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        ], []),
    ]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, columns, indexes in _tables():
        if name in existing:
            _check_existing(name, {column.name for column in columns})
            continue
        op.create_table(name, *columns)
        for index, on in indexes:
            op.create_index(index, name, on)


def _check_existing(name: str, expected: set[str]) -> None:
    found = {column["name"] for column in sa.inspect(op.get_bind()).get_columns(name)}
    if found != expected:
        raise CommandError(f"table {name} exists but is not the verification table this baseline expects "
                           f"(missing {sorted(expected - found)}, unexpected {sorted(found - expected)})")


def downgrade() -> None:
    for name, *_ in reversed(_tables()):
        op.drop_table(name)
