"""docs/coupons.md: its shell blocks run as they stand.

The ``zhongtai`` lines run in-process (click's runner; a console-script start per line
would cost a second each), every other line through the shell, ``VAR=$(...)`` captures
included, so the block is exactly what a reader types.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from zhongtai.core.cli.main import cli

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "coupons.md"
CAPTURE = re.compile(r"^(\w+)=\$\((zhongtai .*?) \| (python3 -c '.*')\)$")


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def _zhongtai(line: str) -> str:
    result = CliRunner().invoke(cli, shlex.split(line)[1:], catch_exceptions=False)
    assert result.exit_code == 0, f"{line}\n{result.output}"
    return result.stdout


def run_block(block: str, cwd: Path) -> str:
    """Run *block* line by line as a reader would; return what the zhongtai lines printed."""
    variables: dict[str, str] = {}
    printed = []
    for raw in block.strip().splitlines():
        line = re.sub(r"\$(\w+)", lambda m: variables.get(m.group(1), m.group(0)), raw)
        captured = CAPTURE.match(line)
        if captured:
            name, command, pipe = captured.groups()
            done = subprocess.run(shlex.split(pipe.replace("python3", sys.executable, 1)),
                                  input=_zhongtai(command), capture_output=True, text=True, check=True)
            variables[name] = done.stdout.strip()
        elif line.startswith("zhongtai "):
            printed.append(_zhongtai(line))
        else:
            subprocess.run(["bash", "-euc", line], cwd=cwd, check=True)
    return "".join(printed)


def test_the_shell_blocks_of_the_docs_page_run_as_shown(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ZHONGTAI_DATABASE_URL", f"sqlite:///{tmp_path}/zhongtai.db")
    monkeypatch.setenv("ZHONGTAI_ACTOR", "ann")
    monkeypatch.delenv("ZHONGTAI_PLUGIN_PATH", raising=False)
    walk, pricing = shell_blocks()
    out = run_block(walk, tmp_path)
    assert "ledger, counters and coupons agree" in out and "job " in out
    quoted = run_block(pricing, tmp_path)
    assert re.search(r"coupon \S+\s+coupons\.wallet\s+order\s+130\.00\s+110\.00\s+-20\.00\s+New user 20 off",
                     quoted), quoted
    assert "110.00 CNY" in quoted
