"""Worker processes: a SIGKILL mid-batch loses nothing; two workers on PostgreSQL never double-deliver."""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import postgresql_schema_url
from zhongtai.plugins.notifiers.models import AttemptRow, engine_of
from zhongtai.plugins.notifiers.worker import Worker

from .conftest import fill_outbox, outbox_states, wait_for

pytestmark = pytest.mark.slow


def _worker_process(url: str, *args: str) -> subprocess.Popen[str]:
    script = Path(sys.executable).with_name("zhongtai")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "zhongtai.core.cli.main"]
    return subprocess.Popen([*command, "--database-url", url, "notify", "worker", "--quiet", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_worker_killed_mid_batch_loses_nothing(sqlite_url, make_platform, sink):
    platform = make_platform(sqlite_url)
    ids = fill_outbox(platform, sink, 30)
    sink.hold = threading.Event()  # every delivery waits at the receiver: the worker is stuck mid-batch
    victim = _worker_process(sqlite_url, "--concurrency", "3", "--batch-size", "10", "--lease", "300")
    try:
        wait_for(lambda: sink.arrived >= 3, what="the first worker's deliveries to reach the receiver")
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(timeout=30) == -signal.SIGKILL
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait(timeout=30)
    assert outbox_states(platform).get("sending") == 10  # the killed worker's claims are left behind
    in_flight = sink.arrived
    sink.hold.set()  # the receiver got the in-flight requests; the dead worker never saw the answers
    sink.hold = None
    wait_for(lambda: len(sink.received) == in_flight, what="the held requests to be recorded")

    # another worker (its clock past the lease) takes the expired claims and finishes the job
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=301)
    stats = Worker(platform, concurrency=3, clock=lambda: later).run(once=True)

    assert stats.claimed == 30 and stats.sent == 30
    assert outbox_states(platform) == {"sent": 30}
    received = collections.Counter(sink.ids())
    assert set(received) == set(ids)  # none lost
    repeats = sum(n - 1 for n in received.values())
    assert repeats <= in_flight  # at-least-once: only what was in flight at the kill may come twice
    assert all(r.verified for r in sink.received)
    assert {r.headers["webhook-id"] for r in sink.received} == set(ids)  # receivers can drop repeats by id


@pytest.fixture
def pg_url():
    yield from postgresql_schema_url("ztnotify")


def test_two_workers_on_postgresql_never_deliver_a_message_twice(pg_url, make_platform, sink):
    platform = make_platform(pg_url)
    ids = fill_outbox(platform, sink, 120)
    sink.hold = threading.Event()  # held until both workers have deliveries in flight
    workers = [_worker_process(pg_url, "--once", "--concurrency", "3", "--batch-size", "10") for _ in range(2)]
    try:
        wait_for(lambda: sink.arrived >= 6, timeout=60, what="both workers to have deliveries in flight")
        sink.hold.set()
        outputs = [w.communicate(timeout=120) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait(timeout=30)
    assert [w.returncode for w in workers] == [0, 0], outputs
    received = collections.Counter(sink.ids())
    assert set(received) == set(ids) and max(received.values()) == 1
    assert outbox_states(platform) == {"sent": 120}
    with engine_of(platform).connect() as connection:
        per_worker = dict(connection.execute(
            select(AttemptRow.worker, func.count()).group_by(AttemptRow.worker)).all())
    assert len(per_worker) == 2 and sum(per_worker.values()) == 120, per_worker


def test_worker_process_stops_cleanly_on_sigterm(sqlite_url, make_platform, sink):
    platform = make_platform(sqlite_url)
    fill_outbox(platform, sink, 3)
    process = _worker_process(sqlite_url, "--idle", "0.1")
    try:
        wait_for(lambda: len(sink.received) == 3, what="the worker to deliver")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == 0, err
    assert "claimed 3  sent 3" in out
    assert outbox_states(platform) == {"sent": 3}
    assert os.path.exists(sqlite_url.removeprefix("sqlite:///"))
