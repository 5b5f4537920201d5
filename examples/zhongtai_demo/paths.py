"""Paths as the user would type them: relative to the working directory when inside it."""

from __future__ import annotations

from pathlib import Path


def relative(path: Path) -> str:
    """*path* relative to the current directory if it is inside it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path.resolve())
