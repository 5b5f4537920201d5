"""The stdlib-only entry point scanner agrees with importlib_metadata on real installed distributions."""

from __future__ import annotations

import importlib_metadata

from tests.cli.testplugins import DISTRIBUTION, ENTRY_POINTS, VERSION
from zhongtai.core.entrypoints import entry_points, parse_entry_points


def test_scanner_matches_importlib_metadata(plugin_site):
    path = [str(plugin_site)]
    ours = {(e.group, e.name, e.value, e.distribution, e.version)
            for e in entry_points(["zhongtai.plugins", "zhongtai.cli"], path)}
    theirs = {(ep.group, ep.name, ep.value, dist.metadata["Name"], dist.version)
              for dist in importlib_metadata.distributions(path=path)
              for ep in dist.entry_points if ep.group in ("zhongtai.plugins", "zhongtai.cli")}
    assert ours == theirs
    assert {e[1] for e in ours if e[0] == "zhongtai.plugins"} == set(ENTRY_POINTS["zhongtai.plugins"])
    assert {(e[3], e[4]) for e in ours} == {(DISTRIBUTION, VERSION)}


def test_parse_entry_points_text():
    text = "# comment\n[console_scripts]\nx = a:b\n\n[zhongtai.plugins]\n pricing.tiered = pkg.mod:obj [extra]\n"
    assert list(parse_entry_points(text)) == [("console_scripts", "x", "a:b"),
                                              ("zhongtai.plugins", "pricing.tiered", "pkg.mod:obj [extra]")]


def test_missing_and_unrelated_directories_are_ignored(tmp_path):
    (tmp_path / "junk.dist-info").mkdir()
    assert entry_points("zhongtai.plugins", [str(tmp_path / "absent"), str(tmp_path)]) == []
