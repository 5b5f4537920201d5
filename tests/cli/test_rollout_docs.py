"""docs/rollout.md: every ``zhongtai`` line of its shell blocks runs as shown, in order.

On a registry like the demo's where it matters (``edu.k12`` with the K12 team's
kids theme enabled), in-process through click's runner; the gateway's ``curl``
line needs a running server and is run by the gateway tests' equivalent instead.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from zhongtai.core.cli.main import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "rollout.md"


def zhongtai_lines() -> list[str]:
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        for line in block.replace("\\\n", " ").splitlines():
            command = line.split("  #", 1)[0].strip()
            if command.startswith("zhongtai "):
                lines.append(command)
    return lines


def test_every_zhongtai_line_of_the_page_runs_as_shown(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ZHONGTAI_DATABASE_URL", f"sqlite:///{tmp_path}/zhongtai.db")
    monkeypatch.setenv("ZHONGTAI_ACTOR", "ann")
    monkeypatch.delenv("ZHONGTAI_PLUGIN_PATH", raising=False)
    setup = [["business", "create", "edu"], ["business", "create", "edu.k12"],
             ["plugins", "enable", "theming.base", "-b", "edu"],
             ["plugins", "enable", "edu-k12.kids-theme", "-b", "edu.k12"]]
    lines = zhongtai_lines()
    assert len(lines) >= 12
    for argv in [*setup, *(shlex.split(line)[1:] for line in lines)]:
        result = CliRunner().invoke(cli, argv, catch_exceptions=False)
        assert result.exit_code == 0, f"zhongtai {shlex.join(argv)}\n{result.output}"
    assert (tmp_path / "text-size.svg").read_text(encoding="utf-8").startswith("<svg")
