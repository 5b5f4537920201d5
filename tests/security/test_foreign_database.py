"""Finding 17 of issue 12: a refused foreign SQLite database is left byte-for-byte untouched."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from zhongtai.core.cli.main import cli


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize("args", [
    ["business", "create", "x"], ["business", "list"], ["doctor"], ["db", "upgrade"], ["db", "current"],
    ["audit"], ["plugins", "list"],
], ids=lambda a: " ".join(a))
def test_finding_17_refused_foreign_database_is_byte_for_byte_untouched(tmp_path: Path, args: list[str]) -> None:
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO customers (name) VALUES ('someone else''s data')")
    db.close()
    before, listing = _digest(foreign), _files(tmp_path)
    result = CliRunner().invoke(cli, ["--database-url", f"sqlite:///{foreign}", *args])
    if args[-1] != "list" or args[0] != "plugins":  # plugins list needs no registry at all
        assert result.exit_code == 1, result.output
        assert "not a zhongtai registry" in result.output
    assert _digest(foreign) == before
    assert _files(tmp_path) == listing  # no -wal / -shm / -journal files either


def test_a_zhongtai_registry_still_runs_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    assert CliRunner().invoke(cli, ["--database-url", f"sqlite:///{path}", "business", "create", "x"]).exit_code == 0
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
