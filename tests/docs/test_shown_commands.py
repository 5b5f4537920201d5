"""Every ``zhongtai`` command shown in README.md, docs/*.md and every ``--help`` text runs as shown.

Each page (and each command's ``--help`` examples) runs, in order, in a fresh
working directory against its own copy of the registry ``make demo`` leaves behind
(the demo runs once per session, see the ``demo_run`` fixture).  Commands run in ``bash`` with the virtual environment's
``bin`` first on ``PATH``, as a reader would type them after ``. .venv/bin/activate``.
A command must exit 0 without a traceback, unless the page marks it
``# error: TEXT``: then it must fail, in one line, saying TEXT.  The marker
syntax is in :mod:`tests.docs.shown_commands`.

Pages with their own literal test are named in :data:`COVERED_ELSEWHERE`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from tests.docs.shown_commands import ShownCommand, commands_in_help, read_document
from tests.helpers.cli_tree import all_commands

ROOT = Path(__file__).resolve().parents[2]

#: Pages whose commands another test runs literally, with that test.
COVERED_ELSEWHERE = {
    "docs/first-plugin.md": "tests/sdk/test_tutorial.py (builds and pip-installs the tutorial's package)",
    "docs/gateway.md": "tests/gateway/test_docs.py (starts the gateway the page starts, then its curl commands)",
    "docs/coupons.md": "tests/plugins/coupons/test_docs.py (on a registry of its own, as the page sets it up)",
}

pytestmark = pytest.mark.slow


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.fixture(scope="session")
def demo_registry(demo_run: tuple[int, str, Path]) -> Path:
    """The folder ``make demo`` leaves behind: its registry, the cart, the previews (see docs/demo.md)."""
    code, out, output = demo_run
    assert code == 0, out[-3000:]
    return Path(output)


def _environment(registry: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHONGTAI_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["ZHONGTAI_ACTOR"] = "doc-reader"
    if registry is not None:
        env["ZHONGTAI_DATABASE_URL"] = f"sqlite:///{registry}"
    return env


@pytest.fixture
def workdir(tmp_path: Path, demo_registry: Path) -> Path:
    """A reader's working directory: the demo's output where the demo leaves it, a registry of its own."""
    shutil.copytree(demo_registry, tmp_path / "examples" / "demo-output")
    return tmp_path


def run_shown(commands: list[ShownCommand], cwd: Path, files: dict[str, str] | None = None) -> None:
    """Run *commands* in order, each in its own bash after the page's exports; fail listing every misbehaving one."""
    for name, text in (files or {}).items():
        (cwd / name).parent.mkdir(parents=True, exist_ok=True)
        (cwd / name).write_text(text, encoding="utf-8")
    env = _environment(cwd / "examples" / "demo-output" / "registry.db")
    exports: list[str] = []
    problems: list[str] = []
    for command in commands:
        if command.text.startswith("export "):
            exports.append(command.text)
            continue
        problem = _misbehaviour(command, cwd, env, exports)
        if problem:
            problems.append(f"{command.label}\n    {problem}")
    assert not problems, "\n".join(problems)


_SHELL_SYNTAX = set("|&;<>()$`*?~")


def _run(command: ShownCommand, cwd: Path, env: dict[str, str], exports: list[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of *command*: in bash when it uses shell syntax, else through the
    console script's own entry point in this process (the same code, without a Python start-up each)."""
    if exports or _SHELL_SYNTAX & set(command.text):
        script = "\n".join(["set -o pipefail", *exports, command.text])
        done = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=120, check=False, stdin=subprocess.DEVNULL)
        return done.returncode, done.stdout, done.stderr
    from click.testing import CliRunner

    from zhongtai.core.cli.main import cli

    argv = shlex.split(command.text, comments=True)[1:]
    runner = CliRunner()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(cli, argv, env={k: env.get(k) for k in env if k.startswith("ZHONGTAI_")},
                               prog_name="zhongtai")
    finally:
        os.chdir(previous)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback: " + "".join(traceback.format_exception(result.exception))
    return result.exit_code, result.stdout, stderr


def _misbehaviour(command: ShownCommand, cwd: Path, env: dict[str, str], exports: list[str]) -> str | None:
    """What is wrong with how *command* ran (None: it ran as shown)."""
    code, stdout, stderr = _run(command, cwd, env, exports)
    output = (stdout + stderr).strip()
    errors = [line for line in stderr.splitlines() if line.strip()]
    if "Traceback" in output:
        return f"traceback:\n{output[-2000:]}"
    if command.expected_error is None:
        return None if code == 0 else f"exit {code}: {output[-600:]}"
    if code == 0:
        return f"expected to fail with {command.expected_error!r}, but exited 0"
    if len(errors) != 1 or command.expected_error not in errors[0]:
        return f"expected one error line with {command.expected_error!r}, got: {stderr.strip()[-600:]}"
    return None


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_on_the_page_runs_as_shown(page: Path, workdir: Path) -> None:
    where = str(page.relative_to(ROOT))
    if where in COVERED_ELSEWHERE:
        pytest.skip(f"run literally by {COVERED_ELSEWHERE[where]}")
    document = read_document(page, ROOT)
    run_shown(list(document.commands), workdir, document.files)


HELP_TEXTS = {path: command.help or "" for path, command in all_commands()}


def test_every_command_has_an_example() -> None:
    """Every leaf command's --help shows at least one example (groups may leave it to their commands)."""
    without = [path for path, text in HELP_TEXTS.items()
               if "Example:" not in text and not any(other.startswith(path + " ") for other in HELP_TEXTS)]
    assert without == []


@pytest.mark.parametrize("path", sorted(HELP_TEXTS))
def test_every_help_example_runs_as_shown(path: str, workdir: Path) -> None:
    commands = commands_in_help(HELP_TEXTS[path], f"`{path} --help`")
    if not commands:
        pytest.skip("no example")
    run_shown(commands, workdir, HELP_FILES)


#: Files the ``--help`` examples read (``--input @req.json``), as a reader would have them.
HELP_FILES: dict[str, str] = {
    "request.json": ('{"sku": "learning-tablet", "request": {"channel": "app", "lines": '
                     '[{"sku": "learning-tablet", "quantity": 1}]}}\n'),
    "cart.json": '[{"sku": "learning-tablet", "quantity": 1}, {"sku": "care-plan-1y", "quantity": 1}]\n',
    "sms.yaml": "provider: fake\nfake_name: help-example\n",
    "audience.txt": "u1\nu2\nu3\n",
}
