"""Fixtures of the theming tests: the shared public test vectors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.vectors import vector_file

VECTORS = vector_file("theming.json")


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    """``shared/test-vectors/theming.json`` (beside the repository checkout)."""
    if not VECTORS.is_file():
        pytest.fail(f"public test vectors not found at {VECTORS}")
    data: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return data
