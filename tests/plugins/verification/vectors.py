"""The shared public test vectors (../shared/test-vectors/verification.json)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

VECTORS_PATH = Path(os.environ.get("ZHONGTAI_TEST_VECTORS", "/work/shared/test-vectors")) / "verification.json"


def load() -> dict[str, Any]:
    with VECTORS_PATH.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


VECTORS = load()
