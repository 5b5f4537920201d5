"""A failing explained call keeps the steps that ran; its message says why once (issue 19, item 13)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from zhongtai.core.errors import PluginCallError, UserError
from zhongtai.core.runtime import Platform
from zhongtai.sdk import hookimpl


class Base:
    @hookimpl
    def theming_tokens(self, context: Any) -> dict[str, Any]:
        return {"color": {"brand": {"$value": "#f00", "$type": "color"}}}


class Broken:
    @hookimpl
    def theming_tokens(self, context: Any) -> dict[str, Any]:
        raise RuntimeError("the theme service is down")


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    platform = Platform(f"sqlite:///{tmp_path / 'r.db'}", discover=False, refresh_interval=0)
    platform.add_plugin(Base(), "theme.base")
    platform.add_plugin(Broken(), "theme.broken")
    platform.create_business("travel")
    platform.create_business("travel.flight")
    platform.enable("theme.base", "travel", priority=10)
    platform.enable("theme.broken", "travel.flight")
    yield platform
    platform.close()


def test_item_13_an_explained_call_that_fails_carries_the_steps_that_ran(platform: Platform) -> None:
    with pytest.raises(PluginCallError) as caught:
        platform.business("travel.flight").explain("theming.tokens")
    steps = caught.value.partial_trace
    assert [(s.plugin, s.outcome) for s in steps] == [("theme.base", "contributed"), ("theme.broken", "error")]
    assert "the theme service is down" in steps[-1].error


def test_item_13_cli_call_explain_prints_the_partial_trace(platform: Platform,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from zhongtai.core.cli import state
    from zhongtai.core.cli.main import cli

    monkeypatch.setattr(state.CliState, "platform", property(lambda self: platform))
    result = CliRunner().invoke(cli, ["call", "theming.tokens", "-b", "travel.flight", "--explain"])
    assert result.exit_code == 1
    assert "The call failed after 2 step(s):" in result.stdout
    lines = result.stdout.splitlines()
    assert any("theme.base" in line and "contributed" in line for line in lines)
    assert any("theme.broken" in line and "error" in line for line in lines)
    assert "the theme service is down" in result.stderr
    quiet = CliRunner().invoke(cli, ["call", "theming.tokens", "-b", "travel.flight"])
    assert quiet.exit_code == 1 and "step(s)" not in quiet.stdout


def test_item_13_not_enabled_says_why_once(platform: Platform) -> None:
    platform.add_plugin(Base(), "theme.idle")
    with pytest.raises(UserError) as caught:
        platform.effective_config("theme.idle", "travel.flight")
    assert caught.value.message == "plugin 'theme.idle' is not enabled at travel.flight (nor at any level above it)"
    with pytest.raises(UserError) as caught:
        platform.effective_config("theme.idle", "travel")
    assert caught.value.message == "plugin 'theme.idle' is not enabled at travel"
    platform.disable("theme.base", "travel.flight")
    with pytest.raises(UserError) as caught:
        platform.effective_config("theme.base", "travel.flight")
    assert caught.value.message == "plugin 'theme.base' is not enabled at travel.flight (disabled here)"
