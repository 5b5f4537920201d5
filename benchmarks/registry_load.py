"""Loading a big registry, and recompiling after one change.

Builds a registry of 10,000 businesses in a 5-level tree with 100,000
enablements (10 per business, 50 plugins), then prints, on SQLite and on the
PostgreSQL server:

* the cold load of the whole registry (``Registry.snapshot()`` in a fresh
  process-like Registry) beside a plain ``SELECT`` of the same rows through the
  same driver (target: <= 3x), and the memory the snapshot holds;
* the first call for a leaf business (plan compiled from the snapshot);
* one change at a business with ~100 descendants whose plans are warm: the
  incremental refresh plus recompiling those 101 plans (target: <= 10 ms).

Timings are the median of several rounds.  Targets are printed, never asserted.

    .venv/bin/python benchmarks/registry_load.py [--quick] [--sqlite-only | --postgresql-only]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
from databases import postgresql_url, sqlite_url
from sqlalchemy import insert, text

from zhongtai.core.markers import hookimpl
from zhongtai.core.registry.models import BusinessRow, EnablementRow
from zhongtai.core.registry.store import Registry
from zhongtai.core.runtime import Platform
from zhongtai.core.specs.pricing import Money

LEVELS = (0.001, 0.01, 0.05, 0.2)  # share of the businesses on levels 1-4; level 5 takes the rest
PER_BUSINESS = 10
PLUGINS = 50
POINT = "pricing.base_price"


def tree(total: int) -> list[tuple[str, str | None]]:
    """(code, parent) for *total* businesses, 5 levels, parents assigned round robin."""
    rows: list[tuple[str, str | None]] = []
    parents: list[str | None] = [None]
    sizes = [max(1, round(total * share)) for share in LEVELS]
    sizes.append(total - sum(sizes))
    for level, size in enumerate(sizes):
        codes = []
        for i in range(size):
            parent = parents[i % len(parents)]
            code = f"l{level}n{i}" if parent is None else f"{parent}.n{i}"
            rows.append((code, parent))
            codes.append(code)
        parents = list(codes)
    return rows


def populate(registry: Registry, businesses: int, per_business: int) -> list[tuple[str, str | None]]:
    registry.ensure_schema()
    now = dt.datetime.now(dt.UTC)
    rows = tree(businesses)
    with registry.engine.begin() as connection:
        connection.execute(insert(BusinessRow), [
            {"code": code, "parent": parent, "name": code, "owner": "bench", "status": "active", "version": 1,
             "created_at": now, "updated_at": now, "updated_by": "bench"} for code, parent in rows])
        connection.execute(insert(EnablementRow), [
            {"business": code, "plugin": f"p{(b + k * 5) % PLUGINS:02d}", "enabled": True,
             "config": {"amount": str(b % 97), "note": "x" * 10}, "priority": k, "version": 1,
             "updated_at": now, "updated_by": "bench"}
            for b, (code, _) in enumerate(rows) for k in range(per_business)])
        connection.execute(text("UPDATE zt_registry_state SET revision = 1"))
    return rows


def raw_fetch(registry: Registry) -> int:
    """A plain SELECT of the same columns the snapshot reads, through the same DBAPI driver."""
    connection = registry.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT code, parent, name, owner, status, version, updated_at, updated_by FROM zt_business")
        count = len(cursor.fetchall())
        cursor.execute("SELECT business, plugin, enabled, config, priority, version, updated_at, updated_by "
                       "FROM zt_enablement")
        count += len(cursor.fetchall())
        cursor.close()
    finally:
        connection.close()
    return count


def median_seconds(action: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def retained_mib(action: Callable[[], Any]) -> float:
    """MiB still allocated after *action* while its result is alive."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    result = action()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del result
    return held / 2**20


@attrs.frozen
class BenchConfig:
    amount: str = "0"
    note: str = ""


def make_plugin(index: int) -> Any:
    class Plugin:
        @hookimpl
        def pricing_base_price(self, sku: str, context: Any) -> Money | None:
            return Money(Decimal(index), "CNY") if sku == f"p{index:02d}" else None

    return Plugin()


def platform_on(url: str) -> Platform:
    platform = Platform(url, discover=False, refresh_interval=3600, listen=False)
    for i in range(PLUGINS):
        platform.add_plugin(make_plugin(i), f"p{i:02d}", config=BenchConfig)
    return platform


def measure(url: str, businesses: int, rounds: int) -> dict[str, float]:
    registry = Registry(url)
    rows = populate(registry, businesses, PER_BUSINESS)
    result: dict[str, float] = {"rows": raw_fetch(registry)}
    result["raw"] = median_seconds(lambda: raw_fetch(registry), rounds)

    def cold_load() -> Any:
        fresh = Registry(url)
        try:
            return fresh.snapshot()
        finally:
            fresh.close()

    result["load"] = median_seconds(cold_load, rounds)
    result["mib"] = retained_mib(cold_load)
    registry.close()

    leaf = rows[-1][0]
    first_calls = []
    for _ in range(rounds):
        platform = platform_on(url)
        platform.refresh()
        start = time.perf_counter()
        platform.business(leaf).call(POINT, sku="p01", request=None)
        first_calls.append(time.perf_counter() - start)
        platform.close()
    result["first_call"] = statistics.median(first_calls)

    # A business on level 2 has ~100 descendants (100 of them for the default sizes).
    level2 = [code for code, _ in rows if code.count(".") == 1]
    reader, writer = platform_on(url), platform_on(url)
    reader.refresh()
    recompiles, refreshes, subtree = [], [], 0
    for r in range(rounds):
        target = level2[r % len(level2)]
        codes = [target, *reader.snapshot.descendants(target)]
        subtree = len(codes) - 1
        for code in codes:  # warm plans
            reader.business(code).call(POINT, sku="p01", request=None)
        writer.enable(f"p{r % PLUGINS:02d}", target, config={"amount": str(r)}, priority=100 + r, actor="bench")
        start = time.perf_counter()
        reader.refresh()
        refreshed = time.perf_counter()
        for code in codes:
            reader.plan(code, POINT)
        done = time.perf_counter()
        refreshes.append(refreshed - start)
        recompiles.append(done - start)
    result["descendants"] = subtree
    result["refresh"] = statistics.median(refreshes)
    result["recompile"] = statistics.median(recompiles)
    reader.close()
    writer.close()
    return result


def report(backend: str, r: dict[str, float]) -> None:
    ratio = r["load"] / r["raw"]
    print(f"\n{backend}: {int(r['rows']):,} rows")
    print(f"  raw SELECT of the same rows       {r['raw'] * 1000:8.1f} ms")
    print(f"  cold load (Registry.snapshot)     {r['load'] * 1000:8.1f} ms  = {ratio:.2f}x raw "
          f"(target <= 3x: {'ok' if ratio <= 3 else 'MISSED'}), holding {r['mib']:.0f} MiB")
    print(f"  first call for a leaf business    {r['first_call'] * 1000:8.2f} ms")
    print(f"  one change at a business with {int(r['descendants'])} descendants: refresh "
          f"{r['refresh'] * 1000:.2f} ms, refresh + recompile all {int(r['descendants']) + 1} plans "
          f"{r['recompile'] * 1000:.2f} ms (target <= 10 ms: {'ok' if r['recompile'] <= 0.010 else 'MISSED'})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 businesses, 3 rounds (a smoke run)")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgresql-only", action="store_true")
    args = parser.parse_args(argv)
    businesses, rounds = (1000, 3) if args.quick else (10_000, 5)
    print(f"registry load: {businesses:,} businesses x {PER_BUSINESS} enablements, {PLUGINS} plugins, "
          f"median of {rounds}")
    results: dict[str, dict[str, float]] = {}
    if not args.postgresql_only:
        with sqlite_url() as url:
            results["SQLite"] = measure(url, businesses, rounds)
        report("SQLite", results["SQLite"])
    if not args.sqlite_only:
        with postgresql_url() as url:
            results["PostgreSQL"] = measure(url, businesses, rounds)
        report("PostgreSQL", results["PostgreSQL"])
    print("\n" + json.dumps({k: {m: round(v, 6) for m, v in r.items()} for k, r in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
