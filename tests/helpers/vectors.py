"""Where the shared public test vectors are: one lookup for every test folder.

``$ZHONGTAI_TEST_VECTORS`` if set, else ``shared/test-vectors`` beside the
repository checkout (how CI lays it out), else ``/work/shared/test-vectors``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[2]


def vectors_dir() -> Path:
    candidates = [Path(os.environ["ZHONGTAI_TEST_VECTORS"])] if os.environ.get("ZHONGTAI_TEST_VECTORS") else []
    candidates += [REPOSITORY.parent / "shared" / "test-vectors", Path("/work/shared/test-vectors")]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shared test vectors not found in any of: {', '.join(map(str, candidates))}")


def vector_file(name: str) -> Path:
    return vectors_dir() / name


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(vector_file(name).read_text(encoding="utf-8"))
    return data
