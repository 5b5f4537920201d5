"""SQLite write transactions that read first take the write lock first (``Registry.write_engine``).

A deferred SQLite transaction that reads and then writes fails at once with
"database is locked" when another connection committed in between: SQLite
cannot wait there, whatever the busy timeout.  The gateway met it in CI: a
verification start (it reads its throttles, then writes) while the token
touch of the previous request committed.  ``write_engine`` begins with
``BEGIN IMMEDIATE``, so the other writer waits instead.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from zhongtai.core.registry.store import Registry

READ = text("SELECT count(*) FROM scratch")
WRITE = text("INSERT INTO scratch VALUES (1)")


def _other_writer(registry: Registry, done: threading.Event) -> threading.Thread:
    def write() -> None:
        with registry.engine.begin() as connection:
            connection.execute(WRITE)
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_a_transaction_that_reads_then_writes_waits_for_the_other_writer_instead_of_failing(tmp_path: Path) -> None:
    registry = Registry(f"sqlite:///{tmp_path / 'registry.db'}")
    registry.ensure_schema()  # a registry file: WAL mode, where readers never block a writer
    with registry.engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch (n INTEGER)"))
    try:
        # the trap, shown: deferred, the other writer commits between our read and our write
        done = threading.Event()
        with pytest.raises(OperationalError, match="database is locked"):
            with registry.engine.begin() as connection:
                connection.execute(READ).all()
                _other_writer(registry, done).join()
                assert done.is_set()
                connection.execute(WRITE)
        # write_engine: the other writer waits for our commit, and both succeed
        done = threading.Event()
        with registry.write_engine.begin() as connection:
            connection.execute(READ).all()
            other = _other_writer(registry, done)
            time.sleep(0.3)
            assert not done.is_set()  # waiting for our write lock
            connection.execute(WRITE)
        other.join(timeout=10)
        assert done.is_set()
    finally:
        registry.close()
