"""The demo's helpers on their own: the event clock, set-up commands, preflight."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.examples.conftest import EXAMPLES

BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The ``zhongtai_demo`` package, imported from examples/."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    import zhongtai_demo

    yield zhongtai_demo


@pytest.mark.parametrize(("now", "event"), [
    (dt.datetime(2025, 6, 18, 23, 0, tzinfo=BEIJING), dt.datetime(2025, 6, 18, 22, 30, tzinfo=BEIJING)),
    (dt.datetime(2025, 6, 18, 22, 30, tzinfo=BEIJING), dt.datetime(2025, 6, 18, 22, 30, tzinfo=BEIJING)),
    (dt.datetime(2025, 6, 18, 10, 0, tzinfo=BEIJING), dt.datetime(2025, 6, 17, 22, 30, tzinfo=BEIJING)),
    (dt.datetime(2025, 6, 18, 15, 0, tzinfo=dt.UTC), dt.datetime(2025, 6, 18, 22, 30, tzinfo=BEIJING)),  # 23:00
])
def test_the_event_fires_at_the_latest_2230_beijing_time(demo: Any, now: dt.datetime, event: dt.datetime) -> None:
    from zhongtai_demo.scenario import event_time

    assert event_time(now) == event


def test_plain_configs_become_set_options_and_nested_ones_a_config_file(demo: Any, tmp_path: Path) -> None:
    from zhongtai_demo.setup_registry import Enablement, enable_command

    plain = enable_command(Enablement("mall-flagship.brand-theme", "mall.flagship", {"primary": "#b3000c"}), tmp_path)
    assert plain == ["plugins", "enable", "mall-flagship.brand-theme", "--business", "mall.flagship",
                     "--set", "primary=#b3000c"]
    nested = enable_command(Enablement("channels.rules", "edu", {"rules": [{"id": "r"}]}), tmp_path)
    assert nested[-2] == "--config-file"
    assert json.loads((tmp_path / "edu" / "channels.rules.json").read_text(encoding="utf-8")) == {
        "rules": [{"id": "r"}]}
    assert enable_command(Enablement("theming.base", "edu"), tmp_path)[-2:] == ["--business", "edu"]


def test_the_setup_creates_parents_first_and_enables_only_at_known_businesses(demo: Any) -> None:
    from zhongtai_demo.setup_registry import load_setup

    setup = load_setup()
    created: list[str] = []
    for business in setup.businesses:
        parent = business["code"].rpartition(".")[0]
        assert not parent or parent in created, business["code"]
        created.append(business["code"])
    assert {e.business for e in setup.enablements} <= set(created)


def test_a_missing_distribution_is_named_with_its_folder(demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from zhongtai_demo import preflight
    from zhongtai_demo.errors import DemoError

    assert preflight.missing_distributions() == []
    monkeypatch.setitem(preflight.REQUIRED, "zhongtai-not-landed-yet", "plugins/not-landed-yet")
    with pytest.raises(DemoError, match=r"not installed: zhongtai-not-landed-yet\..*-e plugins/not-landed-yet"):
        preflight.check_installed()


def test_a_failing_cli_command_is_one_line_naming_it(demo: Any, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    from zhongtai_demo import shell
    from zhongtai_demo.errors import DemoError

    monkeypatch.setenv("ZHONGTAI_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    assert "Created business edu" in shell.run(["business", "create", "edu"])
    with pytest.raises(DemoError, match=r"^`zhongtai business create edu\.k12\.x` failed: .*edu\.k12"):
        shell.run(["business", "create", "edu.k12.x"])
