"""The parts of the demo's story, one module each, in the order they run.

Each module has a ``TITLE`` and ``run(demo)``; a section that cannot run raises
:class:`~zhongtai_demo.errors.DemoError` (or a zhongtai error) and the demo
goes on with the next one, failing at the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from zhongtai.core.runtime import Platform

#: Section modules, in order.
ORDER: tuple[str, ...] = (
    "capability_map", "pricing", "theming", "permissions", "verification", "identity", "messages", "gateway",
    "rollout",
)


@attrs.frozen
class Demo:
    """What every section works with: the Platform on the demo registry, and where to write files."""

    platform: Platform
    output_dir: Path
    database_url: str
