"""alembic's environment script for zhongtai registries.

zhongtai always runs alembic through :mod:`zhongtai.core.registry.migrate`, which
opens the connection, takes the migration lock and begins the one transaction
all revisions run in; this script only hands that connection to alembic.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running the bare `alembic` tool
    raise RuntimeError("run migrations with `zhongtai db upgrade`, not the bare alembic command")

context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
