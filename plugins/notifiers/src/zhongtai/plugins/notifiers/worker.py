"""The outbox worker: claim due messages, offer them to the channels, record every attempt.

Claiming is one ``UPDATE ... RETURNING`` statement over a ``FOR UPDATE SKIP
LOCKED`` selection of due rows (PostgreSQL: any number of workers on any
number of hosts share the outbox; SQLite ignores the locking clause, and the
single statement takes the write lock at once, so one worker at a time is the
supported setup there).  A claim lasts ``lease_seconds``; a worker that dies
leaves its claims to expire, and any worker takes them again -- delivery is
at-least-once, and receivers drop repeats by message id.  A worker never
starts delivering a message whose claim has expired by its own clock.

Per message, the worker (in order): waits if the business is suspended;
suppresses marketing to an address that opted out; moves marketing out of
quiet hours; then offers the message to every enabled channel that has not
already delivered it in an earlier attempt (so a retry never repeats a
channel that succeeded).  Failures are retried with exponential backoff and
jitter until ``RetryPolicy.max_attempts``, then the message is dead with the
reasons.  Results are written in one transaction per batch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import attrs
from opentelemetry.trace import SpanKind
from sqlalchemy import Engine, and_, bindparam, func, insert, or_, select, update

from zhongtai.core import telemetry
from zhongtai.core.errors import ZhongtaiError
from zhongtai.core.policies import PlanEntry, TraceStep
from zhongtai.core.registry.models import utcnow
from zhongtai.core.scrubbing import scrub
from zhongtai.core.specs.notifiers import FAILED, MARKETING, SENT, SKIPPED, SUPPRESSED, Delivery, Message, Recipient
from zhongtai.plugins.notifiers import models
from zhongtai.plugins.notifiers.addresses import address_keys
from zhongtai.plugins.notifiers.composed import delivering
from zhongtai.plugins.notifiers.models import AttemptRow, OutboxRow, UTCDateTime, engine_of
from zhongtai.plugins.notifiers.outbox import MESSAGING_SYSTEM, suspended_by
from zhongtai.plugins.notifiers.policy import NotifierPolicy, policy_for
from zhongtai.plugins.notifiers.rules import opted_out, release_time

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

DELIVER = "notifiers.deliver"
#: Channel statuses that finish a channel's part of a message for good.
DONE = (SENT, SUPPRESSED, SKIPPED)


@attrs.frozen
class RetryPolicy:
    """Exponential backoff with jitter: attempt *n* waits ``uniform(c/2, c)``, ``c = min(cap, base * 2**(n-1))``."""

    max_attempts: int = attrs.field(default=8, validator=attrs.validators.ge(1))
    base_seconds: float = attrs.field(default=5.0, validator=attrs.validators.ge(0))
    cap_seconds: float = attrs.field(default=3600.0, validator=attrs.validators.ge(0))

    def delay(self, attempt: int, rng: random.Random) -> dt.timedelta:
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        return dt.timedelta(seconds=rng.uniform(ceiling / 2, ceiling))


@attrs.frozen
class WorkerStats:
    """What a worker did: messages claimed, and how each claim ended."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    suppressed: int = 0
    deferred: int = 0
    expired: int = 0
    batches: int = 0

    def __add__(self, other: WorkerStats) -> WorkerStats:
        return WorkerStats(*(a + b for a, b in zip(attrs.astuple(self), attrs.astuple(other))))


@attrs.frozen
class Claimed:
    """A claimed outbox row, as the claim statement returned it."""

    message: Message
    business: str
    attempts: int
    claimed_until: dt.datetime
    #: the W3C traceparent of the work that queued it (the delivery span links to it)
    trace_context: str | None = None


@attrs.frozen
class AttemptRecord:
    channel: str
    status: str
    provider_response: str = ""
    error: str = ""


@attrs.frozen
class Outcome:
    """How one claimed message ends this round: its new state, when it is due again, and why.

    ``tally`` names the :class:`WorkerStats` counter it adds to.
    """

    message_id: str
    state: str
    due_at: dt.datetime | None
    reason: str
    attempts: int
    tally: str
    records: tuple[AttemptRecord, ...] = ()


@attrs.frozen
class _Job:
    claimed: Claimed
    entries: tuple[PlanEntry, ...]
    runner: Callable[..., Any]
    point: Any


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


_CLAIM_COLUMNS = (
    OutboxRow.id, OutboxRow.business, OutboxRow.kind, OutboxRow.recipient, OutboxRow.subject, OutboxRow.body,
    OutboxRow.template, OutboxRow.variables, OutboxRow.headers, OutboxRow.idempotency_key, OutboxRow.send_after,
    OutboxRow.attempts, OutboxRow.claimed_until, OutboxRow.trace_context,
)


def claimable(now: dt.datetime) -> Any:
    """The rows a worker may claim at *now*: pending and due, or claimed by someone whose claim expired."""
    return or_(
        and_(OutboxRow.state == models.PENDING, OutboxRow.due_at <= now),
        and_(OutboxRow.state == models.SENDING, OutboxRow.claimed_until < now),
    )


def claim(engine: Engine, worker: str, now: dt.datetime, lease: dt.timedelta, limit: int,
          ids: Sequence[str] | None = None) -> list[Claimed]:
    """Claim up to *limit* due messages (pending and due, or claimed and expired) for *worker*.

    One statement: on PostgreSQL the selection is ``FOR UPDATE SKIP LOCKED``, so
    concurrent workers never claim the same row; the claim counts as an attempt.
    """
    selection = select(OutboxRow.id).where(claimable(now))
    if ids is not None:
        selection = selection.where(OutboxRow.id.in_(list(ids)))
    chosen = selection.order_by(OutboxRow.due_at).limit(limit).with_for_update(skip_locked=True).cte("chosen")
    statement = (
        update(OutboxRow)
        .where(OutboxRow.id == chosen.c.id)
        .values(state=models.SENDING, claimed_by=worker, claimed_until=now + lease,
                attempts=OutboxRow.attempts + 1, updated_at=now)
        .returning(*_CLAIM_COLUMNS)
    )
    with engine.begin() as connection:
        rows = connection.execute(statement).all()
    claimed = []
    for row in rows:
        message = Message(
            id=row.id, kind=row.kind, recipient=Recipient(**row.recipient), body=row.body, subject=row.subject,
            template=row.template, variables=row.variables or {}, idempotency_key=row.idempotency_key,
            headers=row.headers or {}, send_after=row.send_after,
        )
        claimed.append(Claimed(message, row.business, row.attempts, row.claimed_until, row.trace_context))
    claimed.sort(key=lambda c: c.message.id)
    return claimed


def _done_channels(engine: Engine, ids: Sequence[str]) -> dict[str, set[str]]:
    """Channels that already finished each message in an earlier attempt."""
    if not ids:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(
            select(AttemptRow.message_id, AttemptRow.channel)
            .where(AttemptRow.message_id.in_(list(ids)), AttemptRow.status.in_(DONE))
        ).all()
    done: dict[str, set[str]] = {}
    for message_id, channel in rows:
        done.setdefault(message_id, set()).add(channel)
    return done


@contextlib.contextmanager
def delivery_span(claimed: Claimed, job: _Job, trace: list[TraceStep]) -> Iterator[list[TraceStep]]:
    """While tracing: a consumer span for one delivery, linked to the work that queued the message.

    Yields the trace to give the runner: *trace* itself, or while tracing a
    :class:`~zhongtai.core.telemetry.SpanSteps` making each channel a child span and
    appending every step to *trace*.  The business is in context for the channels' own logs either way.
    """
    tracer = telemetry.tracer()
    with telemetry.business_scope(claimed.business):
        if tracer is None:
            yield trace
            return
        attributes = {telemetry.BUSINESS: claimed.business, telemetry.EXTENSION_POINT: job.point.name,
                      "messaging.system": MESSAGING_SYSTEM, "messaging.operation.type": "process",
                      "messaging.destination.name": "outbox", "messaging.message.id": claimed.message.id,
                      "zhongtai.notify.attempt": claimed.attempts, telemetry.PLUGIN_COUNT: len(job.entries)}
        with telemetry.span(tracer, "process outbox", attributes, kind=SpanKind.CONSUMER,
                            links=telemetry.link_to(claimed.trace_context)):
            steps = telemetry.SpanSteps(tracer, trace)
            try:
                yield steps
            finally:
                steps.close()


class Worker:
    """Delivers due outbox messages of one :class:`~zhongtai.core.runtime.Platform`.

    :param concurrency: deliveries in flight at once (threads; channels do I/O).
    :param batch_size: messages claimed per round trip.
    :param lease_seconds: how long a claim lasts; longer than a batch takes.
    :param clock: the time source (inject one in tests); ``rng`` the jitter source.
    """

    def __init__(
        self,
        platform: Platform,
        *,
        name: str | None = None,
        concurrency: int = 1,
        batch_size: int = 50,
        lease_seconds: float = 120.0,
        retry: RetryPolicy | None = None,
        suspended_delay_seconds: float = 300.0,
        clock: Callable[[], dt.datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        if concurrency < 1 or batch_size < 1 or lease_seconds <= 0:
            raise ValueError("concurrency and batch_size must be >= 1 and lease_seconds > 0")
        self.platform = platform
        self.name = name or default_worker_name()
        self.concurrency = concurrency
        self.batch_size = batch_size
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.retry = retry or RetryPolicy()
        self.suspended_delay = dt.timedelta(seconds=suspended_delay_seconds)
        self.clock = clock
        self.rng = rng or random.Random()
        self._engine = engine_of(platform)
        self._pool: ThreadPoolExecutor | None = None

    # -- one batch -----------------------------------------------------------------------
    def run_batch(self, ids: Sequence[str] | None = None) -> WorkerStats:
        """Claim one batch of due messages (only *ids*, if given), deliver them, record the results."""
        self.platform.refresh()
        now = self.clock()
        batch = claim(self._engine, self.name, now, self.lease, self.batch_size, ids)
        if not batch:
            return WorkerStats(batches=1)
        retried = [c.message.id for c in batch if c.attempts > 1]
        done = _done_channels(self._engine, retried)
        outcomes: list[Outcome] = []
        jobs: list[_Job] = []
        policies: dict[str, NotifierPolicy] = {}
        for claimed in batch:
            early = self._precheck(claimed, now, policies)
            if early is not None:
                outcomes.append(early)
                continue
            try:
                plan = self.platform.plan(claimed.business, DELIVER)
            except ZhongtaiError as exc:
                outcomes.append(self._failure(claimed, now, [f"cannot plan delivery: {exc.message}"], [], True))
                continue
            skip = done.get(claimed.message.id, set())
            entries = tuple(e for e in plan.entries if e.plugin not in skip)
            if not plan.entries:
                outcomes.append(Outcome(claimed.message.id, models.DEAD, None,
                                        f"no delivery channel is enabled for {claimed.business}",
                                        claimed.attempts, "dead"))
                continue
            jobs.append(_Job(claimed, entries, plan.runner, plan.point))
        outcomes.extend(self._deliver_all(jobs, done))
        self._record(outcomes, now)
        return self._stats(outcomes, len(batch))

    def _precheck(self, claimed: Claimed, now: dt.datetime, policies: dict[str, NotifierPolicy]) -> Outcome | None:
        """Suspension, consent and quiet hours: decided before any channel is offered the message."""
        message, business = claimed.message, claimed.business
        not_counted = claimed.attempts - 1  # waiting is not an attempt
        if business not in self.platform.snapshot.businesses:
            return Outcome(message.id, models.DEAD, None, f"business {business} no longer exists",
                           claimed.attempts, "dead")
        stopped = suspended_by(self.platform, business)
        if stopped is not None:
            return Outcome(message.id, models.PENDING, now + self.suspended_delay,
                           f"deferred: business {stopped} is suspended", not_counted, "deferred")
        if message.kind != MARKETING:
            return None
        with self._engine.connect() as connection:
            who = opted_out(connection, business, address_keys(message.recipient))
        if who is not None:
            return Outcome(message.id, models.SUPPRESSED, None, f"{who} opted out of marketing from {business}",
                           not_counted, "suppressed")
        if business not in policies:
            policies[business] = policy_for(self.platform, business)
        release = release_time(now, message.recipient.timezone, policies[business].quiet)
        if release > now:
            return Outcome(message.id, models.PENDING, release, "deferred: quiet hours", not_counted, "deferred")
        return None

    def _deliver_all(self, jobs: list[_Job], done: dict[str, set[str]]) -> list[Outcome]:
        if self.concurrency == 1 or len(jobs) < 2:
            return [self._deliver(job, done.get(job.claimed.message.id, set())) for job in jobs]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="notify")
        return list(self._pool.map(lambda job: self._deliver(job, done.get(job.claimed.message.id, set())), jobs))

    def _deliver(self, job: _Job, already: set[str]) -> Outcome:
        """Offer one message to its channels (runs in a pool thread: touches no shared state)."""
        claimed = job.claimed
        now = self.clock()
        if now >= claimed.claimed_until:  # someone else may hold it by now: do not deliver, give it back
            return Outcome(claimed.message.id, models.PENDING, now, "claim expired before delivery",
                           claimed.attempts - 1, "expired")
        trace: list[TraceStep] = []
        with delivering(claimed.message), delivery_span(claimed, job, trace) as steps:  # composed: may sign
            job.runner(job.point, job.entries, {"message": claimed.message}, steps)
        records: list[AttemptRecord] = []
        errors: list[str] = []
        finished = set(already)
        permanent = False
        for step in trace:
            if step.outcome == "skipped":  # the channel raised: kernel recorded why
                records.append(AttemptRecord(step.plugin, FAILED, "", step.error or "failed"))
                errors.append(f"{step.plugin}: {step.error}")
            elif step.outcome == "contributed":
                delivery: Delivery = step.value
                records.append(AttemptRecord(step.plugin, delivery.status, delivery.provider_response,
                                             delivery.detail if delivery.status == FAILED else ""))
                if delivery.status == FAILED:
                    errors.append(f"{step.plugin}: {delivery.detail or 'failed'}")
                    permanent = permanent or not delivery.retryable
                else:
                    finished.add(step.plugin)
        if errors:
            return self._failure(claimed, now, errors, records, not permanent)
        if not finished:
            return Outcome(claimed.message.id, models.DEAD, None, "no enabled channel can reach this recipient",
                           claimed.attempts, "dead", tuple(records))
        if {r.status for r in records} == {SUPPRESSED}:
            reason = next(r.provider_response for r in records)
            return Outcome(claimed.message.id, models.SUPPRESSED, None, reason or "suppressed by the channels",
                           claimed.attempts, "suppressed", tuple(records))
        return Outcome(claimed.message.id, models.SENT, None, "", claimed.attempts, "sent", tuple(records))

    def _failure(self, claimed: Claimed, now: dt.datetime, errors: Sequence[str],
                 records: Iterable[AttemptRecord], retryable: bool) -> Outcome:
        reason = "; ".join(errors)
        if not retryable:
            return Outcome(claimed.message.id, models.DEAD, None, f"permanent failure: {reason}",
                           claimed.attempts, "dead", tuple(records))
        if claimed.attempts >= self.retry.max_attempts:
            return Outcome(claimed.message.id, models.DEAD, None,
                           f"gave up after {claimed.attempts} attempts: {reason}", claimed.attempts, "dead",
                           tuple(records))
        due = now + self.retry.delay(claimed.attempts, self.rng)
        return Outcome(claimed.message.id, models.PENDING, due, f"attempt {claimed.attempts} failed: {reason}",
                       claimed.attempts, "retried", tuple(records))

    def _record(self, outcomes: Sequence[Outcome], now: dt.datetime) -> None:
        """One transaction: every attempt row, then each message's new state (only if still ours)."""
        attempts = [
            {"message_id": o.message_id, "number": o.attempts, "channel": r.channel, "status": r.status,
             "provider_response": scrub(r.provider_response), "error": scrub(r.error), "worker": self.name,
             "at": now}
            for o in outcomes for r in o.records
        ]
        changes = [
            {"b_id": o.message_id, "b_worker": self.name, "b_state": o.state, "b_due": o.due_at,
             "b_reason": scrub(o.reason), "b_attempts": o.attempts}
            for o in outcomes
        ]
        with self._engine.begin() as connection:
            if changes:
                connection.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id == bindparam("b_id"), OutboxRow.claimed_by == bindparam("b_worker"),
                           OutboxRow.state == models.SENDING)
                    .values(state=bindparam("b_state"), reason=bindparam("b_reason"),
                            due_at=func.coalesce(bindparam("b_due", type_=UTCDateTime()), OutboxRow.due_at),
                            attempts=bindparam("b_attempts"), claimed_by=None, claimed_until=None,
                            updated_at=now),
                    changes,
                )
            if attempts:
                connection.execute(insert(AttemptRow), attempts)

    @staticmethod
    def _stats(outcomes: Sequence[Outcome], claimed: int) -> WorkerStats:
        tallies = [o.tally for o in outcomes]
        return WorkerStats(claimed=claimed, batches=1, **{name: tallies.count(name) for name in set(tallies)})

    # -- running ---------------------------------------------------------------------------
    def run(
        self,
        *,
        once: bool = False,
        stop: threading.Event | None = None,
        idle_seconds: float = 1.0,
        max_batches: int | None = None,
        on_batch: Callable[[WorkerStats], None] | None = None,
    ) -> WorkerStats:
        """Process batches until *stop* is set (or, with *once*, until nothing is due now).

        *on_batch* receives the running totals after every batch (progress
        display).  Waiting for work uses ``stop.wait``, so setting *stop* ends
        the worker promptly.
        """
        stop = stop or threading.Event()
        total = WorkerStats()
        try:
            while not stop.is_set():
                stats = self.run_batch()
                total = total + stats
                if on_batch is not None:
                    on_batch(total)
                if max_batches is not None and total.batches >= max_batches:
                    break
                if stats.claimed == 0:
                    if once:
                        break
                    stop.wait(idle_seconds)
        finally:
            self.close()
        return total

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def deliver_now(platform: Platform, message_id: str, **worker_options: Any) -> WorkerStats:
    """Try to deliver one message right away (e.g. a verification code just sent).

    If it is not due, already claimed or finished, nothing happens; a failure is
    retried later by the regular workers, as for any message.
    """
    return Worker(platform, **worker_options).run_batch(ids=[message_id])
