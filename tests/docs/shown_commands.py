"""The ``zhongtai`` commands a reader is shown: in README.md, docs/*.md and every ``--help`` text.

A command is shown when it stands in a fenced block of shell (```sh, ```bash,
```shell or ```console; in ```console blocks only the ``$ `` lines) and starts
with ``zhongtai`` or ``export``; a line ending in ``\\`` continues on the next.
Blocks fenced as ```text are synopses (``[--once]``, ``CODE``) and are not run.

Markers a doc may carry, in a trailing shell comment of the command itself:

* ``# error: TEXT`` -- the command is expected to fail, printing TEXT;
* ``# not run: REASON`` -- the command runs until stopped (a server) or needs a host
  the tests do not have; the reason is required and says what runs it instead;

and, in an HTML comment on the line before a block:

* ``<!-- not run: REASON -->`` -- the block is shown but not run (a server that
  runs until stopped, a production host); the reason is required.

Files a doc's commands read (``--input @request.json``) are given in the same
doc as fenced blocks whose info string names them: ```json file=request.json.
In ``--help`` texts, commands follow a line ``Example:`` (click's ``\\b`` block).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import attrs

SHELL_FENCES = {"sh", "bash", "shell", "console"}
_FENCE = re.compile(r"^(\s*)```+\s*([\w-]*)(.*)$")
_NOT_RUN = re.compile(r"<!--\s*not run:\s*(\S.*?)\s*-->")
_ERROR = re.compile(r"#\s*error:\s*(.+?)\s*$")
_NOT_RUN_INLINE = re.compile(r"#\s*not run:\s*\S")


@attrs.frozen
class ShownCommand:
    """One command as the reader sees it, and where."""

    where: str
    line: int
    text: str
    expected_error: str | None = None

    @property
    def label(self) -> str:
        return f"{self.where}:{self.line}: {self.text}"


@attrs.frozen
class ShownDocument:
    """A page's commands in order, the files it gives, and the blocks it shows but does not run."""

    path: Path
    commands: tuple[ShownCommand, ...]
    files: dict[str, str]
    not_run: tuple[tuple[int, str], ...]


def _is_command(text: str) -> bool:
    return text.startswith("zhongtai ") or text == "zhongtai" or text.startswith("export ")


def _split_error(text: str) -> tuple[str, str | None]:
    match = _ERROR.search(text)
    if match is None:
        return text, None
    return text[: match.start()].rstrip(), match.group(1)


def commands_in_lines(lines: list[str], where: str, first_line: int, console: bool) -> Iterator[ShownCommand]:
    """The commands of one shell block's *lines* (continuations joined)."""
    pending: list[str] = []
    start = 0
    for offset, raw in enumerate(lines):
        line = raw.strip()
        if not pending:
            if console:
                if not line.startswith("$ "):
                    continue
                line = line[2:].strip()
            if not _is_command(line):
                continue
            start = first_line + offset
        if line.endswith("\\"):
            pending.append(line[:-1].rstrip())
            continue
        pending.append(line)
        joined = " ".join(pending)
        pending = []
        if _NOT_RUN_INLINE.search(joined):
            continue
        text, error = _split_error(joined)
        yield ShownCommand(where, start, text, error)


def read_document(path: Path, root: Path) -> ShownDocument:
    """Every shown command of the Markdown page *path*, with its files and not-run blocks."""
    where = str(path.relative_to(root))
    commands: list[ShownCommand] = []
    files: dict[str, str] = {}
    not_run: list[tuple[int, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        info, rest = match.group(2), match.group(3)
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith("```"):
            end += 1
        body = lines[index + 1:end]
        previous = lines[index - 1] if index else ""
        skipped = _NOT_RUN.search(previous)
        file_name = re.search(r"file=(\S+)", rest)
        if file_name:
            files[file_name.group(1)] = "\n".join(body) + "\n"
        elif info in SHELL_FENCES:
            if skipped:
                not_run.append((index + 1, skipped.group(1)))
            else:
                commands.extend(commands_in_lines(body, where, index + 2, console=info == "console"))
        index = end + 1
    return ShownDocument(path, tuple(commands), files, tuple(not_run))


def commands_in_help(text: str, where: str) -> list[ShownCommand]:
    """The example commands of one ``--help`` text (the lines after ``Example:``)."""
    lines = text.splitlines()
    found: list[ShownCommand] = []
    for index, line in enumerate(lines):
        if line.strip().rstrip(":") in ("Example", "Examples"):
            block = []
            for following in lines[index + 1:]:
                if not following.strip():
                    break
                block.append(following)
            found.extend(commands_in_lines(block, where, index + 2, console=False))
    return found
