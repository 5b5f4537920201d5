"""Fixtures of the security tests.

``zt`` runs ``zhongtai`` in-process (CliRunner) on a fresh SQLite registry with
every installed package (pricing, notifiers, ...) *and* the CLI tests' test
plugins (``test.price`` has a secret field), as actor ``tester``, with business
``shop`` created.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli, plugin_site  # noqa: F401 - fixture


@pytest.fixture
def zt(monkeypatch: pytest.MonkeyPatch, plugin_site: Path, sqlite_url: str) -> Any:  # noqa: F811
    monkeypatch.syspath_prepend(str(plugin_site))
    monkeypatch.delenv("ZHONGTAI_PLUGIN_PATH", raising=False)
    monkeypatch.setenv("ZHONGTAI_ACTOR", "tester")
    monkeypatch.setenv("ZHONGTAI_DATABASE_URL", sqlite_url)
    cli = Cli(sqlite_url)
    cli.ok("business", "create", "shop")
    return cli
