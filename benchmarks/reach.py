"""Reach at campaign scale: a campaign into a loopback sink through the database outbox and through RabbitMQ.

Prints, measured side by side in one run:

* the campaign **fan-out** (``campaigns.create_campaign`` from a JSON Lines
  audience file: every row read, rendered and priced, then written in batches);
* a **bare loop** posting the same signed webhook payloads with one
  ``httpx.Client`` -- the floor every delivery phase is compared with, measured
  again right before each phase (the machine is shared: compare neighbours);
* the **database outbox**: polling worker processes (``Worker.run``) on PostgreSQL;
* **RabbitMQ**: one relay process (``Relay``) and 1, 2, 4 broker worker
  processes (``BrokerWorker``), from the moment the relay starts until every
  message is ``sent`` in the registry.

Between phases the outbox is reset to ``pending`` (the attempts deleted), so
every phase delivers the same messages.  The sink (a separate process, from
``notifiers_outbox.py``) counts what it receives and every phase is checked
against it.  Nothing asserts on time; read the ratios.

    .venv/bin/python benchmarks/reach.py --quick          # 2,000 messages, 1 and 2 processes
    .venv/bin/python benchmarks/reach.py                  # 1,000,000 messages, 1, 2, 4 processes (long)

Needs PostgreSQL (127.0.0.1:5432) and RabbitMQ (127.0.0.1:5672); a phase whose
server is away is skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from notifiers_outbox import BUSINESS, bare_loop, make_platform, postgresql_schema, rate, sink_count, sink_process

RABBITMQ_URL = os.environ.get("ZHONGTAI_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
BARE_MAX = 20_000  # the bare loop's messages per measurement (its rate is steady well before that)


def write_audience(path: Path, base: str, count: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(json.dumps({"webhook": f"{base}/hook", "i": i}) + "\n")


def fan_out(platform: Any, audience: Path, count: int) -> tuple[int, float]:
    from zhongtai.plugins.notifiers import campaigns

    started = time.perf_counter()
    created = campaigns.create_campaign(platform, BUSINESS, template="bench", audience=audience,
                                        kind="notification", batch_size=2000)
    return created.audience, time.perf_counter() - started


def reset(platform: Any) -> None:
    """Every message back to pending, as if just fanned out (attempts deleted)."""
    from sqlalchemy import delete, update

    from zhongtai.plugins.notifiers.models import AttemptRow, OutboxRow, engine_of

    with engine_of(platform).begin() as connection:
        connection.execute(delete(AttemptRow))
        connection.execute(update(OutboxRow).values(state="pending", attempts=0, claimed_by=None, claimed_until=None,
                                                    published_at=None, reason="", updated_at=OutboxRow.created_at))
    with engine_of(platform).connect() as connection:
        connection.exec_driver_sql("ANALYZE zt_notify_outbox")


def sent_count(platform: Any) -> int:
    from sqlalchemy import func, select

    from zhongtai.plugins.notifiers.models import OutboxRow, engine_of

    with engine_of(platform).connect() as connection:
        return int(connection.execute(select(func.count()).where(OutboxRow.state == "sent")).scalar_one())


# -- child processes --------------------------------------------------------------------------
def run_broker_child(url: str, queue: str, concurrency: int) -> None:
    """A broker worker process: get ready, wait for 'go', consume until idle, report JSON."""
    from zhongtai.plugins.notifiers.broker import BrokerWorker

    platform = make_platform(url)
    platform.plan(BUSINESS, "notifiers.deliver")  # compile before the clock starts
    worker = BrokerWorker(platform, RABBITMQ_URL, queue=queue, prefetch=400, batch_size=200,
                          concurrency=concurrency, lease_seconds=600)
    print("ready", flush=True)
    sys.stdin.readline()
    stats = worker.run(idle_exit_seconds=3.0)
    print(json.dumps({"sent": stats.sent}), flush=True)


def run_relay_child(url: str, queue: str) -> None:
    from zhongtai.plugins.notifiers.broker import Relay

    platform = make_platform(url)
    relay = Relay(platform, RABBITMQ_URL, queue=queue, batch_size=2000)
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps({"published": relay.run(once=True)}), flush=True)


def _children(args: list[list[str]]) -> list[subprocess.Popen[str]]:
    children = [subprocess.Popen([sys.executable, __file__, *a], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True) for a in args]
    for child in children:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("a benchmark process failed to start")
    return children


def broker_phase(platform: Any, url: str, processes: int, concurrency: int, total: int) -> tuple[int, float]:
    """A relay and *processes* broker workers; (delivered, seconds until every message is sent)."""
    queue = f"zt-bench-{uuid.uuid4().hex[:8]}"
    workers = _children([["--broker-child", url, "--queue", queue, "--concurrency", str(concurrency)]
                         for _ in range(processes)])
    relay = _children([["--relay-child", url, "--queue", queue]])[0]
    everyone = [*workers, relay]
    try:
        started = time.perf_counter()
        for child in everyone:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        while sent_count(platform) < total:
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
        reports = [json.loads(child.communicate(timeout=600)[0]) for child in everyone]
    finally:
        for child in everyone:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=30)
        _delete_queue(queue)
    return sum(r.get("sent", 0) for r in reports), elapsed


def _delete_queue(queue: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    try:
        connection.channel().queue_delete(queue=queue)
    finally:
        connection.close()


def rabbitmq_up() -> bool:
    try:
        import pika

        pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL + "?socket_timeout=5")).close()
        return True
    except Exception as exc:  # noqa: BLE001 - unreachable for any reason: skip the phases
        print(f"RabbitMQ at {RABBITMQ_URL} cannot be reached ({type(exc).__name__}); skipping its phases")
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 messages, 1 and 2 processes")
    parser.add_argument("--messages", type=int, default=1_000_000, help="campaign size (default 1,000,000)")
    parser.add_argument("--processes", default="1,2,4", help="worker process counts (default 1,2,4)")
    parser.add_argument("--concurrency", type=int, default=4, help="deliveries in flight per worker process")
    parser.add_argument("--broker-child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--relay-child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--queue", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.broker_child:
        run_broker_child(args.broker_child, args.queue, args.concurrency)
        return
    if args.relay_child:
        run_relay_child(args.relay_child, args.queue)
        return
    total = 2000 if args.quick else max(1, args.messages)
    counts = [1, 2] if args.quick else [int(p) for p in args.processes.split(",") if p.strip()]

    from notifiers_outbox import processes_phase

    rows: list[tuple[str, int, float, str]] = []
    with sink_process(0.0) as base, tempfile.TemporaryDirectory(prefix="zt-reach-") as tmp, \
            postgresql_schema() as url:
        if url is None:
            return
        platform = make_platform(url)
        audience = Path(tmp) / "audience.jsonl"
        write_audience(audience, base, total)
        written, seconds = fan_out(platform, audience, total)
        rows.append(("campaign fan-out (read, render, price, write)", written, seconds, ""))

        def phase(name: str, run: Any) -> None:
            posted, bare_seconds = bare_loop(base, min(total, BARE_MAX), 600.0)
            floor = rate(posted, bare_seconds)
            rows.append(("  bare httpx loop (1 client, sequential)", posted, bare_seconds, "1.00x"))
            reset(platform)
            before = sink_count(base)
            delivered, elapsed = run()
            received = sink_count(base) - before
            assert delivered == total and received == total, f"{name}: delivered {delivered}, sink got {received}"
            rows.append((name, delivered, elapsed, f"{rate(delivered, elapsed) / floor:.2f}x"))
            print(f"{name}: {rate(delivered, elapsed):.0f} msg/s", flush=True)

        for processes in counts:
            phase(f"database outbox, {processes} worker process(es)",
                  lambda p=processes: processes_phase(url, p, args.concurrency))
        if rabbitmq_up():
            for processes in counts:
                phase(f"RabbitMQ, relay + {processes} worker process(es)",
                      lambda p=processes: broker_phase(platform, url, p, args.concurrency, total))
        platform.registry.close()

    width = max(len(r[0]) for r in rows)
    print(f"{'phase':<{width}}  {'messages':>9}  {'seconds':>8}  {'msg/s':>8}  vs the bare loop just before")
    for name, count, seconds, ratio in rows:
        print(f"{name:<{width}}  {count:>9}  {seconds:>8.2f}  {rate(count, seconds):>8.0f}  {ratio}")
    print(f"{os.cpu_count()} CPUs shared with the other processes on this machine; concurrency {args.concurrency} "
          "per worker process; the sink is one local process (see docs/reach.md for the 10^10 estimate)")


if __name__ == "__main__":
    main()
