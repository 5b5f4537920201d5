"""SIGKILL in the middle of a bulk issue, then resume: every user has exactly one coupon."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhongtai.plugins.coupons import jobs
from zhongtai.plugins.coupons.models import CouponRow, JobRow
from zhongtai.plugins.coupons.reconcile import reconcile

from .conftest import make_template

SCRIPT = str(Path(sys.executable).with_name("zhongtai"))
USERS = 12_000


def _position(platform) -> tuple[str | None, int]:
    with Session(platform.registry.engine) as session:
        row = session.scalars(select(JobRow)).first()
        return (row.id, row.position) if row else (None, 0)


@pytest.mark.slow
def test_sigkill_mid_bulk_issue_then_resume(mall, registry_url, tmp_path):
    make_template(mall, "gift", per_user_limit=1)
    path = tmp_path / "audience.txt"
    path.write_text("".join(f"user{i:06d}\n" for i in range(USERS)))
    env = {**os.environ, "ZHONGTAI_DATABASE_URL": registry_url, "ZHONGTAI_ACTOR": "tester"}
    worker = subprocess.Popen([SCRIPT, "coupons", "issue", "-b", "mall", "--template", "gift", "--users", str(path),
                               "--batch", "100"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while _position(mall)[1] < 1000:
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline, "the job did not start"
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    job_id, killed_at = _position(mall)
    assert job_id is not None and 1000 <= killed_at < USERS, killed_at
    assert jobs.get(mall, job_id).state == "running"

    resumed = subprocess.run([SCRIPT, "coupons", "issue", "--resume", job_id, "--json"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    with Session(mall.registry.engine) as session:
        counts = Counter(session.scalars(select(CouponRow.user_id)))
    assert len(counts) == USERS and set(counts.values()) == {1}
    done = jobs.get(mall, job_id)
    assert (done.state, done.position, done.issued, done.skipped) == ("done", USERS, USERS, 0)
    assert reconcile(mall).clean
