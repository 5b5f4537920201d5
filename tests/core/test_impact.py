"""A change's impact says when a business's calls will be refused or served again (issue 19, item 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from zhongtai.core.runtime import Platform


@pytest.fixture
def platform(tmp_path: Path) -> Platform:
    platform = Platform(f"sqlite:///{tmp_path / 'r.db'}", discover=False, refresh_interval=0)
    for code in ("edu", "edu.k12", "edu.k12.north", "mall"):
        platform.create_business(code)
    yield platform
    platform.close()


def test_item_17_suspending_a_parent_says_its_childrens_calls_will_be_refused(platform: Platform) -> None:
    report = platform.set_status("edu", "suspended", dry_run=True)
    impact = {i.business: i for i in report.impact}
    assert impact["edu"].status == "suspended" and impact["edu"].calls is None
    assert impact["edu.k12"].calls == "refused (edu is suspended)" and not impact["edu.k12"].empty
    assert impact["edu.k12.north"].calls == "refused (edu is suspended)"
    assert "mall" not in impact


def test_item_17_resuming_says_calls_are_served_again_unless_another_level_is_still_suspended(
        platform: Platform) -> None:
    platform.set_status("edu", "suspended")
    platform.set_status("edu.k12", "suspended")
    impact = {i.business: i for i in platform.set_status("edu", "active", dry_run=True).impact}
    assert impact["edu"].status == "active"
    assert impact["edu.k12"].calls is None and impact["edu.k12"].empty  # still suspended itself
    assert impact["edu.k12.north"].calls is None  # edu.k12 still refuses its calls
    platform.set_status("edu.k12", "active")
    impact = {i.business: i for i in platform.set_status("edu", "active", dry_run=True).impact}
    assert impact["edu.k12"].calls == "served again" and impact["edu.k12.north"].calls == "served again"


def test_item_17_the_cli_dry_run_says_so(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    from zhongtai.core.cli.main import cli

    monkeypatch.setenv("ZHONGTAI_DATABASE_URL", platform.registry.url)
    monkeypatch.setenv("ZHONGTAI_PLUGIN_PATH", "")
    out = CliRunner().invoke(cli, ["business", "suspend", "edu", "--dry-run"]).output
    k12 = next(line for line in out.splitlines() if line.startswith("edu.k12 "))
    assert "calls refused (edu is suspended)" in k12 and "no change" not in k12


def test_item_17_the_console_confirmation_lists_the_children_too(platform: Platform) -> None:
    from zhongtai.gateway.console import changes

    shown, affected = changes.impact_rows(platform.set_status("edu", "suspended", dry_run=True))
    assert affected == 3 and [i.business for i in shown] == ["edu", "edu.k12", "edu.k12.north"]
