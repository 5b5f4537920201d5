"""Throwaway registries for the benchmarks: a temporary SQLite file, a temporary PostgreSQL schema."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_URL = os.environ.get("ZHONGTAI_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def sqlite_url() -> Iterator[str]:
    """A registry URL on a SQLite file in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{Path(directory) / 'bench.db'}"


@contextmanager
def postgresql_url() -> Iterator[str]:
    """A registry URL on a fresh schema of the PostgreSQL server, dropped afterwards.

    Raises the driver's error when the server cannot be reached.
    """
    import psycopg

    schema = f"zt_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True,
                            connect_timeout=5)
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            sep = "&" if "?" in PG_URL else "?"
            yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
