"""Fixtures: the third-party loyalty domain and its plugins, built as wheels and pip-installed once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.specs.loyalty import build_loyalty


@pytest.fixture(scope="session")
def loyalty_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("loyalty-build")
    return build_loyalty(work, tmp_path_factory.mktemp("loyalty-site"))


@pytest.fixture
def loyalty_cli(monkeypatch: pytest.MonkeyPatch, loyalty_site: Path, sqlite_url: str) -> Callable[[], Cli]:
    """A ``zhongtai`` CLI that sees only the loyalty distributions (and the kernel)."""
    monkeypatch.syspath_prepend(str(loyalty_site))
    monkeypatch.setenv("ZHONGTAI_PLUGIN_PATH", str(loyalty_site))
    monkeypatch.setenv("ZHONGTAI_ACTOR", "tester")
    monkeypatch.setenv("ZHONGTAI_DATABASE_URL", sqlite_url)
    return lambda: Cli(sqlite_url)
