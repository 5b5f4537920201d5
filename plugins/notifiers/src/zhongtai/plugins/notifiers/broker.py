"""Broker transport: a relay moves committed outbox rows to RabbitMQ; workers on any host consume them.

The registry-database outbox stays the source of truth and the default
transport (:class:`~.worker.Worker` polls it).  With a broker:

* :class:`Relay` (``zhongtai notify relay``) selects due rows that were not
  handed over since they last changed -- ``pending`` and due with
  ``published_at`` unset or older than ``updated_at`` (a retry), or ``sending``
  with an expired claim not republished since (its worker died) -- publishes
  their ids to a durable queue inside an AMQP transaction (``tx.commit``
  returns once the broker holds them), and only then records ``published_at``.
  It reads committed rows only, so nothing uncommitted is ever published; a
  relay killed between the broker's commit and its own re-publishes those rows
  on its next round, so nothing committed is left unpublished.  On PostgreSQL
  the selection is ``FOR UPDATE SKIP LOCKED``: several relays share the work.
* :class:`BrokerWorker` (``zhongtai notify worker --broker URL``) consumes with
  manual acks and a bounded prefetch, takes up to ``batch_size`` ids at a time
  and runs the ordinary worker batch on exactly those ids
  (:meth:`Worker.run_batch`): it *claims* them in the database first, so a
  message delivered twice by the broker (a redelivery after a crash, a
  duplicate publish) is claimed once -- the row's state and its attempt rows
  are the dedupe record -- and delivered by whoever claimed it.  Acks go after
  the results are committed; an id whose row was claimable but locked (the
  relay's own commit had not landed yet) is requeued, never dropped.  A worker killed mid-batch leaves its claims to
  expire; the relay then publishes those rows again.
* A message queued while tracing carries its W3C ``traceparent`` as an AMQP header (and
  in its row, where the worker's delivery span takes its link from; docs/observability.md).
* Every provider call carries the message id as its idempotency key
  (``webhook-id``, SMS ``reference``, email ``Message-ID``), so the one repeat
  that remains possible -- a worker killed after the provider accepted a
  message but before the result was committed -- is dropped by the receiver.

Run one relay or a few, and any number of broker workers on any hosts; do not
run the polling worker on the same registry at the same time (it would still
be correct -- claims are exclusive -- only redundant).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import Engine, and_, or_, select, update

from zhongtai.core.errors import UserError
from zhongtai.core.registry import migrate
from zhongtai.core.registry.models import utcnow
from zhongtai.plugins.notifiers import models
from zhongtai.plugins.notifiers.models import OutboxRow, engine_of
from zhongtai.plugins.notifiers.worker import Worker, WorkerStats, claimable

if TYPE_CHECKING:
    import pika
    from pika.adapters.blocking_connection import BlockingChannel

    from zhongtai.core.runtime.platform import Platform

BROKER_ENV = "ZHONGTAI_BROKER_URL"
DEFAULT_QUEUE = "zhongtai.notify"
MAX_ID = 40


def broker_url(url: str | None) -> str:
    """*url*, else ``$ZHONGTAI_BROKER_URL``; UserError if neither names an ``amqp://`` broker."""
    value = url or os.environ.get(BROKER_ENV, "")
    if not value.startswith(("amqp://", "amqps://")):
        raise UserError(f"give the broker as --broker amqp://user:password@host:5672/ (or set {BROKER_ENV})")
    return value


def connect(url: str) -> pika.BlockingConnection:
    """A blocking connection to RabbitMQ; UserError (one line, no password) if it cannot be reached."""
    import pika
    from pika.exceptions import AMQPError

    parameters = pika.URLParameters(url)
    parameters.heartbeat = 30
    parameters.blocked_connection_timeout = 60
    parameters.connection_attempts = 1
    parameters.socket_timeout = 5
    try:
        return pika.BlockingConnection(parameters)
    except (AMQPError, OSError) as exc:
        where = f"{parameters.host}:{parameters.port}"
        raise UserError(f"cannot reach the message broker at {where}: {type(exc).__name__} {exc}".strip()) from None


def declare(channel: BlockingChannel, queue: str) -> None:
    """The durable work queue (a quorum queue on a RabbitMQ cluster: pass ``x-queue-type`` by policy)."""
    channel.queue_declare(queue=queue, durable=True)


# -- relay ----------------------------------------------------------------------------------
def _unpublished(now: dt.datetime) -> Any:
    return or_(
        and_(OutboxRow.state == models.PENDING, OutboxRow.due_at <= now,
             or_(OutboxRow.published_at.is_(None), OutboxRow.published_at < OutboxRow.updated_at)),
        and_(OutboxRow.state == models.SENDING, OutboxRow.claimed_until < now,
             or_(OutboxRow.published_at.is_(None), OutboxRow.published_at < OutboxRow.claimed_until)),
    )


class Relay:
    """Moves committed, due outbox rows to the broker queue (see the module docstring)."""

    def __init__(self, platform: Platform, url: str, *, queue: str = DEFAULT_QUEUE, batch_size: int = 500,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        if batch_size < 1:
            raise UserError("batch_size must be >= 1")
        import pika

        self._pika = pika
        self.platform = platform
        self.queue = queue
        self.batch_size = batch_size
        self.clock = clock
        self._engine: Engine = engine_of(platform)
        self._connection = connect(url)
        self._channel = self._connection.channel()
        declare(self._channel, queue)
        self._channel.tx_select()

    def run_once(self) -> int:
        """Publish one batch; the number of messages handed to the broker."""
        now = self.clock()
        properties = self._pika.BasicProperties(delivery_mode=2, content_type="text/plain")
        with self._engine.connect() as plain:
            connection = plain.execution_options(**{migrate.WRITE_OPTION: True})
            with connection.begin():
                rows = connection.execute(
                    select(OutboxRow.id, OutboxRow.trace_context).where(_unpublished(now)).order_by(OutboxRow.due_at)
                    .limit(self.batch_size).with_for_update(skip_locked=True)).all()
                if not rows:
                    return 0
                ids = [row.id for row in rows]
                for message_id, traceparent in rows:  # the trace context rides along (W3C header) where it exists
                    traced = properties if traceparent is None else self._pika.BasicProperties(
                        delivery_mode=2, content_type="text/plain", headers={"traceparent": traceparent})
                    self._channel.basic_publish("", self.queue, message_id.encode(), traced)
                self._channel.tx_commit()  # the broker holds them all (durable) before we record it
                connection.execute(update(OutboxRow).where(OutboxRow.id.in_(ids)).values(published_at=now))
        return len(ids)

    def run(self, *, stop: threading.Event | None = None, idle_seconds: float = 0.5, once: bool = False,
            on_batch: Callable[[int], None] | None = None) -> int:
        """Publish until *stop* is set (with *once*: until nothing is due); the total published."""
        stop = stop or threading.Event()
        total = 0
        try:
            while not stop.is_set():
                published = self.run_once()
                total += published
                if on_batch is not None:
                    on_batch(total)
                if published == 0:
                    if once:
                        break
                    self._connection.sleep(idle_seconds)  # keeps the connection's heartbeats going
        finally:
            self.close()
        return total

    def close(self) -> None:
        if self._connection.is_open:
            self._connection.close()


# -- broker worker ----------------------------------------------------------------------------
@attrs.frozen
class _Received:
    tag: int
    message_id: str


class BrokerWorker:
    """Consumes message ids from the broker and delivers them with an ordinary :class:`Worker` batch.

    :param prefetch: unacknowledged messages the broker may push to this worker (>= batch_size).
    :param batch_size: ids delivered per database round trip.
    :param worker_options: passed to :class:`Worker` (concurrency, lease_seconds, retry ...).
    """

    def __init__(self, platform: Platform, url: str, *, queue: str = DEFAULT_QUEUE, prefetch: int = 200,
                 batch_size: int = 100, wait_seconds: float = 0.05, **worker_options: Any) -> None:
        if batch_size < 1 or prefetch < batch_size:
            raise UserError("batch_size must be >= 1 and prefetch >= batch_size")
        self.queue = queue
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.worker = Worker(platform, batch_size=batch_size, **worker_options)
        self._engine = engine_of(platform)
        self._connection = connect(url)
        self._channel = self._connection.channel()
        declare(self._channel, queue)
        self._channel.basic_qos(prefetch_count=prefetch)

    def _deliver(self, received: Sequence[_Received]) -> WorkerStats:
        """Deliver a batch, then acknowledge it -- except ids that were claimable but locked.

        A row is locked while the relay that published it has not yet committed
        ``published_at`` (the broker can be faster than the relay's database
        commit), or while another worker's claim statement holds it: its id is
        requeued (``nack``) and comes back a moment later.  Everything else --
        delivered now, already done, or claimed by a live worker -- is acked.
        """
        valid = {r.message_id for r in received if 0 < len(r.message_id) <= MAX_ID}
        stats = self.worker.run_batch(ids=sorted(valid)) if valid else WorkerStats(batches=1)
        locked: set[str] = set()
        if valid:
            with self._engine.connect() as connection:
                locked = set(connection.execute(select(OutboxRow.id).where(
                    OutboxRow.id.in_(sorted(valid)), claimable(self.worker.clock()))).scalars())
        for item in received:  # the results are committed: acknowledge
            if item.message_id in locked:
                self._channel.basic_nack(delivery_tag=item.tag, requeue=True)
            else:
                self._channel.basic_ack(delivery_tag=item.tag)
        if locked:
            self._connection.sleep(self.wait_seconds)  # let the lock holder commit
        return stats

    def run(self, *, stop: threading.Event | None = None, idle_exit_seconds: float | None = None,
            on_batch: Callable[[WorkerStats], None] | None = None) -> WorkerStats:
        """Consume until *stop* is set (or nothing arrived for *idle_exit_seconds*); the totals."""
        import time

        stop = stop or threading.Event()
        total = WorkerStats()
        pending: list[_Received] = []
        last_message = time.monotonic()
        try:
            for method, _properties, body in self._channel.consume(self.queue, auto_ack=False,
                                                                   inactivity_timeout=self.wait_seconds):
                if method is not None:
                    pending.append(_Received(method.delivery_tag, body.decode("utf-8", "replace")))
                    last_message = time.monotonic()
                if pending and (method is None or len(pending) >= self.batch_size):
                    total = total + self._deliver(pending)
                    pending = []
                    if on_batch is not None:
                        on_batch(total)
                if stop.is_set():
                    break
                if (method is None and idle_exit_seconds is not None
                        and time.monotonic() - last_message >= idle_exit_seconds):
                    break
            if pending:
                total = total + self._deliver(pending)
        finally:
            self.close()
        return total

    def close(self) -> None:
        self.worker.close()
        if self._connection.is_open:
            try:
                self._channel.cancel()
            finally:
                self._connection.close()
