"""``zhongtai new-plugin --extension-point`` for a package point: generated, installed, its tests (the SDK
conformance kit included) and mypy --strict pass with no edits, and the platform loads it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.specs.loyalty import SPECS

ZHONGTAI = str(Path(sys.executable).parent / "zhongtai")


def _env(site: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ZHONGTAI_"))}
    return {**env, "PYTHONPATH": str(site)}


@pytest.mark.slow
def test_new_plugin_for_a_package_point(tmp_path: Path, loyalty_site: Path, make_platform: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    created = subprocess.run(
        [ZHONGTAI, "new-plugin", "triple", "--business", "shop", "--extension-point", "loyalty.earn",
         "-e", "pricing.rounding"],
        cwd=tmp_path, env=_env(loyalty_site), capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stderr
    project = tmp_path / "shop-triple"
    plugin = (project / "src/shop_triple/plugin.py").read_text(encoding="utf-8")
    assert "import acme_loyalty.specs as loyalty_specs\nfrom acme_loyalty.specs import Order, Points\n" in plugin
    assert "@implements(loyalty_specs.loyalty_earn)" in plugin and "@implements(specs.pricing_rounding)" in plugin
    manifest = (project / "src/shop_triple/zhongtai_plugins.toml").read_text(encoding="utf-8")
    assert 'specs = { loyalty = ">=1.2,<2" }' in manifest
    assert f'"{SPECS}>=1.4.0"' in (project / "pyproject.toml").read_text(encoding="utf-8")

    linted = subprocess.run([str(Path(sys.executable).parent / "ruff"), "check", "--select", "F,I", "."],
                            cwd=project, capture_output=True, text=True, timeout=60)
    assert linted.returncode == 0, linted.stdout

    # its own tests (the conformance kit among them) and its own mypy config pass as generated
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project,
                           env=_env(loyalty_site), capture_output=True, text=True, timeout=240)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout
    typed = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(tmp_path / ".m")],
                           cwd=project, env={**_env(loyalty_site), "MYPYPATH": str(loyalty_site)},
                           capture_output=True, text=True, timeout=240)
    assert typed.returncode == 0, typed.stdout + typed.stderr
    (project / "src/shop_triple/plugin.py").write_text(
        plugin.replace("def loyalty_earn(order: Order,", "def loyalty_earn(order: str,"), encoding="utf-8")
    typed = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(tmp_path / ".m")],
                           cwd=project, env={**_env(loyalty_site), "MYPYPATH": str(loyalty_site)},
                           capture_output=True, text=True, timeout=240)
    assert typed.returncode == 1 and "plugin.py" in typed.stdout
    (project / "src/shop_triple/plugin.py").write_text(plugin, encoding="utf-8")

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps",
                    "--target", str(target), str(project)], check=True, capture_output=True, timeout=240)
    monkeypatch.syspath_prepend(str(loyalty_site))
    monkeypatch.syspath_prepend(str(target))
    platform = make_platform(f"sqlite:///{tmp_path / 'r.db'}", plugin_path=[str(target), str(loyalty_site)])
    info = platform.plugins.load_quietly("shop.triple")
    assert (info.status, info.error, info.specs) == ("ok", None, (("loyalty", ">=1.2,<2"),))
