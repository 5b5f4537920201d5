"""Outbox throughput into a local webhook sink, beside a bare HTTP loop.

Prints messages per second, measured in one run, for

* a bare loop posting the same signed webhook payloads with the same HTTP
  client (``httpx.Client``) the webhook channel uses -- the floor the outbox
  is compared with, measured again right before each worker phase (the
  machine is shared, so each worker phase is compared with its neighbour);
* ``outbox.send`` (one transaction per message) and ``outbox.send_many`` (a
  campaign: transactions of 500) on SQLite and PostgreSQL;
* the worker (``Worker.run(once=True)``) on SQLite, one process, concurrency 1
  and 4 -- target: concurrency 1 reaches at least 0.5x the bare loop;
* worker processes sharing one PostgreSQL outbox (1, 2 ... processes, started
  and made ready before the clock starts) -- it should scale with processes
  until the sink or the CPU saturates.

The sink is a separate process (``http.server``, HTTP/1.1 keep-alive) on
127.0.0.1 that counts what it receives, so every delivered message is checked.
Everything is bounded: ``--messages`` per phase and ``--seconds`` per phase.
Nothing here asserts on time; read the ratios.  PostgreSQL phases are skipped
when the server cannot be reached.

Run standalone: ``.venv/bin/python benchmarks/notifiers_outbox.py [--messages N] [--processes 1,2]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from databases import PG_URL, postgresql_url

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BUSINESS = "bench"


# -- the sink (runs in its own process) --------------------------------------------------------
def run_sink(latency: float) -> None:
    """Answer every POST with 200 after *latency* seconds and count it; GET /count returns the count.

    The latency stands for a real receiver's network and processing time; it
    makes the phases I/O bound, where concurrency and processes can show.
    """
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    count = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def _answer(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            if latency:
                time.sleep(latency)  # the simulated receiver's latency, not a wait in the benchmark
            with lock:
                count[0] += 1
            self._answer(b"ok")

        def do_GET(self) -> None:
            with lock:
                value = count[0]
            self._answer(str(value).encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


@contextmanager
def sink_process(latency_ms: float) -> Iterator[str]:
    process = subprocess.Popen([sys.executable, __file__, "--sink", "--latency-ms", str(latency_ms)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def sink_count(base: str) -> int:
    import httpx

    return int(httpx.get(f"{base}/count", trust_env=False).text)


# -- phases ------------------------------------------------------------------------------------
def bare_loop(base: str, count: int, seconds: float) -> tuple[int, float]:
    """Post *count* signed payloads sequentially with one httpx.Client; (posted, elapsed)."""
    import httpx

    from zhongtai.plugins.notifiers.channels.webhook import payload_of
    from zhongtai.plugins.notifiers.signing import webhook_headers
    from zhongtai.sdk import Message, Recipient

    now = dt.datetime.now(dt.UTC)
    prepared = []
    for i in range(count):
        message = Message(id=f"msg_bare{i}", kind="notification", recipient=Recipient(webhook=f"{base}/hook"),
                          body=f"message {i}", subject="bench")
        payload = payload_of(message, BUSINESS, now)
        headers = webhook_headers(SECRET, message.id, int(now.timestamp()), payload)
        headers["content-type"] = "application/json"
        prepared.append((payload.encode(), headers))
    client = httpx.Client(trust_env=False)
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    posted = 0
    for payload, headers in prepared:
        response = client.post(f"{base}/hook", content=payload, headers=headers, timeout=10)
        response.raise_for_status()
        posted += 1
        if time.monotonic() > deadline:
            break
    elapsed = time.perf_counter() - started
    client.close()
    return posted, elapsed


def make_platform(url: str) -> Any:
    from zhongtai.core.runtime import Platform

    platform = Platform(url, refresh_interval=0.5)
    if BUSINESS not in platform.snapshot.businesses:
        from zhongtai.core import allowances

        platform.create_business(BUSINESS)
        allowances.allow(platform, "network", "127.0.0.1/32", BUSINESS)  # the sink is on loopback
        platform.enable("notifiers.webhook", BUSINESS, config={"secret": SECRET})
        # composed from a template, so signed like the bare loop's payloads
        platform.enable("notifiers.templates", BUSINESS, config={"templates": {
            "bench": {"kind": "notification", "subject": "bench", "body": "message {{ i }}"}}})
    return platform


def fill(platform: Any, base: str, count: int, seconds: float) -> tuple[int, float]:
    """``outbox.send`` *count* messages; (sent, elapsed)."""
    from zhongtai.plugins.notifiers import outbox
    from zhongtai.sdk import Recipient

    recipient = Recipient(webhook=f"{base}/hook")
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    sent = 0
    for i in range(count):
        outbox.send(platform, BUSINESS, kind="notification", recipient=recipient, template="bench",
                    variables={"i": i}, idempotency_key=uuid.uuid4().hex)
        sent += 1
        if time.monotonic() > deadline:
            break
    return sent, time.perf_counter() - started


def fill_many(platform: Any, base: str, count: int) -> tuple[int, float]:
    """``outbox.send_many`` *count* messages (a campaign, chunks of 500); (sent, elapsed)."""
    from zhongtai.plugins.notifiers import outbox
    from zhongtai.sdk import Recipient

    recipient = Recipient(webhook=f"{base}/hook")
    batch = [outbox.Outgoing(kind="notification", recipient=recipient, template="bench", variables={"i": i},
                             idempotency_key=uuid.uuid4().hex) for i in range(count)]
    started = time.perf_counter()
    results = outbox.send_many(platform, BUSINESS, batch)
    return len(results), time.perf_counter() - started


def work(platform: Any, concurrency: int) -> tuple[int, float]:
    from zhongtai.plugins.notifiers.worker import Worker

    worker = Worker(platform, concurrency=concurrency, batch_size=100, lease_seconds=300)
    started = time.perf_counter()
    stats = worker.run(once=True)
    return stats.sent, time.perf_counter() - started


def run_child(url: str, concurrency: int) -> None:
    """A worker process for the PostgreSQL phase: get ready, wait for 'go', drain, report JSON."""
    from zhongtai.plugins.notifiers.worker import Worker

    platform = make_platform(url)
    worker = Worker(platform, concurrency=concurrency, batch_size=100, lease_seconds=300)
    worker.platform.plan(BUSINESS, "notifiers.deliver")  # compile before the clock starts
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    stats = worker.run(once=True)
    print(json.dumps({"sent": stats.sent, "seconds": time.perf_counter() - started}), flush=True)


def processes_phase(url: str, processes: int, concurrency: int) -> tuple[int, float]:
    children = [subprocess.Popen([sys.executable, __file__, "--child", url, "--concurrency", str(concurrency)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                for _ in range(processes)]
    try:
        for child in children:
            assert child.stdout is not None
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError("a worker process failed to start")
        started = time.perf_counter()
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        reports = [json.loads(child.communicate(timeout=600)[0]) for child in children]
        elapsed = time.perf_counter() - started
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=30)
    return sum(r["sent"] for r in reports), elapsed


@contextmanager
def postgresql_schema() -> Iterator[str | None]:
    """A fresh PostgreSQL schema's URL, or ``None`` (with a message) when the server is away."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(postgresql_url())
        except Exception as exc:  # noqa: BLE001 - unreachable for any reason: skip the phase
            print(f"PostgreSQL at {PG_URL} cannot be reached ({type(exc).__name__}); skipping its phases")
            url = None
        yield url


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="messages per phase (default 2000)")
    parser.add_argument("--seconds", type=float, default=120.0, help="time bound per phase (default 120)")
    parser.add_argument("--processes", default="1,2", help="worker process counts on PostgreSQL (default 1,2)")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="the sink answers each webhook after this many ms, like a remote receiver (default 0)")
    parser.add_argument("--worker-concurrency", type=int, default=1,
                        help="deliveries in flight per PostgreSQL worker process (default 1)")
    parser.add_argument("--sink", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        run_sink(args.latency_ms / 1000)
        return
    if args.child:
        run_child(args.child, args.concurrency)
        return

    n = max(1, min(args.messages, 100_000))
    rows: list[tuple[str, int, float, str]] = []
    with sink_process(args.latency_ms) as base, tempfile.TemporaryDirectory(prefix="zt-bench-") as tmp:

        def bare() -> float:
            """A bare loop right before each worker phase: the machine is shared, so compare neighbours."""
            posted, seconds = bare_loop(base, n, args.seconds)
            rows.append(("  bare httpx loop (1 client, sequential)", posted, seconds, "1.00x"))
            return rate(posted, seconds)

        def worker_row(name: str, delivered: int, seconds: float, floor: float, extra: str = "") -> None:
            rows.append((name, delivered, seconds, f"{rate(delivered, seconds) / floor:.2f}x{extra}"))

        sqlite = make_platform(f"sqlite:///{Path(tmp) / 'bench.db'}")
        sent, seconds = fill(sqlite, base, n, args.seconds)
        rows.append(("send -> outbox (SQLite)", sent, seconds, ""))
        for concurrency in (1, 4):
            if concurrency > 1:
                sent, seconds = fill_many(sqlite, base, n)
                rows.append(("send_many -> outbox (SQLite)", sent, seconds, ""))
            floor = bare()
            before = sink_count(base)
            delivered, seconds = work(sqlite, concurrency)
            assert sink_count(base) - before == delivered, "the sink did not receive every delivered message"
            worker_row(f"worker, SQLite, 1 process, concurrency {concurrency}", delivered, seconds, floor)
        sqlite.registry.close()

        with postgresql_schema() as pg_url:
            if pg_url is not None:
                pg = make_platform(pg_url)
                single = None
                for processes in [int(p) for p in args.processes.split(",") if p.strip()]:
                    if single is None:
                        sent, seconds = fill(pg, base, n, args.seconds)
                        rows.append(("send -> outbox (PostgreSQL)", sent, seconds, ""))
                    else:
                        sent, seconds = fill_many(pg, base, n)
                        rows.append(("send_many -> outbox (PostgreSQL)", sent, seconds, ""))
                    floor = bare()
                    before = sink_count(base)
                    delivered, seconds = processes_phase(pg_url, processes, args.worker_concurrency)
                    assert sink_count(base) - before == delivered, "the sink did not receive every message"
                    speed = rate(delivered, seconds)
                    single = single or speed
                    worker_row(f"worker, PostgreSQL, {processes} process(es), concurrency {args.worker_concurrency}",
                               delivered, seconds, floor, f"  (scaling {speed / single:.2f}x)")
                pg.registry.close()

    width = max(len(r[0]) for r in rows)
    print(f"{'phase':<{width}}  {'messages':>8}  {'seconds':>8}  {'msg/s':>8}  vs the bare loop just before")
    for name, count, seconds, ratio in rows:
        print(f"{name:<{width}}  {count:>8}  {seconds:>8.2f}  {rate(count, seconds):>8.0f}  {ratio}")
    print(f"sink latency {args.latency_ms:g} ms; target: the 1-process worker at >= 0.50x the bare loop, and "
          f"PostgreSQL scaling > 1 with more processes (once the sink, not the CPU, is the limit)")


if __name__ == "__main__":
    main()
