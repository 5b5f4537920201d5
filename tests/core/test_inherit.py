"""disable keeps a level's config; `inherit` makes a level inherit again (issue 19, item 12)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

from zhongtai.core import governance
from zhongtai.core.errors import PermissionDenied, UserError
from zhongtai.core.runtime import Platform
from zhongtai.sdk import hookimpl


@attrs.frozen
class Off:
    percent: int = 10


class Discount:
    @hookimpl
    def pricing_adjust(self, quote: Any, request: Any, context: Any) -> None:
        return None


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    platform = Platform(f"sqlite:///{tmp_path / 'r.db'}", discover=False, refresh_interval=0)
    platform.add_plugin(Discount(), "discount", config=Off)
    platform.create_business("edu", owner="edu-team")
    platform.create_business("edu.k12", owner="k12-team")
    platform.enable("discount", "edu", config={"percent": 5})
    platform.enable("discount", "edu.k12", config={"percent": 20}, priority=7)
    yield platform
    platform.close()


def test_item_12_disable_keeps_the_levels_config_and_enable_restores_it(platform: Platform) -> None:
    report = platform.disable("discount", "edu.k12")
    assert report.after == {"enabled": False, "priority": 7, "config": {"percent": 20}}
    assert "discount" not in platform.business("edu.k12").effective_plugins()
    platform.enable("discount", "edu.k12")
    assert platform.effective_config("discount", "edu.k12") == {"percent": 20}
    assert platform.snapshot.enablements["edu.k12"]["discount"].priority == 7
    platform.disable("discount", "edu.k12")
    platform.enable("discount", "edu.k12", config={}, replace_config=True)
    assert platform.effective_config("discount", "edu.k12") == {"percent": 5}  # replaced: inherits edu's


def test_item_12_inherit_removes_the_row_so_the_level_inherits_again(platform: Platform) -> None:
    platform.disable("discount", "edu.k12")
    dry = platform.inherit("discount", "edu.k12", dry_run=True)
    assert not dry.applied and "edu.k12" in platform.snapshot.enablements
    assert {i.business: i.added for i in dry.impact} == {"edu.k12": ("discount",)}
    report = platform.inherit("discount", "edu.k12")
    assert report.applied and report.before["enabled"] is False and report.after is None
    assert "discount" not in platform.snapshot.enablements.get("edu.k12", {})
    assert platform.effective_config("discount", "edu.k12") == {"percent": 5}
    entry = platform.registry.audit(limit=1)[0]
    assert (entry.action, entry.business, entry.plugin) == ("plugin.inherit", "edu.k12", "discount")
    with pytest.raises(UserError, match=r"edu.k12 has no row of its own for plugin 'discount': it already inherits"):
        platform.inherit("discount", "edu.k12")


def test_item_12_inherit_is_governed(platform: Platform) -> None:
    governance.grant(platform.registry, "root", "admin", actor="root")
    governance.grant(platform.registry, "kim", "member", "k12-team", actor="root")
    with pytest.raises(PermissionDenied, match="kim may not make discount inherit at edu"):
        platform.inherit("discount", "edu", actor="kim")
    platform.inherit("discount", "edu.k12", actor="kim")


def test_item_12_the_cli_says_the_config_is_kept(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    from zhongtai.core.cli import state
    from zhongtai.core.cli.main import cli

    monkeypatch.setattr(state.CliState, "platform", property(lambda self: platform))
    out = CliRunner().invoke(cli, ["plugins", "disable", "discount", "-b", "edu.k12"]).output
    assert "Its config at edu.k12 is kept" in out and "zhongtai plugins inherit discount -b edu.k12" in out
    out = CliRunner().invoke(cli, ["plugins", "inherit", "discount", "-b", "edu.k12"]).output
    assert "edu.k12 inherits discount again" in out
