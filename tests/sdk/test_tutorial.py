"""docs/first-plugin.md, followed literally: scaffold -> pytest -> edit -> mypy -> pip install -> enable -> call.

The tutorial is the script.  In document order, every fenced block whose info
string has ``file=PATH`` is written to PATH (relative to the current directory),
and every ``$ command`` line of a ``console`` block runs as a real subprocess;
the lines shown under a command are its expected output: each must appear, in
order, in what the command printed (``...`` matches anything; a line of only
``...`` stands for omitted lines).  A command whose shown output starts with
``Error:`` must fail; every other command must succeed.

Commands map to this environment: ``zhongtai``, ``pytest`` and ``mypy`` are the
virtualenv's; ``pip install .`` installs into a temporary ``--target`` directory
(no network, no build isolation), which is then on ``PYTHONPATH``; ``cd`` and
``export`` change the state of the following commands.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "first-plugin.md"
BIN = Path(sys.executable).parent


@attrs.frozen
class Command:
    line: str
    expected: tuple[str, ...]


@attrs.frozen
class WriteFile:
    path: str
    text: str


def steps(markdown: str) -> Iterator[Command | WriteFile]:
    """The tutorial's steps, in document order."""
    lines = iter(markdown.splitlines())
    for line in lines:
        fence = re.match(r"^```(\S*)(.*)$", line)
        if not fence:
            continue
        block = []
        for inner in lines:
            if inner.startswith("```"):
                break
            block.append(inner)
        target = re.search(r"\bfile=(\S+)", fence.group(2))
        if target:
            yield WriteFile(target.group(1), "\n".join(block) + "\n")
        elif fence.group(1) == "console":
            command: str | None = None
            expected: list[str] = []
            for inner in block:
                if inner.startswith("$ "):
                    if command is not None:
                        yield Command(command, tuple(expected))
                    command, expected = inner[2:].strip(), []
                elif inner.strip():
                    expected.append(inner.rstrip())
            if command is not None:
                yield Command(command, tuple(expected))


def matches(expected: tuple[str, ...], output: str) -> str | None:
    """``None`` if every expected line appears in order in *output*; else the first line that does not."""
    actual = output.splitlines()
    position = 0
    for wanted in expected:
        if wanted.strip() == "...":
            continue
        pattern = re.compile(".*".join(re.escape(part) for part in wanted.split("...")))
        while position < len(actual) and not pattern.search(actual[position]):
            position += 1
        if position == len(actual):
            return wanted
        position += 1
    return None


class Follower:
    """Runs the tutorial's commands in a scratch directory, keeping ``cd`` and ``export`` state."""

    def __init__(self, root: Path) -> None:
        self.cwd = root / "work"
        self.cwd.mkdir()
        self.site = root / "site"
        self.mypy_cache = root / "mypy-cache"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ZHONGTAI_"))}

    def argv(self, line: str) -> list[str] | None:
        words = shlex.split(_expand(line, {**self.env, "PWD": str(self.cwd)}))
        program, args = words[0], words[1:]
        if program == "cd":
            self.cwd = (self.cwd / args[0]).resolve()
            return None
        if program == "export":
            key, _, value = args[0].partition("=")
            self.env[key] = value
            return None
        if program == "pip" and args == ["install", "."]:
            self.env["PYTHONPATH"] = str(self.site)
            return [sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps",
                    "--target", str(self.site), "."]
        if program == "pytest":
            return [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider"]
        if program == "mypy":
            return [sys.executable, "-m", "mypy", *args, "--cache-dir", str(self.mypy_cache)]
        if program == "zhongtai":
            return [str(BIN / "zhongtai"), *args]
        pytest.fail(f"the tutorial runs {line!r}, which this test does not know how to follow")

    def run(self, command: Command) -> None:
        argv = self.argv(command.line)
        if argv is None:
            return
        result = subprocess.run(argv, cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=300)
        output = result.stdout + result.stderr
        should_fail = bool(command.expected) and command.expected[0].startswith("Error:")
        assert (result.returncode != 0) == should_fail, (
            f"$ {command.line}\nexit status {result.returncode}, expected {'failure' if should_fail else 0}\n{output}"
        )
        missing = matches(command.expected, output)
        assert missing is None, f"$ {command.line}\nthe tutorial shows {missing!r}, the command printed:\n{output}"


def _expand(line: str, env: dict[str, str]) -> str:
    return re.sub(r"\$(\w+)|\$\{(\w+)\}", lambda m: env.get(m.group(1) or m.group(2), m.group(0)), line)


def test_the_tutorial_shows_scaffold_test_install_enable_call_in_that_order() -> None:
    commands = [s.line for s in steps(TUTORIAL.read_text(encoding="utf-8")) if isinstance(s, Command)]
    milestones = ["zhongtai new-plugin", "pytest", "pip install .", "zhongtai plugins enable", "zhongtai call"]
    positions = [next(i for i, c in enumerate(commands) if c.startswith(m)) for m in milestones]
    assert positions == sorted(positions), list(zip(milestones, positions))


def test_the_matcher_needs_every_shown_line_in_order() -> None:
    assert matches(("a ... c", "...", "d"), "x\na b c\ny\nd\n") is None
    assert matches(("d", "a ... c"), "a b c\nd\n") == "a ... c"
    assert matches(("4 passed in ...",), "3 passed in 1.2s") == "4 passed in ..."


@pytest.mark.slow
def test_follow_the_tutorial_literally(tmp_path: Path) -> None:
    follower = Follower(tmp_path)
    done = []
    for step in steps(TUTORIAL.read_text(encoding="utf-8")):
        if isinstance(step, WriteFile):
            path = follower.cwd / step.path
            assert path.parent.is_dir(), f"the tutorial writes {step.path} before its directory exists"
            path.write_text(step.text, encoding="utf-8")
        else:
            follower.run(step)
        done.append(step)
    assert sum(isinstance(s, Command) for s in done) >= 12
    assert sum(isinstance(s, WriteFile) for s in done) == 4


def test_item_10_step_0_installs_what_the_later_steps_run() -> None:
    """Every program the tutorial runs besides zhongtai comes with what step 0 installs."""
    import tomllib

    sdk = tomllib.loads((TUTORIAL.parents[1] / "sdk" / "pyproject.toml").read_text())
    testing = {re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower()
               for requirement in sdk["project"]["optional-dependencies"]["testing"]}
    text = TUTORIAL.read_text(encoding="utf-8")
    step0 = text[text.index("## 0."):text.index("## 1.")]
    assert "zhongtai-sdk[testing]" in step0
    programs = {s.line.split()[0] for s in steps(text) if isinstance(s, Command)} - {"zhongtai", "export", "cd", "pip"}
    assert programs and programs <= testing, f"the tutorial runs {programs - testing}, which step 0 does not install"
