"""PostgreSQL: NOTIFY ``zhongtai_registry`` whenever the registry revision moves.

The payload is ``<schema>:<revision>`` so listeners of registries in other
schemas of the same database can ignore it.  The notification is sent at commit,
so a listener never hears of a change it cannot read yet.  SQLite has no
NOTIFY; processes there rely on the revision check on the call path.

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None

CHANNEL = "zhongtai_registry"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE FUNCTION zt_notify_revision() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_SCHEMA || ':' || NEW.revision::text);
            RETURN NULL;
        END
        $$
    """)
    op.execute("""
        CREATE TRIGGER zt_registry_state_notify
        AFTER UPDATE OF revision ON zt_registry_state
        FOR EACH ROW WHEN (NEW.revision IS DISTINCT FROM OLD.revision)
        EXECUTE FUNCTION zt_notify_revision()
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS zt_registry_state_notify ON zt_registry_state")
    op.execute("DROP FUNCTION IF EXISTS zt_notify_revision()")
