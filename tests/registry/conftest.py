"""Fixtures for registry tests that need one particular backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import postgresql_schema_url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema on the real PostgreSQL server (fails in CI if it cannot be reached)."""
    yield from postgresql_schema_url()
