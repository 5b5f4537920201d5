"""Driving the worker processes of :mod:`tests.registry.procs` and judging what they saw.

Shared by ``tests/registry/test_processes.py`` and ``benchmarks/propagation.py``:
the same checks decide whether a run is correct, whatever size it has.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.registry.plugins import INSTALLED_NAME, add_price_plugin
from zhongtai.core.identity import lineage
from zhongtai.core.registry.store import AuditEntry

ROOT = Path(__file__).resolve().parents[2]
BUSINESSES = ("edu", "edu.k12", "edu.k12.math", "edu.college")


def setup_tree(platform: Any, *, enable_everywhere: bool = False) -> int:
    """The businesses, test.price at edu (or at every business) with amount 0; returns the revision."""
    add_price_plugin(platform, INSTALLED_NAME)
    for code in BUSINESSES:
        platform.create_business(code, actor="setup")
        if enable_everywhere or code == "edu":
            platform.enable(INSTALLED_NAME, code, config={"amount": "0"}, actor="setup")
    return int(platform.registry.revision())


def business_args(businesses: Iterable[str] = BUSINESSES) -> list[str]:
    return [arg for code in businesses for arg in ("--business", code)]


def spawn(role: str, url: str, out: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start ``python -m tests.registry.procs ROLE URL OUT ARGS`` from the repository root."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.registry.procs", role, url, str(out), *args], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=out.with_suffix(".err").open("wb"),
    )


def wait_for(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll *predicate* until it holds; AssertionError naming *what* after *seconds*."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(0.05)


def finish(processes: Sequence[subprocess.Popen[bytes]], outs: Sequence[Path], seconds: float) -> None:
    """Wait for every process to exit 0 (AssertionError with its stderr otherwise); kill stragglers."""
    deadline = time.monotonic() + seconds
    try:
        for process, out in zip(processes, outs):
            code = process.wait(timeout=max(0.1, deadline - time.monotonic()))
            assert code == 0, f"{out.name}: exit {code}: {out.with_suffix('.err').read_text()}"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def stop_all(outs: Iterable[Path]) -> None:
    for out in outs:
        out.with_suffix(".stop").touch()


def read_log(out: Path) -> list[dict[str, Any]]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]


def replay(audit: Iterable[AuditEntry], businesses: Iterable[str] = BUSINESSES) -> dict[int, dict[str, Decimal]]:
    """Effective test.price amount per business after each revision, replaying the audit log serially."""
    own: dict[str, Decimal] = {}
    states: dict[int, dict[str, Decimal]] = {}
    codes = list(businesses)
    for entry in sorted(audit, key=lambda e: (e.revision, e.id)):
        if entry.plugin == INSTALLED_NAME and entry.action == "plugin.enable" and entry.after is not None:
            own[entry.business or ""] = Decimal(str(entry.after["config"]["amount"]))
        states[entry.revision] = {
            code: next((own[level] for level in reversed(lineage(code)) if level in own), Decimal(-1))
            for code in codes
        }
    return states


def check_served(logs: Sequence[Sequence[dict[str, Any]]], states: dict[int, dict[str, Decimal]],
                 final: int, businesses: Iterable[str] = BUSINESSES) -> None:
    """Every answer equals the whole registry state at the revision it was served from, revisions never go
    back within a worker, and every worker ends at *final* for every business."""
    for log in logs:
        for record in log:
            expected = states[record["revision"]][record["business"]]
            assert Decimal(record["amount"]) == expected, f"half-applied or stale: {record}, expected {expected}"
        revisions = [record["revision"] for record in log]
        assert revisions == sorted(revisions), "a worker went back to an older revision"
        assert {r["business"]: r["revision"] for r in log} == dict.fromkeys(businesses, final)


def propagation_delays(logs: Sequence[Sequence[dict[str, Any]]], committed: dict[int, float]) -> list[float]:
    """Seconds from each change's commit (its audit time) to the first answer at or after it, per worker."""
    delays = []
    for log in logs:
        for revision, at in committed.items():
            seen = [record["t"] for record in log if record["revision"] >= revision]
            if seen:
                delays.append(min(seen) - at)
    return delays


def check_no_lost_update(platform: Any, results: Sequence[dict[str, Any]], setup_revision: int,
                         businesses: Iterable[str] = BUSINESSES) -> dict[str, int]:
    """After concurrent increments: nothing lost, one audit row per applied change, final = serial replay.

    Returns ``{"applied": n, "stale": retries}``.
    """
    codes = list(businesses)
    applied = {code: sum(r["applied"][code] for r in results) for code in codes}
    platform.refresh()
    rows = {code: platform.snapshot.enablements[code][INSTALLED_NAME] for code in codes}
    final = {code: Decimal(str(row.config["amount"])) for code, row in rows.items()}
    assert final == {code: Decimal(n) for code, n in applied.items()}, "an increment was lost"
    assert {code: row.version for code, row in rows.items()} == {code: n + 1 for code, n in applied.items()}

    changes = [e for e in platform.registry.audit() if e.revision > setup_revision]
    assert len(changes) == sum(applied.values()), "audit rows differ from applied changes"
    assert len({e.revision for e in changes}) == len(changes)
    replayed = dict.fromkeys(codes, Decimal(0))
    for entry in sorted(changes, key=lambda e: e.revision):
        assert entry.before is not None and entry.after is not None and entry.business is not None
        assert Decimal(str(entry.before["config"]["amount"])) == replayed[entry.business], entry
        replayed[entry.business] = Decimal(str(entry.after["config"]["amount"]))
    assert replayed == final, "the final state is not the serial replay of the audit log"
    return {"applied": sum(applied.values()), "stale": sum(r["stale"] for r in results)}
