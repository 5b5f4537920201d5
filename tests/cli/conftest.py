"""Fixtures of the CLI tests: the installed test plugins, an in-process runner, a subprocess runner.

``cli`` runs ``zhongtai`` in-process with click's CliRunner; ``zt`` runs the
installed console script as a real subprocess.  Both see only the test
plugins (``ZHONGTAI_PLUGIN_PATH``) and use the test's registry
(``ZHONGTAI_DATABASE_URL``), with actor ``tester``.  ``registry_rows`` reads every
registry table, so a refused command can be shown to have written nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.cli.testplugins import install_test_plugins

SCRIPT = str(Path(sys.executable).with_name("zhongtai"))


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_test_plugins(tmp_path_factory.mktemp("cli-plugins"))


class Cli:
    """``cli("plugins", "list")`` -> click Result; ``cli.json(...)`` parses stdout."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, *args: str, input: str | None = None) -> Result:
        from zhongtai.core.cli.main import cli

        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    def ok(self, *args: str, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == 0, f"{args} failed ({result.exit_code}): {result.output}"
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json").stdout)


@pytest.fixture
def make_cli(monkeypatch: pytest.MonkeyPatch, plugin_site: Path) -> Callable[[str], Cli]:
    monkeypatch.syspath_prepend(str(plugin_site))
    monkeypatch.setenv("ZHONGTAI_PLUGIN_PATH", str(plugin_site))
    monkeypatch.setenv("ZHONGTAI_ACTOR", "tester")

    def make(url: str) -> Cli:
        monkeypatch.setenv("ZHONGTAI_DATABASE_URL", url)
        return Cli(url)

    return make


@pytest.fixture
def cli(make_cli: Callable[[str], Cli], sqlite_url: str) -> Cli:
    return make_cli(sqlite_url)


@pytest.fixture
def db_cli(make_cli: Callable[[str], Cli], registry_url: str) -> Cli:
    """Like ``cli``, once per registry backend (SQLite file and PostgreSQL)."""
    return make_cli(registry_url)


def subprocess_env(plugin_site: Path, url: str) -> dict[str, str]:
    env = dict(os.environ)
    pythonpath = os.pathsep.join(filter(None, [str(plugin_site), env.get("PYTHONPATH", "")]))
    env.update(PYTHONPATH=pythonpath, ZHONGTAI_PLUGIN_PATH=str(plugin_site), ZHONGTAI_DATABASE_URL=url,
               ZHONGTAI_ACTOR="tester")
    return env


@pytest.fixture
def zt(plugin_site: Path, sqlite_url: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``zhongtai`` console script as a subprocess."""

    def run(*args: str, url: str = sqlite_url, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SCRIPT, *args], env=subprocess_env(plugin_site, url), input=input,
                              capture_output=True, text=True, timeout=120)

    return run


def registry_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every registry table (a refused command must leave these unchanged)."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = sorted(t for t in inspect(connection).get_table_names() if t.startswith("zt_"))
            return {t: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {t}"))), key=repr)
                    for t in tables}
    finally:
        engine.dispose()


@pytest.fixture
def unchanged() -> Iterator[Callable[[str], Any]]:
    """``with unchanged(url): ...`` asserts the block leaves every registry row as it was."""
    from contextlib import contextmanager

    @contextmanager
    def check(url: str) -> Iterator[None]:
        before = registry_rows(url)
        yield
        assert registry_rows(url) == before, "a refused command changed the registry"

    yield check
