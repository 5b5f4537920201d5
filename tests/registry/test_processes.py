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
from pathlib import Path

import pytest

from tests.registry import harness
from tests.registry.plugins import INSTALLED_NAME, install
from zhongtai.core.registry.store import Registry

WORKERS = 8
WRITERS = 16
#: 16 x 10 by default: on 2 shared cores 16 x 25 already takes 40-70 s; the issue's full 16 x 100 runs with
#: ZHONGTAI_CONCURRENCY_INCREMENTS=100 (and in benchmarks/propagation.py --concurrency).
INCREMENTS = int(os.environ.get("ZHONGTAI_CONCURRENCY_INCREMENTS", "10"))
CHANGES = [("edu", 1), ("edu.k12", 2), ("edu", 3), ("edu.k12.math", 4), ("edu", 5), ("edu.k12", 6)]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def testplugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install(tmp_path_factory.mktemp("registry-testplugin"))


def test_eight_servers_see_every_cli_change_whole_and_soon(registry_url, make_platform, tmp_path, testplugin_site):
    harness.setup_tree(make_platform(registry_url, discover=False))
    postgresql = registry_url.startswith("postgresql")
    mode = ["--interval", "30", "--listen"] if postgresql else ["--interval", "0.05"]
    outs = [tmp_path / f"worker{i}.jsonl" for i in range(WORKERS)]
    workers = [harness.spawn("serve", registry_url, out, *harness.business_args(), *mode) for out in outs]
    try:
        harness.wait_for(lambda: all(out.with_suffix(".ready").exists() for out in outs), 60, "workers to start")
        zhongtai = shutil.which("zhongtai", path=str(Path(sys.executable).parent))
        assert zhongtai, "the zhongtai console script is not installed in this environment"
        env = {**os.environ, "ZHONGTAI_DATABASE_URL": registry_url, "ZHONGTAI_PLUGIN_PATH": str(testplugin_site),
               "ZHONGTAI_ACTOR": "changer"}
        for business, amount in CHANGES:
            subprocess.run([zhongtai, "plugins", "enable", INSTALLED_NAME, "--business", business,
                            "--set", f"amount={amount}"], env=env, check=True, capture_output=True, timeout=60)
        registry = Registry(registry_url)
        audit, final = registry.audit(), registry.revision()
        registry.close()
        harness.wait_for(lambda: all(any(r["revision"] == final for r in harness.read_log(out)) for out in outs),
                         30, "every worker to serve the final revision")
    finally:
        harness.stop_all(outs)
        harness.finish(workers, outs, 60)

    logs = [harness.read_log(out) for out in outs]
    harness.check_served(logs, harness.replay(audit), final)
    committed = {e.revision: e.at.timestamp() for e in audit if e.actor == "changer"}
    assert len(committed) == len(CHANGES)
    delays = harness.propagation_delays(logs, committed)
    assert len(delays) == WORKERS * len(CHANGES)
    calls = sum(int(out.with_suffix(".calls").read_text()) for out in outs)
    how = "LISTEN/NOTIFY" if postgresql else "revision check on calls every 0.05 s"
    print(f"\npropagation to {WORKERS} processes ({how}), {len(delays)} change x worker pairs, {calls} calls: "
          f"median {statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms")


def test_sixteen_writers_lose_no_update(registry_url, make_platform, tmp_path):
    platform = make_platform(registry_url, discover=False)
    setup_revision = harness.setup_tree(platform, enable_everywhere=True)
    outs = [tmp_path / f"writer{i}.json" for i in range(WRITERS)]
    started = time.monotonic()
    writers = [harness.spawn("bump", registry_url, out, "--index", str(i), "--count", str(INCREMENTS),
                             *harness.business_args()) for i, out in enumerate(outs)]
    harness.finish(writers, outs, 300)
    elapsed = time.monotonic() - started
    summary = harness.check_no_lost_update(platform, [json.loads(out.read_text()) for out in outs], setup_revision)
    assert summary["applied"] == WRITERS * INCREMENTS
    print(f"\n{WRITERS} writers x {INCREMENTS} increments: {summary['stale']} stale retries, {elapsed:.1f} s "
          f"({summary['applied'] / elapsed:.0f} applied changes/s)")
