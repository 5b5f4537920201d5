"""Many real processes on one registry: propagation to running servers, concurrent writers.

* 8 worker processes serve calls in a loop while a 9th party changes enablements
  through the installed ``zhongtai`` console script.  Every answer a worker gives
  must equal the registry's state at the revision it served from (no half-applied
  change, no stale plan), workers never go back in revisions (so every call after
  a change reached a worker sees it), every worker ends at the final revision, and
  the propagation delay per change and worker is printed.  On PostgreSQL the
  workers never poll: LISTEN/NOTIFY is the only way they hear of changes.
* 16 processes x 10 read-then-write increments (``ZHONGTAI_CONCURRENCY_INCREMENTS=100`` for
  the issue's full size, also ``benchmarks/propagation.py --concurrency``) on 4 overlapping
  businesses, each with ``expected_version`` and retried when stale: no lost update,
  one audit row per applied change, and the final state equals the serial replay of
  the audit log.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.registry.plugins import INSTALLED_NAME, add_price_plugin, install
from zhongtai.core.identity import lineage
from zhongtai.core.registry.store import AuditEntry, Registry

ROOT = Path(__file__).resolve().parents[2]
BUSINESSES = ["edu", "edu.k12", "edu.k12.math", "edu.college"]
WORKERS = 8
WRITERS = 16
#: 16 x 10 by default: on 2 shared cores 16 x 25 already takes 40-70 s; the issue's full 16 x 100 runs with
#: ZHONGTAI_CONCURRENCY_INCREMENTS=100 (and in benchmarks/propagation.py --concurrency).
INCREMENTS = int(os.environ.get("ZHONGTAI_CONCURRENCY_INCREMENTS", "10"))
CHANGES = [("edu", 1), ("edu.k12", 2), ("edu", 3), ("edu.k12.math", 4), ("edu", 5), ("edu.k12", 6)]

pytestmark = pytest.mark.slow


def _setup(url: str, make_platform: Any) -> None:
    platform = make_platform(url, discover=False)
    add_price_plugin(platform, INSTALLED_NAME)
    for code in BUSINESSES:
        platform.create_business(code, actor="setup")
    platform.enable(INSTALLED_NAME, "edu", config={"amount": "0"}, actor="setup")


def _spawn(role: str, url: str, out: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.registry.procs", role, url, str(out), *args], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=out.with_suffix(".err").open("wb"),
    )


def _wait(predicate: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _finish(processes: list[subprocess.Popen[bytes]], outs: list[Path], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    try:
        for process, out in zip(processes, outs):
            code = process.wait(timeout=max(0.1, deadline - time.monotonic()))
            assert code == 0, out.with_suffix(".err").read_text()
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def _replay(audit: list[AuditEntry]) -> dict[int, dict[str, Decimal]]:
    """Effective amount per business after each revision, replaying the audit log serially."""
    own: dict[str, Decimal] = {}
    states: dict[int, dict[str, Decimal]] = {}
    for entry in sorted(audit, key=lambda e: (e.revision, e.id)):
        if entry.plugin == INSTALLED_NAME and entry.action == "plugin.enable" and entry.after is not None:
            own[entry.business or ""] = Decimal(str(entry.after["config"]["amount"]))
        states[entry.revision] = {
            code: next((own[level] for level in reversed(lineage(code)) if level in own), Decimal(-1))
            for code in BUSINESSES
        }
    return states


@pytest.fixture(scope="module")
def testplugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install(tmp_path_factory.mktemp("registry-testplugin"))


def test_eight_servers_see_every_cli_change_whole_and_soon(registry_url, make_platform, tmp_path, testplugin_site):
    _setup(registry_url, make_platform)
    postgresql = registry_url.startswith("postgresql")
    mode = ["--interval", "30", "--listen"] if postgresql else ["--interval", "0.05"]
    outs = [tmp_path / f"worker{i}.jsonl" for i in range(WORKERS)]
    args = [arg for code in BUSINESSES for arg in ("--business", code)]
    workers = [_spawn("serve", registry_url, out, *args, *mode) for out in outs]
    try:
        _wait(lambda: all(out.with_suffix(".ready").exists() for out in outs), 60, "workers to start")
        zhongtai = shutil.which("zhongtai", path=str(Path(sys.executable).parent))
        assert zhongtai, "the zhongtai console script is not installed in this environment"
        env = {**os.environ, "ZHONGTAI_DATABASE_URL": registry_url, "ZHONGTAI_PLUGIN_PATH": str(testplugin_site),
               "ZHONGTAI_ACTOR": "changer"}
        for business, amount in CHANGES:
            subprocess.run([zhongtai, "plugins", "enable", INSTALLED_NAME, "--business", business,
                            "--set", f"amount={amount}"], env=env, check=True, capture_output=True, timeout=60)

        registry = Registry(registry_url)
        audit = registry.audit()
        final = registry.revision()
        registry.close()

        def caught_up(out: Path) -> bool:
            lines = out.read_text(encoding="utf-8").splitlines()
            return any(json.loads(line)["revision"] == final for line in lines)

        _wait(lambda: all(caught_up(out) for out in outs), 30, "every worker to serve the final revision")
    finally:
        for out in outs:
            out.with_suffix(".stop").touch()
        _finish(workers, outs, 60)

    states = _replay(audit)
    changes = {e.revision: e.at.timestamp() for e in audit if e.actor == "changer"}
    assert len(changes) == len(CHANGES)
    delays: list[float] = []
    calls = 0
    for out in outs:
        seen = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        calls += int(out.with_suffix(".calls").read_text())
        for record in seen:  # every answer is the registry's whole state at the revision served
            assert Decimal(record["amount"]) == states[record["revision"]][record["business"]], record
        assert [r["revision"] for r in seen] == sorted(r["revision"] for r in seen)
        assert {r["business"]: r["revision"] for r in seen} == dict.fromkeys(BUSINESSES, final)
        for revision, committed in changes.items():
            first = min(r["t"] for r in seen if r["revision"] >= revision)
            delays.append(first - committed)
    how = "LISTEN/NOTIFY" if postgresql else "revision check on calls every 0.05 s"
    print(f"\npropagation to {WORKERS} processes ({how}), {len(delays)} change x worker pairs, {calls} calls: "
          f"median {statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms")


def test_sixteen_writers_lose_no_update(registry_url, make_platform, tmp_path):
    platform = make_platform(registry_url, discover=False)
    add_price_plugin(platform, INSTALLED_NAME)
    for code in BUSINESSES:
        platform.create_business(code, actor="setup")
        platform.enable(INSTALLED_NAME, code, config={"amount": "0"}, actor="setup")
    setup_revision = platform.registry.revision()
    outs = [tmp_path / f"writer{i}.json" for i in range(WRITERS)]
    args = [arg for code in BUSINESSES for arg in ("--business", code)]
    started = time.monotonic()
    writers = [_spawn("bump", registry_url, out, "--index", str(i), "--count", str(INCREMENTS), *args)
               for i, out in enumerate(outs)]
    _finish(writers, outs, 300)
    elapsed = time.monotonic() - started

    results = [json.loads(out.read_text()) for out in outs]
    applied = {code: sum(r["applied"][code] for r in results) for code in BUSINESSES}
    stale = sum(r["stale"] for r in results)
    assert sum(applied.values()) == WRITERS * INCREMENTS

    platform.refresh()
    final = {code: Decimal(str(platform.snapshot.enablements[code][INSTALLED_NAME].config["amount"]))
             for code in BUSINESSES}
    assert final == {code: Decimal(n) for code, n in applied.items()}  # no increment was lost

    changes = [e for e in platform.registry.audit() if e.revision > setup_revision]
    assert len(changes) == WRITERS * INCREMENTS  # exactly one audit row per applied change
    assert len({e.revision for e in changes}) == len(changes)
    replayed: dict[str, Decimal] = dict.fromkeys(BUSINESSES, Decimal(0))
    for entry in sorted(changes, key=lambda e: e.revision):
        assert entry.before is not None and entry.after is not None and entry.business is not None
        assert Decimal(str(entry.before["config"]["amount"])) == replayed[entry.business]
        replayed[entry.business] = Decimal(str(entry.after["config"]["amount"]))
    assert replayed == final
    versions = {code: platform.snapshot.enablements[code][INSTALLED_NAME].version for code in BUSINESSES}
    assert versions == {code: n + 1 for code, n in applied.items()}
    print(f"\n{WRITERS} writers x {INCREMENTS} increments: {stale} stale retries, {elapsed:.1f} s "
          f"({sum(applied.values()) / elapsed:.0f} applied changes/s)")
