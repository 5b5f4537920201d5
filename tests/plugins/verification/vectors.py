"""The shared public test vectors (../shared/test-vectors/verification.json)."""

from __future__ import annotations

from typing import Any

from tests.helpers import vectors as shared

VECTORS_PATH = shared.vector_file("verification.json")


def load() -> dict[str, Any]:
    return shared.load("verification.json")


VECTORS = load()
