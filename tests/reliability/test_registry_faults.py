"""Registry faults: read-only, locked by another process, full disk, corrupted file.

Each refused change is one clear ``RegistryError`` line and leaves the rows as they were.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.helpers.registry_rows import all_rows
from zhongtai.core.errors import RegistryError


@pytest.fixture
def seeded(tmp_path: Path, make_platform) -> Path:
    path = tmp_path / "registry.db"
    platform = make_platform(f"sqlite:///{path}", discover=False)
    platform.create_business("edu")
    platform.close()
    return path


def test_a_read_only_registry_refuses_changes_but_still_serves(seeded: Path, make_platform) -> None:
    platform = make_platform(f"sqlite:///file:{seeded}?mode=ro&uri=true", discover=False)
    before = all_rows(f"sqlite:///{seeded}")
    assert "edu" in platform.snapshot.businesses
    with pytest.raises(RegistryError, match="read-only"):
        platform.create_business("mall")
    assert all_rows(f"sqlite:///{seeded}") == before


def test_a_registry_locked_by_another_process_gives_a_clear_message(seeded: Path, make_platform) -> None:
    holder = sqlite3.connect(seeded, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        platform = make_platform(f"sqlite:///{seeded}?timeout=0.3", discover=False)
        with pytest.raises(RegistryError, match="locked by another process"):
            platform.create_business("mall")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert set(make_platform(f"sqlite:///{seeded}", discover=False).registry.snapshot().businesses) == {"edu"}


def test_a_full_disk_is_reported_and_the_change_rolled_back(seeded: Path, make_platform) -> None:
    platform = make_platform(f"sqlite:///{seeded}", discover=False)
    before = all_rows(f"sqlite:///{seeded}")
    pages = sqlite3.connect(seeded).execute("PRAGMA page_count").fetchone()[0]

    from sqlalchemy import event

    @event.listens_for(platform.registry.engine, "connect")
    def cap(dbapi_connection, _record):  # the disk is "full" at the current size
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    platform.registry.engine.dispose()
    applied = 0
    with pytest.raises(RegistryError, match="disk full"):
        for i in range(200):  # rows grow the file until the cap is hit
            platform.create_business(f"b{i}", name="x" * 200, owner="y" * 200)
            applied += 1
    after = all_rows(f"sqlite:///{seeded}")
    assert set(before["zt_business"]) <= set(after["zt_business"])
    assert len(after["zt_business"]) == len(before["zt_business"]) + applied  # the failed one left nothing
    assert len(after["zt_audit"]) == len(before["zt_audit"]) + applied


def test_a_corrupted_registry_file_is_named_not_a_traceback(tmp_path: Path, make_platform) -> None:
    path = tmp_path / "registry.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(RegistryError, match="not a zhongtai registry|not a database"):
        make_platform(f"sqlite:///{path}", discover=False).create_business("edu")
    assert path.read_bytes() == b"this is not a database" * 100


def test_a_foreign_database_is_refused_untouched(tmp_path: Path, make_platform) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    with pytest.raises(RegistryError, match="not a zhongtai registry"):
        make_platform(f"sqlite:///{path}", discover=False).create_business("edu")
    with sqlite3.connect(path) as connection:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["customers"]
