"""The RabbitMQ transport: relay (transactional outbox) and broker workers, against the real broker.

The killing test SIGKILLs the relay in the middle of publishing and a worker in
the middle of a batch; every message still reaches the loopback receiver, and
once its repeats (only what the dead worker had in flight) are dropped by
message id, exactly once.
"""

from __future__ import annotations

import collections
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import postgresql_schema_url
from zhongtai.plugins.notifiers.broker import BrokerWorker, Relay
from zhongtai.plugins.notifiers.models import OutboxRow, engine_of

from .conftest import fill_outbox, outbox_states, wait_for


def _published(platform) -> int:
    with engine_of(platform).connect() as connection:
        return int(connection.execute(select(func.count()).where(OutboxRow.published_at.is_not(None))).scalar_one())


def test_relay_then_broker_worker_deliver_each_message_once_and_ignore_duplicates(sqlite_url, make_platform, sink,
                                                                                   rabbitmq):
    url, queue = rabbitmq
    platform = make_platform(sqlite_url)
    ids = fill_outbox(platform, sink, 40)

    assert Relay(platform, url, queue=queue, batch_size=15).run(once=True) == 40
    assert Relay(platform, url, queue=queue).run(once=True) == 0  # nothing changed since: nothing republished
    # a duplicate publish (as after a relay crash) of every id
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    for message_id in ids:
        channel.basic_publish("", queue, message_id.encode())
    channel.basic_publish("", queue, b"not-a-message-id")
    connection.close()

    stats = BrokerWorker(platform, url, queue=queue, batch_size=10, prefetch=20, concurrency=4).run(
        idle_exit_seconds=1.0)
    assert stats.sent == 40 and stats.claimed == 40
    assert collections.Counter(sink.ids()) == collections.Counter({i: 1 for i in ids})
    assert outbox_states(platform) == {"sent": 40}
    # the queue is drained: every message was acknowledged
    connection = pika.BlockingConnection(pika.URLParameters(url))
    assert connection.channel().queue_declare(queue=queue, durable=True, passive=True).method.message_count == 0
    connection.close()


def test_a_failed_delivery_is_published_again_when_its_retry_is_due(sqlite_url, make_platform, sink, rabbitmq):
    url, queue = rabbitmq
    platform = make_platform(sqlite_url)
    [message_id] = fill_outbox(platform, sink, 1)
    sink.fail_next = 1
    Relay(platform, url, queue=queue).run(once=True)
    from zhongtai.plugins.notifiers.worker import RetryPolicy

    first = BrokerWorker(platform, url, queue=queue, retry=RetryPolicy(base_seconds=1)).run(idle_exit_seconds=0.5)
    assert first.retried == 1 and outbox_states(platform) == {"pending": 1}
    time.sleep(1.1)  # the retry is due
    assert Relay(platform, url, queue=queue).run(once=True) == 1  # changed since it was published
    second = BrokerWorker(platform, url, queue=queue).run(idle_exit_seconds=0.5)
    assert second.sent == 1 and sink.ids() == [message_id]


def test_bad_broker_urls_are_one_line_errors(sqlite_url, make_platform):
    from click.testing import CliRunner

    from zhongtai.core.cli.main import cli

    make_platform(sqlite_url)
    for args, message in ((["relay", "--broker", "http://x"], "give the broker as --broker amqp://"),
                          (["relay", "--broker", "amqp://guest:pw@127.0.0.1:1/"], "cannot reach the message broker"),
                          (["worker", "--broker", "amqp://guest:pw@127.0.0.1:1/"], "cannot reach the message broker")):
        result = CliRunner().invoke(cli, ["--database-url", sqlite_url, "notify", *args])
        assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output
        assert "pw" not in result.output


# -- processes, killed ------------------------------------------------------------------------------------
def _zhongtai(url: str, log: Path, *args: str) -> subprocess.Popen[str]:
    """``zhongtai notify ARGS`` in a process of its own; its output goes to *log* (a pipe nobody reads could fill)."""
    script = Path(sys.executable).with_name("zhongtai")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "zhongtai.core.cli.main"]
    with log.open("a", encoding="utf-8") as output:
        return subprocess.Popen([*command, "--database-url", url, "notify", *args],
                                stdout=output, stderr=subprocess.STDOUT, text=True)


def _kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.fixture
def pg_url():
    yield from postgresql_schema_url("ztbroker")


@pytest.mark.slow
def test_sigkill_relay_mid_publish_and_worker_mid_batch_every_message_arrives_exactly_once(
        pg_url, make_platform, sink, rabbitmq, tmp_path):
    url, queue = rabbitmq
    log = tmp_path / "processes.log"
    platform = make_platform(pg_url)
    total = 1000
    ids = fill_outbox(platform, sink, total)
    processes: list[subprocess.Popen[str]] = []
    try:
        # 1. the relay, killed while publishing (small transactions: it takes a while)
        relay = _zhongtai(pg_url, log, "relay", "--broker", url, "--queue", queue, "--batch-size", "5", "--idle", "0.1")
        processes.append(relay)
        wait_for(lambda: _published(platform) >= 50, timeout=60, what="the relay to publish some messages")
        relay.send_signal(signal.SIGKILL)
        relay.wait(timeout=30)
        published_at_kill = _published(platform)
        assert published_at_kill < total, "the relay finished before it could be killed mid-publish"

        # 2. two workers; the receiver holds every request, so both have deliveries in flight; one is killed
        sink.hold = threading.Event()
        worker_args = ("worker", "--broker", url, "--queue", queue, "--batch-size", "10", "--prefetch", "20",
                       "--concurrency", "3", "--lease", "3", "--quiet")
        victim, survivor = _zhongtai(pg_url, log, *worker_args), _zhongtai(pg_url, log, *worker_args)
        processes += [victim, survivor]
        wait_for(lambda: sink.arrived >= 6, timeout=60, what="both workers to have deliveries in flight")
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        in_flight = sink.arrived
        sink.hold.set()
        sink.hold = None

        # 3. a new relay publishes the rest (and, once their claims expire, the dead worker's messages)
        processes.append(_zhongtai(pg_url, log, "relay", "--broker", url, "--queue", queue, "--idle", "0.2"))
        processes.append(_zhongtai(pg_url, log, *worker_args))
        try:
            wait_for(lambda: outbox_states(platform) == {"sent": total}, timeout=120, what="every message to be sent")
        except AssertionError:
            with engine_of(platform).connect() as connection:
                stuck = connection.execute(select(OutboxRow.id, OutboxRow.state, OutboxRow.reason, OutboxRow.due_at,
                                                  OutboxRow.updated_at, OutboxRow.published_at, OutboxRow.attempts)
                                           .where(OutboxRow.state != "sent").limit(5)).all()
            raise AssertionError(f"{outbox_states(platform)} {stuck}; output:\n{log.read_text()[-3000:]}") from None
        time.sleep(0.5)  # anything still in flight would arrive now
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _kill(process)

    received = collections.Counter(sink.ids())
    assert set(received) == set(ids)  # nothing lost
    repeats = sum(n - 1 for n in received.values())
    assert repeats <= in_flight  # only what the killed worker had in flight can arrive twice ...
    # ... and carries the same webhook-id, so the receiver keeps each message exactly once
    assert {r.headers["webhook-id"] for r in sink.received} == set(ids)
    assert all(json.loads(r.body)["data"]["id"] == r.headers["webhook-id"] for r in sink.received)
    assert all(r.verified for r in sink.received)


def test_the_relay_carries_a_traced_messages_traceparent_as_an_amqp_header(sqlite_url, make_platform, sink,
                                                                            rabbitmq):
    from sqlalchemy import update

    url, queue = rabbitmq
    platform = make_platform(sqlite_url)
    traced, plain = fill_outbox(platform, sink, 2)
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    with engine_of(platform).begin() as connection:  # as a message accepted inside a trace stores it
        connection.execute(update(OutboxRow).where(OutboxRow.id == traced).values(trace_context=parent))
    assert Relay(platform, url, queue=queue).run(once=True) == 2
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel, headers = connection.channel(), {}
        for _ in range(2):
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            assert method is not None
            headers[body.decode()] = properties.headers
    finally:
        connection.close()
    assert headers == {traced: {"traceparent": parent}, plain: None}
