"""What `make test` itself does (issue 19): it names its slow tests (item 6) and type-checks every package (item 15)."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_item_6_pytest_reports_the_slowest_tests() -> None:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    assert re.search(r"--durations=\d+", options)


def test_item_15_make_type_checks_every_plugin_package_and_example() -> None:
    done = subprocess.run(["make", "--no-print-directory", "-n", "type-check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    command = done.stdout
    assert "mypy" in command
    packages = [p.parent.relative_to(ROOT) for p in ROOT.glob("plugins/*/src/zhongtai/plugins/*/__init__.py")]
    packages += [p.parent.relative_to(ROOT) for p in ROOT.glob("examples/*/src/*/__init__.py")]
    assert len(packages) >= 6
    for package in [*packages, Path("examples/zhongtai_demo"), Path("core/src/zhongtai/core")]:
        assert f" {package}" in command, f"make type does not check {package}"
    tox = (ROOT / "tox.ini").read_text()
    assert "make --no-print-directory type-check" in tox
