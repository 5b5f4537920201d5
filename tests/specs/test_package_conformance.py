"""The SDK conformance kit checks a plugin of a package point against that point's own contract."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from zhongtai.sdk.conformance import ConformanceError, assert_conforms

PLUGIN = '''
from acme_loyalty.specs import Order, Points, loyalty_earn
from zhongtai.sdk import PluginContext, implements


@implements(loyalty_earn)
def earn(order: Order, context: PluginContext) -> Points | None:
    return Points(points=-1 if {negative} else 1, reason="flat")
'''


def _project(root: Path, negative: bool) -> Path:
    package = root / "src" / "flat_points"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "plugin.py").write_text(PLUGIN.format(negative=negative))
    (package / "zhongtai_plugins.toml").write_text(
        '[plugins."shop.flat"]\napi = ">=1.0,<2"\nspecs = { loyalty = ">=1.0,<2" }\n'
        'extension_points = ["loyalty.earn"]\n')
    (root / "pyproject.toml").write_text(
        '[project]\nname = "flat-points"\nversion = "0.1.0"\n\n'
        '[project.entry-points."zhongtai.plugins"]\n"shop.flat" = "flat_points.plugin"\n')
    return root


@pytest.mark.parametrize("negative", [False, True])
def test_conformance_of_a_package_point(tmp_path, loyalty_site, monkeypatch, negative):
    monkeypatch.syspath_prepend(str(loyalty_site))
    project = _project(tmp_path / "project", negative)
    monkeypatch.syspath_prepend(str(project / "src"))
    sys.modules.pop("flat_points.plugin", None)
    sys.modules.pop("flat_points", None)
    if not negative:
        report = assert_conforms("shop.flat", project, max_examples=10)
        assert [(p.extension_point, p.calls > 0) for p in report.points] == [("loyalty.earn", True)]
        return
    with pytest.raises(ConformanceError, match="does not conform to loyalty.earn: .*points must not be negative"):
        assert_conforms("shop.flat", project, max_examples=10)
