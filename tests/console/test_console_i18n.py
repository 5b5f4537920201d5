"""The console's catalogs: the docs' extraction command runs as shown, the template is current,
every message has a Chinese translation, and Babel compiles the catalog at load time."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path("gateway/src/zhongtai/gateway/console")
DOCS = ROOT / "docs" / "console.md"


def _ids(path: Path) -> set[str]:
    with path.open("rb") as source:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(source) if m.id}


def _docs_command(name: str) -> list[str]:
    line = next(line for line in DOCS.read_text().splitlines() if line.startswith(f"pybabel {name} "))
    return [str(Path(sys.executable).with_name("pybabel")), *line.split()[1:]]


def test_the_template_is_current_and_every_message_is_translated(tmp_path: Path) -> None:
    shutil.copytree(ROOT / PACKAGE, tmp_path / PACKAGE)
    done = subprocess.run(_docs_command("extract"), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    extracted = _ids(tmp_path / PACKAGE / "locale" / "messages.pot")
    assert len(extracted) > 100
    assert extracted == _ids(ROOT / PACKAGE / "locale" / "messages.pot"), "run the docs' pybabel extract"
    with (ROOT / PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale="zh_CN")
    untranslated = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple)
                                                            else m.string)]
    assert not untranslated
    assert extracted <= {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    for message in catalog:  # placeholders survive translation
        if message.id and isinstance(message.id, str):
            assert set(re.findall(r"%\(\w+\)s", message.id)) == set(re.findall(r"%\(\w+\)s", message.string))


def test_babel_compiles_the_catalog_and_the_browser_picks_the_language() -> None:
    from zhongtai.gateway.console import i18n

    assert i18n.translations("zh_CN").gettext("Capability map") == "能力地图"
    assert i18n.translations("en").gettext("Capability map") == "Capability map"
    assert i18n.negotiate(None, "zh-TW,zh;q=0.9,en;q=0.8") == "zh_CN"
    assert i18n.negotiate(None, "fr-FR,en;q=0.5,zh;q=0.4") == "en"
    assert i18n.negotiate(None, "de, *;q=0.1") == "en"
    assert i18n.negotiate("zh_CN", "en") == "zh_CN"
    assert i18n.negotiate("xx", "zh") == "zh_CN"
    with i18n.active("zh_CN"):
        assert i18n.ngettext_("%(num)d business changes its effective plugins",
                              "%(num)d businesses change their effective plugins", 3) % {"num": 3} \
            == "3 个业务的生效插件发生变化"


def test_the_docs_commands_run_as_shown(tmp_path: Path, sqlite_url: str) -> None:
    """docs/console.md's token commands (``zhongtai serve`` itself runs in the browser tests) and its
    ``pybabel update`` (on a copy of the package)."""
    import os

    block = DOCS.read_text().split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].split() for line in block.splitlines() if line.startswith("zhongtai access")]
    assert len(commands) == 2
    from zhongtai.core.runtime.platform import Platform

    platform = Platform(sqlite_url)
    platform.create_business("edu", actor="setup")
    platform.close()
    env = {**os.environ, "ZHONGTAI_DATABASE_URL": sqlite_url}
    for command in commands:
        done = subprocess.run([str(Path(sys.executable).with_name("zhongtai")), *command[1:]], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "zt_" in done.stdout
    shutil.copytree(ROOT / PACKAGE, tmp_path / PACKAGE)
    done = subprocess.run(_docs_command("update"), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _ids(tmp_path / PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po") == _ids(
        ROOT / PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po")
