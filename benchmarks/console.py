"""The admin console's capability map with 10,000 businesses: server render time per page.

Builds a SQLite registry of 10,000 businesses in a 5-level tree (the tree of
``registry_load.py``) using the really installed capability packages: the
platform's plugins enabled at each root, more at levels 2-4 (an incubating one
among them), a plugin disabled at some leaves.  Then, through the console's own
code path (``capability_map.build_page`` + the ``map.html`` template, exactly
what ``GET /console/map`` runs), it prints per page kind:

* cold: a fresh Platform's first page (the registry snapshot is loaded and
  every plugin imported beforehand, as a serving process does once; the page
  resolves its businesses, compiles their plans and runs ``zhongtai doctor``'s
  per-business checks for them);
* warm: the same page again (plans cached until the registry changes);

beside the CLI's own capability view (``capabilities.capability_map`` for the
same page of businesses, no HTML) -- target: every page <= 300 ms.  Timings are
medians; targets are printed, never asserted.

    .venv/bin/python benchmarks/console.py [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from databases import sqlite_url
from registry_load import tree
from sqlalchemy import insert, text

from zhongtai.core.capabilities import capability_map
from zhongtai.core.registry.models import BusinessRow, EnablementRow
from zhongtai.core.registry.store import Registry
from zhongtai.core.runtime.platform import Platform
from zhongtai.gateway.console.capability_map import PluginFindings, build_page
from zhongtai.gateway.console.rendering import render

TARGET_MS = 300.0
PAGE_SIZE = 50
#: plugins enabled at each level of the tree (level 0 = the roots); they take no required config
BY_LEVEL = {
    0: ["channels.rules", "notifiers.inbox", "notifiers.templates", "pricing.price-list", "pricing.rounding",
        "theming.base", "verification.standard"],
    1: ["pricing.member-tier", "theming.overrides"],
    2: ["pricing.channel", "verification.fake-provider"],
    3: ["pricing.tiered"],
    4: ["channels.rules"],
}


def populate(url: str, businesses: int) -> list[str]:
    registry = Registry(url)
    registry.ensure_schema()
    now = dt.datetime.now(dt.UTC)
    rows = tree(businesses)
    enablements = []
    for b, (code, _) in enumerate(rows):
        level = code.count(".")
        for plugin in BY_LEVEL.get(level, []):
            enablements.append({"business": code, "plugin": plugin, "enabled": True, "config": {},
                                "priority": 0, "version": 1, "updated_at": now, "updated_by": "bench"})
        if level == 4 and b % 7 == 0:
            enablements.append({"business": code, "plugin": "notifiers.inbox", "enabled": False, "config": {},
                                "priority": 0, "version": 1, "updated_at": now, "updated_by": "bench"})
    with registry.engine.begin() as connection:
        connection.execute(insert(BusinessRow), [
            {"code": code, "parent": parent, "name": code, "owner": f"team-{code.split('.')[0]}",
             "status": "active", "version": 1, "created_at": now, "updated_at": now, "updated_by": "bench"}
            for code, parent in rows])
        connection.execute(insert(EnablementRow), enablements)
        connection.execute(text("UPDATE zt_registry_state SET revision = 1"))
    registry.close()
    return [code for code, _ in rows]


def render_page(platform: Platform, doctor: PluginFindings, **query: Any) -> str:
    data = build_page(platform, doctor, page_size=PAGE_SIZE, **query)
    page = _StubPage()
    return render("map.html", "en", {"page": page, "session": _Session(), "csrf": "x", "url": page.url,
                                     "lang": "en", "languages": {"en": ("en", "English")}, "locale": "en",
                                     "here": "/console/map", "data": data})


class _Session:
    logged_in = True
    principal = "token:bench/bench"
    scope = "admin"
    subtree = None

    @staticmethod
    def may_edit(code: str) -> bool:
        return True


class _StubPage:
    @staticmethod
    def url(path: str, **query: Any) -> str:
        return "/console" + path


def cli_view(platform: Platform, codes: list[str]) -> int:
    """The CLI's capability view (``zhongtai capabilities --business``) for the same businesses."""
    return sum(len(capability_map(platform, code)["extension_points"]) for code in codes)


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (the business count stays 10,000)")
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else 5
    businesses = 10_000
    with sqlite_url() as url:
        codes = populate(url, businesses)
        last = -(-len(codes) // PAGE_SIZE)
        middle_subtree = next(c for c in codes if c.count(".") == 1)
        kinds: dict[str, dict[str, Any]] = {
            "first page": {"page": 1},
            "middle page": {"page": last // 2},
            "last page": {"page": last},
            f"subtree {middle_subtree}": {"subtree": middle_subtree},
            "capability pricing": {"capability": "pricing", "page": last // 3},
        }
        print(f"{businesses:,} businesses, {PAGE_SIZE} per page ({last} pages); target <= {TARGET_MS:.0f} ms a page")
        start = time.perf_counter()
        probe = Platform(url, refresh_interval=3600, listen=False)
        probe.refresh()
        doctor = PluginFindings()
        findings = doctor.findings(probe)
        print(f"once per process: registry snapshot + importing every plugin ({len(findings)} plugin findings) "
              f"{(time.perf_counter() - start) * 1000:.0f} ms")
        print(f"{'page':<28}{'cold ms':>9}{'warm ms':>9}{'CLI view ms':>13}{'warm/CLI':>10}  target")
        worst = 0.0
        for kind, query in kinds.items():
            colds, warms, clis = [], [], []
            for _ in range(rounds):
                platform = Platform(url, refresh_interval=3600, listen=False)
                platform.refresh()
                platform.plugins.load_all()
                page = functools.partial(render_page, platform, doctor, **query)
                colds.append(timed(page))
                warms.append(timed(page))
                shown = [row.code for row in build_page(platform, doctor, page_size=PAGE_SIZE, **query).rows]
                fresh = Platform(url, refresh_interval=3600, listen=False)
                fresh.refresh()
                fresh.plugins.load_all()
                clis.append(timed(functools.partial(cli_view, fresh, shown)))
                platform.close()
                fresh.close()
            cold, warm, cli = (statistics.median(x) for x in (colds, warms, clis))
            worst = max(worst, cold, warm)
            verdict = "ok" if max(cold, warm) <= TARGET_MS else "OVER"
            print(f"{kind:<28}{cold:>9.1f}{warm:>9.1f}{cli:>13.1f}{warm / cli:>10.2f}  {verdict}")
        probe.close()
        print(f"worst page {worst:.1f} ms = {worst / TARGET_MS:.2f} x the {TARGET_MS:.0f} ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
