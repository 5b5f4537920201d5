"""Fixtures of the security tests.

``zt`` runs ``zhongtai`` in-process (CliRunner) on a fresh SQLite registry with
every installed package (pricing, notifiers, ...) *and* the CLI tests' test
plugins (``test.price`` has a secret field), as actor ``tester``, with business
``shop`` created.  ``governed`` is a registry with roles (admin alice; kate in
edu-team; mallory in mall-team) and ``Actors`` runs the CLI as any of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.cli.conftest import Cli, plugin_site, registry_rows  # noqa: F401 - fixture

ADMIN, MEMBER, OUTSIDER = "alice", "kate", "mallory"


@pytest.fixture
def zt(monkeypatch: pytest.MonkeyPatch, plugin_site: Path, sqlite_url: str) -> Any:  # noqa: F811
    monkeypatch.syspath_prepend(str(plugin_site))
    monkeypatch.delenv("ZHONGTAI_PLUGIN_PATH", raising=False)
    monkeypatch.setenv("ZHONGTAI_ACTOR", "tester")
    monkeypatch.setenv("ZHONGTAI_DATABASE_URL", sqlite_url)
    cli = Cli(sqlite_url)
    cli.ok("business", "create", "shop")
    return cli


def _rows(url: str) -> dict[str, Any]:
    """Every registry row but the call metrics (telemetry a refused call may well record)."""
    return {table: rows for table, rows in registry_rows(url).items() if table != "zt_metric"}


class Actors:
    """``zt("kate", "plugins", "enable", ...)``: the real CLI, in-process, as an actor, on one registry."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, actor: str, *args: str) -> Result:
        from zhongtai.core.cli.main import cli

        return CliRunner().invoke(cli, ["--database-url", self.url, "--as", actor, *args], catch_exceptions=False)

    def ok(self, actor: str, *args: str) -> Result:
        result = self(actor, *args)
        assert result.exit_code == 0, f"{args} failed ({result.exit_code}): {result.output}"
        return result

    def refused(self, actor: str, *args: str, match: str) -> str:
        """Run a command that must be refused: exit 1, one line naming *match*, no row changed."""
        before = _rows(self.url)
        result = self(actor, *args)
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == 1, (args, result.output)
        assert len(lines) == 1 and lines[0].startswith("Error: ") and match in lines[0], (args, result.stderr)
        assert "Traceback" not in result.output
        assert _rows(self.url) == before, f"refused {args} changed the registry"
        return lines[0]


@pytest.fixture
def governed(sqlite_url: str, make_platform: Callable[..., Any]) -> tuple[Any, Actors]:
    """A registry with admin alice, business edu (owner edu-team: kate) and edu.k12, and a CLI on it."""
    return _governed(sqlite_url, make_platform)


@pytest.fixture
def governed_db(registry_url: str, make_platform: Callable[..., Any]) -> tuple[Any, Actors]:
    """Like ``governed``, once per registry backend (SQLite file and PostgreSQL)."""
    return _governed(registry_url, make_platform)


def _governed(url: str, make_platform: Callable[..., Any]) -> tuple[Any, Actors]:
    platform = make_platform(url)
    platform.create_business("edu", owner="edu-team")
    platform.create_business("edu.k12", owner="edu-team")
    platform.create_business("mall", owner="mall-team")
    zt = Actors(url)
    zt.ok(ADMIN, "access", "grant", ADMIN, "--admin")
    zt.ok(ADMIN, "access", "grant", MEMBER, "--team", "edu-team")
    zt.ok(ADMIN, "access", "grant", OUTSIDER, "--team", "mall-team")
    return platform, zt


@pytest.fixture
def receiver() -> Any:
    """A real HTTP server on 127.0.0.1 answering with an internal token (see tests/helpers/receivers.py)."""
    from tests.helpers.receivers import Receiver

    server = Receiver()
    yield server
    server.close()


@pytest.fixture(scope="session")
def leaky_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.security.leaky import install_leaky

    return install_leaky(tmp_path_factory.mktemp("leaky"))


@pytest.fixture
def leaky(zt: Any, leaky_site: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``zt`` with the leaky test plugins installed too."""
    monkeypatch.syspath_prepend(str(leaky_site))
    return zt
