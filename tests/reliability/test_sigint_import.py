"""Ctrl-C (a real SIGINT) in the middle of importing 10,000 businesses: the registry is as before.

The test waits until the import process holds the registry's write lock (its
transaction is open and writing), then interrupts it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.registry_rows import all_rows

ZHONGTAI = str(Path(sys.executable).with_name("zhongtai"))


def _holds_write_lock(path: Path) -> bool:
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    finally:
        probe.close()


@pytest.mark.slow
def test_sigint_mid_import_leaves_the_registry_exactly_as_before(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    url = f"sqlite:///{path}"
    env = {**os.environ, "ZHONGTAI_PLUGIN_PATH": str(tmp_path)}  # no plugins needed: businesses only
    subprocess.run([ZHONGTAI, "--database-url", url, "business", "create", "keep", "--owner", "t"],
                   check=True, capture_output=True, env=env)
    businesses = [{"code": "big", "name": "big", "owner": "", "status": "active", "plugins": {}}]
    for i in range(100):
        businesses.append({"code": f"big.g{i}", "name": "", "owner": "", "status": "active", "plugins": {}})
        businesses += [{"code": f"big.g{i}.b{j}", "name": "x" * 50, "owner": "", "status": "active",
                        "plugins": {}} for j in range(99)]
    document = {"format": "zhongtai-registry", "version": 1, "secrets": "omitted",
                "businesses": [{"code": "keep", "name": "keep", "owner": "t", "status": "active",
                                "plugins": {}}, *businesses]}
    assert len(document["businesses"]) == 10_002  # keep, big, 100 groups of 1 + 99
    source = tmp_path / "big.json"
    source.write_text(json.dumps(document))
    before = all_rows(url)

    process = subprocess.Popen([ZHONGTAI, "--database-url", url, "import", str(source)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 120
    while not _holds_write_lock(path):
        assert process.poll() is None, f"the import finished before it could be interrupted: {process.stderr}"
        assert time.monotonic() < deadline, "the import never took the write lock"
        time.sleep(0.01)
    time.sleep(0.3)  # let it get on with writing rows (the whole import takes seconds), then interrupt
    assert process.poll() is None, "the import finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] in ("Interrupted; nothing was changed.", "Aborted; nothing was changed.")
    assert "Traceback" not in stderr
    assert all_rows(url) == before
