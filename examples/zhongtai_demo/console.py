"""Writing the demo's output: numbered sections, shown commands, aligned tables.

Everything goes to stdout, flushed, so the output interleaves correctly with
the console-script subprocesses the demo runs.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

RULE = "─" * 78


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(number: int, title: str) -> None:
    say()
    say(RULE)
    say(f" {number}. {title}")
    say(RULE)


def command(argv: Sequence[str]) -> None:
    """Show a command as a user would type it: ``$ zhongtai ...``."""
    say(f"$ zhongtai {shlex.join(argv)}")


def indented(text: str, by: int = 2) -> None:
    for line in text.rstrip("\n").splitlines():
        say(" " * by + line if line else "")


def table(rows: Sequence[Sequence[str]], *, indent: int = 2, gap: int = 2) -> None:
    """Rows of cells, each column as wide as its widest cell (the last column is not padded)."""
    if not rows:
        return
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(max(len(r) for r in rows))]
    for row in rows:
        cells = [cell.ljust(widths[i]) if i < len(row) - 1 else cell for i, cell in enumerate(row)]
        say(" " * indent + (" " * gap).join(cells).rstrip())
