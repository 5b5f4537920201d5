"""Baseline: the notifier tables as ``create_all`` made them before migrations (outbox, attempt, opt-out, rate, inbox).

Frozen history: it must keep creating exactly that schema.  A registry whose
notifier tables were already created by ``create_all`` keeps them (and their
rows): each table is created only when it is missing, and an existing one must
have the expected columns, or the upgrade fails and changes nothing.

Revision ID: notifiers_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from alembic.util import CommandError

revision = "notifiers_0001"
down_revision = None
branch_labels = ("notifiers",)
depends_on = "core_0001"


_Indexes = list[tuple[str, list[str], bool]]


def _tables() -> list[tuple[str, list[sa.Column[object]], list[sa.schema.SchemaItem], _Indexes]]:
    """(name, columns, constraints, indexes as (name, columns, unique))."""
    return [
        ("zt_notify_outbox", [
            sa.Column("id", sa.String(40), primary_key=True),
            sa.Column("business", sa.String(128), nullable=False),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("recipient", sa.JSON(), nullable=False),
            sa.Column("subject", sa.Text(), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column("template", sa.String(200), nullable=True),
            sa.Column("variables", sa.JSON(), nullable=False),
            sa.Column("headers", sa.JSON(), nullable=False),
            sa.Column("idempotency_key", sa.String(200), nullable=True),
            sa.Column("send_after", sa.DateTime(), nullable=True),
            sa.Column("due_at", sa.DateTime(), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("claimed_by", sa.String(120), nullable=True),
            sa.Column("claimed_until", sa.DateTime(), nullable=True),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
        ], [sa.UniqueConstraint("business", "idempotency_key", name="uq_notify_outbox_idempotency")], [
            ("ix_notify_outbox_due", ["state", "due_at"], False),
            ("ix_notify_outbox_business_kind", ["business", "kind", "state"], False),
        ]),
        ("zt_notify_attempt", [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("message_id", sa.String(40), sa.ForeignKey("zt_notify_outbox.id", ondelete="CASCADE"),
                      nullable=False),
            sa.Column("number", sa.Integer(), nullable=False),
            sa.Column("channel", sa.String(120), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("provider_response", sa.Text(), nullable=False),
            sa.Column("error", sa.Text(), nullable=False),
            sa.Column("worker", sa.String(120), nullable=False),
            sa.Column("at", sa.DateTime(), nullable=False),
        ], [], [("ix_zt_notify_attempt_message_id", ["message_id"], False)]),
        ("zt_notify_optout", [
            sa.Column("business", sa.String(128), primary_key=True),
            sa.Column("address", sa.String(400), primary_key=True),
            sa.Column("source", sa.String(40), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
        ], [], []),
        ("zt_notify_rate", [
            sa.Column("key", sa.String(600), primary_key=True),
            sa.Column("window_start", sa.DateTime(), primary_key=True),
            sa.Column("count", sa.Integer(), nullable=False),
        ], [], []),
        ("zt_notify_inbox", [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("business", sa.String(128), nullable=False),
            sa.Column("user_id", sa.String(200), nullable=False),
            sa.Column("message_id", sa.String(40), nullable=False),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("subject", sa.Text(), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("read_at", sa.DateTime(), nullable=True),
        ], [sa.UniqueConstraint("message_id", "user_id", name="uq_notify_inbox_message_user")], [
            ("ix_notify_inbox_user", ["business", "user_id", "created_at"], False),
        ]),
    ]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, columns, constraints, indexes in _tables():
        if name in existing:
            _check_existing(name, {column.name for column in columns})
            continue
        op.create_table(name, *columns, *constraints)
        for index, on, unique in indexes:
            op.create_index(index, name, on, unique=unique)


def _check_existing(name: str, expected: set[str]) -> None:
    found = {column["name"] for column in sa.inspect(op.get_bind()).get_columns(name)}
    if found != expected:
        raise CommandError(f"table {name} exists but is not the notifier table this baseline expects "
                           f"(missing {sorted(expected - found)}, unexpected {sorted(found - expected)})")


def downgrade() -> None:
    for name, *_ in reversed(_tables()):
        op.drop_table(name)
