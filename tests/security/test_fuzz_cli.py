"""The hostile-input fuzz suite (issue 12, "Beyond the list"): every CLI command, hostile values.

Commands are enumerated from the click group at run time -- built-ins and every
package's ``zhongtai.cli`` commands -- so a new command is fuzzed without
touching this file.  Hypothesis picks a command and fills its arguments and
options (always the required ones, some of the others) with hostile values:
100,000-level nesting, YAML alias bombs, huge and non-finite numbers, control
characters and CRLF, ``env:`` references to the platform's environment,
internal URLs, template bombs, ``/dev/zero``, 10 MB strings and files, hostile
standard input.  Every invocation must:

* exit 0, 1 or 2 -- never with an uncaught exception, never a traceback;
* when refused (1), print exactly one ``Error:`` line, terminal-safe;
* when refused, leave every registry row as it was (call metrics excepted: telemetry);
* keep the process's peak memory within a bound.

Each command is its own test case, so every command is fuzzed on every run.
The default run (3 examples per command) takes about a minute;
``ZHONGTAI_FUZZ_EXAMPLES=50`` is the long run.  The counts are printed at the
end (``-s`` shows them).
"""

from __future__ import annotations

import os
import resource
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.hostile import ALIAS_BOMB, DEEP_JSON, HOSTILE_TEXT, RAW, TEN_MB
from zhongtai.core.cli.main import cli

#: Hypothesis examples per command (every command is fuzzed; ~90 commands).
EXAMPLES = int(os.environ.get("ZHONGTAI_FUZZ_EXAMPLES", "3"))
#: The most the process's peak RSS may grow over the whole run.
RSS_BUDGET_MIB = 700
#: Commands that are not one-shot: a server, and the worker unless --once (added below).
NOT_FUZZED = {("serve",)}
TELEMETRY_TABLES = {"zt_metric"}

def _files(tmp: Path) -> list[str]:
    """Hostile files, created once: deep JSON/YAML, an alias bomb, 10 MB, a directory, /dev/zero."""
    made = {
        "deep.json": DEEP_JSON, "deep.yaml": DEEP_JSON, "bomb.yaml": ALIAS_BOMB,
        "big.json": '{"a": "' + TEN_MB + '"}', "nan.json": '{"a": NaN}', "ctl.txt": "\x1b[2J\r\nX-Injected: 1",
    }
    paths = []
    for name, text in made.items():
        path = tmp / name
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    (tmp / "a-directory").mkdir(exist_ok=True)
    return [*paths, str(tmp / "a-directory"), str(tmp / "missing.json"), "/dev/zero"]


def leaf_commands(*, include_all: bool = False) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every runnable command of the ``zhongtai`` group, by its path of names (without the server unless
    *include_all*)."""
    found: list[tuple[tuple[str, ...], click.Command]] = []

    def walk(group: click.Group, path: tuple[str, ...], ctx: click.Context) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if command is None:
                continue
            if isinstance(command, click.Group):
                walk(command, (*path, name), click.Context(command, parent=ctx, info_name=name))
            elif include_all or (*path, name) not in NOT_FUZZED:
                found.append(((*path, name), command))

    walk(cli, (), click.Context(cli))
    return found


COMMANDS = leaf_commands()
TRIED: Counter[str] = Counter()  # cases per command
EXITS: Counter[int] = Counter()  # cases per exit code


def _value(draw: Any, param: click.Parameter, files: list[str]) -> str:
    kind = param.type
    if isinstance(kind, click.Choice) and draw(st.booleans()):
        return str(draw(st.sampled_from(list(kind.choices))))
    if isinstance(kind, (click.File, click.Path)) and draw(st.integers(0, 2)):
        return str(draw(st.sampled_from(files)))
    if draw(st.integers(0, 9)) == 0:
        return str(draw(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)))
    if draw(st.integers(0, 40)) == 0:
        return TEN_MB
    text = str(draw(st.sampled_from(HOSTILE_TEXT)))
    if text.startswith("@") and text not in ("@-", "@/dev/zero"):
        return text
    if draw(st.integers(0, 5)) == 0:
        return "@" + str(draw(st.sampled_from(files)))
    return text


@st.composite
def invocations(draw: Any, path: tuple[str, ...], command: click.Command,
                files: list[str]) -> tuple[list[str], str | None]:
    args: list[str] = list(path)
    if path == ("notify", "worker"):
        args.append("--once")
    for param in command.params:
        if isinstance(param, click.Argument):
            count = 1 if param.nargs == 1 else draw(st.integers(1, 2))
            args += [_value(draw, param, files) for _ in range(count)]
            continue
        assert isinstance(param, click.Option)
        if param.name in ("help",) or (not param.required and not draw(st.integers(0, 2))):
            continue
        flag = param.opts[0]
        if param.is_flag:
            args.append(flag if param.default is not True else (param.secondary_opts or param.opts)[0])
            continue
        args += [flag, _value(draw, param, files)]
    args = [a if a != "--" else "-" for a in args]
    stdin = draw(st.sampled_from([None, DEEP_JSON, ALIAS_BOMB, '{"a": NaN}', "\x1b[2J\n" * 3]))
    return args, stdin


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {n: sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
                for n in names if n not in TELEMETRY_TABLES}
    db.close()
    return rows


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """A registry with a business tree, an enabled plugin and a message, and the hostile files."""
    tmp = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp / 'registry.db'}"
    old = {k: os.environ.get(k) for k in ("ZHONGTAI_DATABASE_URL", "ZHONGTAI_ACTOR", "ZHONGTAI_PLUGIN_PATH")}
    os.environ.update(ZHONGTAI_DATABASE_URL=url, ZHONGTAI_ACTOR="fuzzer")
    os.environ.pop("ZHONGTAI_PLUGIN_PATH", None)
    runner = CliRunner()
    for args in (["business", "create", "shop", "--owner", "shop-team"], ["business", "create", "shop.x"],
                 ["plugins", "enable", "pricing.price-list", "-b", "shop", "--set", 'prices={"math-101": "10"}']):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    cwd = os.getcwd()
    os.chdir(tmp)  # commands that write files (export -o, new-plugin, theme css -o) write here
    try:
        yield url, _files(tmp)
    finally:
        os.chdir(cwd)
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        print(f"\nCLI fuzz: {sum(TRIED.values())} cases over {len(TRIED)} of {len(COMMANDS)} commands; "
              f"exit codes {dict(sorted(EXITS.items()))}; peak RSS {_peak_mib():.0f} MiB")


def test_every_command_is_enumerated() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"business create", "plugins enable", "call", "import", "audit", "notify send", "pricing quote"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_fuzz_every_command_with_hostile_values(arena: tuple[str, list[str]], path: tuple[str, ...],
                                               command: click.Command, data: st.DataObject) -> None:
    url, files = arena
    args, stdin = data.draw(invocations(path, command, files))
    start_peak = _peak_mib()
    before = _rows(url)
    result = CliRunner().invoke(cli, args, input=stdin)
    shown = [a[:40] + ("..." if len(a) > 40 else "") for a in args]
    TRIED[" ".join(path)] += 1
    EXITS[result.exit_code] += 1
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {type(result.exception).__name__} for {shown}") from result.exception
    assert result.exit_code in (0, 1, 2), (shown, result.exit_code, result.output[-2000:])
    assert "Traceback" not in result.output, shown
    if result.exit_code:
        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, (shown, result.output[-2000:])
        assert not any(ch in errors[0] for ch in RAW), (shown, errors[0])
        assert _rows(url) == before, shown
    assert _peak_mib() - start_peak < RSS_BUDGET_MIB, shown


def test_fuzz_peak_memory_stayed_bounded(arena: tuple[str, list[str]]) -> None:
    # Runs after the fuzz in this module; the whole run's peak, not one case's.
    assert _peak_mib() < 2048, f"peak RSS {_peak_mib():.0f} MiB"


def test_fuzz_left_the_devices_it_named_as_they_were(arena: tuple[str, list[str]]) -> None:
    """Hostile outputs include /dev/zero: a command must write into it, never rename a file over it."""
    import stat

    assert stat.S_ISCHR(os.stat("/dev/zero").st_mode), "a command replaced /dev/zero with a regular file"
