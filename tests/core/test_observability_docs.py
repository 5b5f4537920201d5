"""docs/observability.md: its shell blocks run as shown, in a fresh directory, through bash.

Each line is a real process (the console script from this virtual environment), so the
tracing set-up from ``OTEL_TRACES_EXPORTER`` is exercised as a deployment uses it.
Blocks after ``<!-- not run: ... -->`` are skipped (they need a collector).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "observability.md"


def runnable_blocks() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return [m.group(2) for m in re.finditer(r"(<!-- not run:[^>]*-->\n)?```sh\n(.*?)```", text, re.S)
            if m.group(1) is None]


@pytest.mark.slow
def test_the_shell_blocks_run_as_shown_and_show_what_the_page_says(tmp_path):
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith(("OTEL_", "ZHONGTAI_"))}
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"
    blocks = runnable_blocks()
    assert len(blocks) == 2
    for block in blocks:
        for line in block.strip().splitlines():
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", line], cwd=tmp_path, env=environ,
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
            if " call pricing.base_price " in line:
                assert json.loads(done.stdout) == {"amount": "100.00", "currency": "CNY"}

    decoder, text, found = json.JSONDecoder(), (tmp_path / "spans.json").read_text(), []
    position = text.find("{")
    while position != -1:
        span, end = decoder.raw_decode(text, position)
        found.append(span)
        position = text.find("{", end)
    by_name = {span["name"]: span for span in found}
    assert set(by_name) == {"zhongtai.call pricing.base_price", "zhongtai.plugin pricing.price-list"}
    call = by_name["zhongtai.call pricing.base_price"]["attributes"]
    assert call["zhongtai.business"] == "edu.k12" and call["zhongtai.plugin.count"] == 1
    plugin = by_name["zhongtai.plugin pricing.price-list"]
    assert plugin["attributes"]["zhongtai.plugin.level"] == "edu"
    assert plugin["attributes"]["zhongtai.outcome"] == "answered"
    assert plugin["parent_id"] == by_name["zhongtai.call pricing.base_price"]["context"]["span_id"]
    assert by_name["zhongtai.call pricing.base_price"]["resource"]["attributes"]["service.name"] == "zhongtai"

    lines = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert lines and all(line["logger"].startswith("sqlalchemy.engine") for line in lines)
    assert {"time", "level", "logger", "message"} <= set(lines[0])
