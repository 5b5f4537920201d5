"""Verification sessions: start a flow, submit each step, resend a code, get the verdict.

Every state change of a session is one transaction.  A change first bumps the
session's ``version`` where it still has the version that was read (taking the
write lock on SQLite and the row lock on PostgreSQL); if someone else changed
the session meanwhile, nothing is written and :class:`ConcurrentChangeError`
says so.  Slow work -- a provider call, sending a code -- happens before that
transaction, so a failure there leaves the session exactly as it was.

Codes are stored as keyed digests, expire, allow a bounded number of attempts,
are single-use (cleared when the step passes) and have a resend cooldown; a
TOTP time step is accepted once per secret.  Personal data lives in the
session's ``facts`` only while it is open; everything recorded or shown is
masked.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from zhongtai.core import telemetry
from zhongtai.core.errors import RegistryError
from zhongtai.core.identity import depth
from zhongtai.core.specs.verification import (
    Challenge,
    Component,
    ComponentHandler,
    Flow,
    StepRequest,
    StepResult,
)
from zhongtai.plugins.verification.errors import (
    ConcurrentChangeError,
    FlowError,
    InvalidValueError,
    ResendTooSoonError,
    SessionClosedError,
    SessionNotFoundError,
    StepOrderError,
)
from zhongtai.plugins.verification.masking import mask_all
from zhongtai.plugins.verification.models import (
    ACTIVE,
    EXPIRED,
    FAILED,
    OPEN,
    PASSED,
    PENDING,
    AttemptRow,
    ReplayGuardRow,
    SessionRow,
    StepRow,
)
from zhongtai.plugins.verification.notify import deliver, require_channel
from zhongtai.plugins.verification.subject import normalise_subject
from zhongtai.plugins.verification.throttle import policy_for as throttle_policy
from zhongtai.plugins.verification.throttle import (
    record_failure,
    record_success,
    require_unlocked,
    subject_keys,
    take_send,
)
from zhongtai.plugins.verification.views import SessionView, SubmitOutcome, session_view

log = logging.getLogger("zhongtai.verification")
#: the span attribute naming a verification session (docs/observability.md)
SESSION_ATTRIBUTE = "zhongtai.verification.session"

Clock = Callable[[], dt.datetime]

#: Longest value a step accepts (a liveness token is the longest).
MAX_VALUE_LENGTH = 512


def system_clock() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def new_session_id() -> str:
    """An unguessable session id (80 random bits)."""
    return "vs_" + secrets.token_hex(10)


@attrs.frozen
class Catalog:
    """The components a business has, and why contributions were dropped (for error messages)."""

    components: Mapping[str, Component]
    dropped: tuple[str, ...] = ()

    def handler(self, name: str, business: str) -> ComponentHandler:
        component = self.components.get(name)
        if component is None or component.handler is None:
            known = ", ".join(sorted(self.components)) or "none"
            why = f"; dropped: {'; '.join(self.dropped)}" if self.dropped else ""
            raise FlowError(
                f"no enabled plugin provides component {name!r} for business {business} "
                f"(available: {known}{why})"
            )
        return component.handler


class Verifier:
    """Verification sessions of one :class:`~zhongtai.core.runtime.Platform`, in its registry database.

    :param clock: returns the current timezone-aware time (tests pass their own).
    """

    def __init__(self, platform: Any, *, clock: Clock = system_clock) -> None:
        self.platform = platform
        self._clock = clock
        self._engine = platform.registry.engine
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        #: write transactions read before they write: on SQLite they take the write lock first
        self._write_sessions = sessionmaker(platform.registry.write_engine, expire_on_commit=False)
        self._ready = False

    # -- plumbing ------------------------------------------------------------------
    def _now(self) -> dt.datetime:
        now = self._clock()
        if now.utcoffset() is None:
            raise ValueError("the verification clock must return timezone-aware datetimes")
        return now.astimezone(dt.UTC)

    def _ensure(self) -> None:
        if self._ready:
            return
        self.platform.registry.ensure_schema()  # the tables come with the `verification` alembic branch
        self._ready = True

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        self._ensure()
        try:
            with self._sessions() as session:
                yield session
        except DBAPIError as exc:
            raise RegistryError(f"cannot read verification sessions: {_first_line(exc)}") from None

    @contextmanager
    def _writing(self, session_id: str | None = None, version: int | None = None) -> Iterator[Session]:
        """One transaction; for an existing session, first claim it at the *version* that was read."""
        self._ensure()
        try:
            with self._write_sessions() as session, session.begin():
                if session_id is not None:
                    claimed = session.execute(
                        update(SessionRow)
                        .where(SessionRow.id == session_id, SessionRow.version == version)
                        .values(version=SessionRow.version + 1)
                        .returning(SessionRow.id)
                    ).first()
                    if claimed is None:
                        raise ConcurrentChangeError(
                            f"session {session_id} was changed by someone else meanwhile; nothing was "
                            "recorded, try again"
                        )
                yield session
        except IntegrityError:
            raise ConcurrentChangeError(
                f"session {session_id} was changed by someone else meanwhile; nothing was recorded, try again"
            ) from None
        except DBAPIError as exc:
            raise RegistryError(f"cannot record the verification change: {_first_line(exc)}") from None

    def _load(self, session: Session, session_id: str) -> tuple[SessionRow, list[StepRow]]:
        row = session.get(SessionRow, session_id)
        if row is None:
            raise SessionNotFoundError(f"no verification session {session_id!r}")
        steps = list(session.scalars(
            select(StepRow).where(StepRow.session_id == session_id).order_by(StepRow.position)))
        return row, steps

    def _view(self, session: Session, row: SessionRow, steps: Sequence[StepRow], now: dt.datetime) -> SessionView:
        attempts = list(session.scalars(
            select(AttemptRow).where(AttemptRow.session_id == row.id).order_by(AttemptRow.id)))
        return session_view(row, steps, attempts, now)

    # -- components and flows ------------------------------------------------------
    def catalog(self, business: str) -> Catalog:
        """The components *business* has: for one name, the most specific business's plugin wins."""
        view = self.platform.business(business)
        result = view.explain("verification.components")
        chosen: dict[str, tuple[int, Component]] = {}
        for contribution in result.value:
            level = depth(contribution.level)
            for component in contribution.value:
                if not isinstance(component, Component):
                    continue
                if component.name not in chosen or level > chosen[component.name][0]:
                    chosen[component.name] = (level, component)
        dropped = tuple(f"{step.plugin}: {step.error}" for step in result.trace if step.outcome == "skipped")
        return Catalog({name: component for name, (_, component) in chosen.items()}, dropped)

    def flow(self, business: str, name: str) -> Flow:
        """The flow called *name* for *business*; :class:`FlowError` if none is defined."""
        flow = self.platform.business(business).call("verification.flow", flow=name)
        if flow is None:
            raise FlowError(
                f"no flow {name!r} is defined for business {business} "
                "(enable verification.standard, or define it in its `flows` setting)"
            )
        assert isinstance(flow, Flow)
        return flow

    # -- operations ----------------------------------------------------------------
    @contextmanager
    def _span(self, operation: str, session_id: str | None, business: str | None = None) -> Iterator[None]:
        """While tracing: a span ``verification <operation>`` for *business* (read from the session if not given),
        linked to the request that started the session.  The business is in context for the block."""
        tracer = telemetry.tracer()
        if tracer is None:
            yield
            return
        started: str | None = None
        if session_id is not None:
            with self._reading() as session:
                found = session.execute(select(SessionRow.business, SessionRow.trace_context)
                                        .where(SessionRow.id == session_id)).first()
            if found is not None:
                business, started = found.business, found.trace_context
        attributes = {SESSION_ATTRIBUTE: session_id or "", **({telemetry.BUSINESS: business} if business else {})}
        with telemetry.business_scope(business), telemetry.span(
                tracer, f"verification {operation}", attributes, links=telemetry.link_to(started)):
            yield

    def start(self, business: str, flow: str, subject: Mapping[str, str]) -> SessionView:
        """Open a session of *flow* for *subject*; a first code step sends its code now.

        Refused before anything is written if the flow is unknown, a component is
        missing, the subject lacks a field a step needs, or a code cannot be sent.
        """
        with self._span("start", None, business):
            return self._start(business, flow, subject)

    def _start(self, business: str, flow: str, subject: Mapping[str, str]) -> SessionView:
        view = self.platform.business(business)
        now = self._now()
        facts = normalise_subject(subject, today=now.date())
        definition = self.flow(business, flow)
        catalog = self.catalog(business)
        handlers = {name: catalog.handler(name, business) for name in definition.steps}
        _check_needs(definition, handlers, facts)
        if any(handler.sends_codes for handler in handlers.values()):
            require_channel(view)
        session_id = new_session_id()
        telemetry.annotate({SESSION_ATTRIBUTE: session_id})
        first = definition.steps[0]
        keys = self._subject_keys(business, facts)
        with self._reading() as session:
            require_unlocked(session, keys, now)
        challenge = self._issue(view, session_id, first, handlers[first], facts, now, keys)
        row = SessionRow(
            id=session_id, business=business, flow=definition.name, status=OPEN, reason="", position=0,
            subject=mask_all(facts), facts=facts, created_at=now, updated_at=now,
            expires_at=now + dt.timedelta(seconds=definition.ttl_seconds), version=1,
            trace_context=telemetry.current_traceparent(),
        )
        steps = [
            StepRow(session_id=session_id, position=i, component=name, status=ACTIVE if i == 0 else PENDING,
                    attempts=0, shown="", reason="", sends=0)
            for i, name in enumerate(definition.steps)
        ]
        attempts: list[AttemptRow] = []
        if challenge is not None:
            attempts.append(_record_challenge(steps[0], challenge, now))
        with self._writing() as session:
            session.add(row)
            session.flush()
            session.add_all(steps)
            session.add_all(attempts)
        log.info("verification session %s started: business=%s flow=%s subject=%s",
                 session_id, business, definition.name, row.subject)
        return session_view(row, steps, attempts, now)

    def submit(self, session_id: str, step: str, value: str) -> SubmitOutcome:
        """Check *value* for the session's current *step* and record the outcome.

        A wrong value is an outcome (``accepted=False``), recorded and counted; the
        last allowed failure, a provider outage or fraud signal ends the session.
        Errors (unknown session, closed session, wrong step, empty value) change nothing.
        """
        with self._span("submit", session_id):
            return self._submit(session_id, step, value)

    def _submit(self, session_id: str, step: str, value: str) -> SubmitOutcome:
        now = self._now()
        if not value.strip():
            raise InvalidValueError(f"no value given for step {step!r}")
        if len(value) > MAX_VALUE_LENGTH:
            raise InvalidValueError(f"the value for step {step!r} is longer than {MAX_VALUE_LENGTH} characters")
        with self._reading() as session:
            row, steps = self._load(session, session_id)
        self._require_open(row, now)
        current = _current_step(row, steps, step)
        view = self.platform.business(row.business)
        catalog = self.catalog(row.business)
        handler = catalog.handler(step, row.business)
        facts = dict(row.facts or {})
        keys = self._subject_keys(row.business, facts)
        with self._reading() as session:
            require_unlocked(session, keys, now)  # no guessing during a lock-out
        challenge = None
        if current.code_digest is not None and current.code_expires_at is not None:
            challenge = Challenge(current.code_digest, current.code_expires_at)
        if challenge is not None and now >= challenge.expires_at:
            result = StepResult(False, "the code has expired; ask for a new one (zhongtai verify resend)")
            outcome = "expired"
        else:
            result = handler.check(StepRequest(row.business, row.id, step, now, value.strip(), facts, challenge))
            outcome = "passed" if result.passed else ("error" if result.fatal else "rejected")
        if outcome == "passed" and result.replay_key is not None and not self._fresh(result):
            result = StepResult(False, "this code has already been used; wait for the next one", result.shown)
            outcome = "rejected"
        following = steps[row.position + 1] if row.position + 1 < len(steps) else None
        next_challenge = None
        if outcome == "passed" and following is not None:
            next_handler = catalog.handler(following.component, row.business)
            next_facts = {**facts, **result.facts}
            next_challenge = self._issue(view, row.id, following.component, next_handler, next_facts, now, keys)
        with self._writing(row.id, row.version) as session:
            row, steps = self._load(session, session_id)
            reason = _apply(session, row, steps, handler, result, outcome, next_challenge, now)
            if outcome == "rejected" and record_failure(session, keys, self._throttle(row.business), now):
                reason = f"{reason}; too many failed attempts for this subject: it is locked out for a while"
            elif outcome == "passed":
                record_success(session, keys, now)
            key, counter = result.replay_key, result.replay_counter
            if outcome == "passed" and key is not None and counter is not None \
                    and not _accept_once(session, key, counter, now):
                raise ConcurrentChangeError(
                    f"the code for session {row.id} was used elsewhere meanwhile; nothing was recorded")
            shown = self._view(session, row, steps, now)
        telemetry.annotate({"zhongtai.verification.step": step, "zhongtai.outcome": outcome})
        log.info("verification session %s step %s: %s%s (session %s)", row.id, step, outcome,
                 f" ({reason})" if reason else "", shown.status)
        return SubmitOutcome(outcome == "passed", reason, shown)

    def resend(self, session_id: str) -> SessionView:
        """Send a new code for the current step (the previous code stops working).

        Refused within the step's resend cooldown and after its last allowed send.
        """
        with self._span("resend", session_id):
            return self._resend(session_id)

    def _resend(self, session_id: str) -> SessionView:
        now = self._now()
        with self._reading() as session:
            row, steps = self._load(session, session_id)
        self._require_open(row, now)
        current = steps[row.position]
        handler = self.catalog(row.business).handler(current.component, row.business)
        if not handler.sends_codes:
            raise StepOrderError(f"step {current.component!r} of session {row.id} does not send codes")
        if current.code_sent_at is not None and now < current.code_sent_at + handler.resend_cooldown:
            wait = math.ceil((current.code_sent_at + handler.resend_cooldown - now).total_seconds())
            raise ResendTooSoonError(f"a new code for {current.component} can be sent in {wait} s")
        if current.sends >= handler.max_sends:
            raise ResendTooSoonError(
                f"{current.sends} codes were already sent for {current.component}; start a new session")
        view = self.platform.business(row.business)
        facts = dict(row.facts or {})
        challenge = self._issue(view, row.id, current.component, handler, facts, now,
                                self._subject_keys(row.business, facts))
        assert challenge is not None
        with self._writing(row.id, row.version) as session:
            row, steps = self._load(session, session_id)
            row.updated_at = now
            session.add(_record_challenge(steps[row.position], challenge, now))
            shown = self._view(session, row, steps, now)
        log.info("verification session %s step %s: code resent", row.id, current.component)
        return shown

    def show(self, session_id: str) -> SessionView:
        """The session as it stands (masked)."""
        now = self._now()
        with self._reading() as session:
            row, steps = self._load(session, session_id)
            return self._view(session, row, steps, now)

    def expire_sessions(self) -> int:
        """Close every open session past its expiry and erase its personal data; return how many."""
        now = self._now()
        with self._writing() as session:
            rows = list(session.scalars(select(SessionRow).where(SessionRow.status == OPEN,
                                                                 SessionRow.expires_at <= now)))
            for row in rows:
                _close(row, EXPIRED, "the session expired before it was completed", now)
                row.version += 1
        return len(rows)

    # -- helpers -------------------------------------------------------------------
    def _require_open(self, row: SessionRow, now: dt.datetime) -> None:
        if row.status != OPEN:
            reason = f": {row.reason}" if row.reason else ""
            raise SessionClosedError(f"session {row.id} is closed ({row.status}{reason})")
        if now >= row.expires_at:
            with self._writing(row.id, row.version) as session:
                fresh, _ = self._load(session, row.id)
                _close(fresh, EXPIRED, "the session expired before it was completed", now)
            raise SessionClosedError(
                f"session {row.id} expired at {row.expires_at.isoformat(timespec='seconds')}; start a new one")

    def _throttle(self, business: str) -> Any:
        return throttle_policy(self.platform, business)[0]

    def _subject_keys(self, business: str, facts: Mapping[str, str]) -> list[str]:
        return subject_keys(throttle_policy(self.platform, business)[1], business, facts)

    def _issue(self, view: Any, session_id: str, step: str, handler: ComponentHandler,
               facts: Mapping[str, str], now: dt.datetime, keys: Sequence[str] = ()) -> Challenge | None:
        """For a code step: count the send against the subject's throttle, make a challenge and send
        its message (raises if it may not or cannot be sent; a failed delivery still counts)."""
        if not handler.sends_codes:
            return None
        challenge = handler.challenge(StepRequest(view.code, session_id, step, now, facts=dict(facts)))
        if challenge is None or challenge.message is None:
            raise FlowError(f"component {step!r} sends codes but issued no code")
        with self._writing() as session:
            take_send(session, keys, self._throttle(view.code), now)
        deliver(view, challenge.message, self.platform, now)
        return challenge

    def _fresh(self, result: StepResult) -> bool:
        """Read-only check that *result*'s replay counter is later than the last accepted one."""
        with self._reading() as session:
            guard = session.get(ReplayGuardRow, result.replay_key)
        return guard is None or result.replay_counter is None or result.replay_counter > guard.counter


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _check_needs(flow: Flow, handlers: Mapping[str, ComponentHandler], facts: Mapping[str, str]) -> None:
    known = set(facts)
    for name in flow.steps:
        handler = handlers[name]
        missing = [field for field in handler.needs if field not in known]
        if missing:
            raise FlowError(
                f"flow {flow.name!r}: step {name!r} needs the subject's {missing[0]} "
                f"(give --subject {missing[0]}=...)"
            )
        known.update(handler.provides)


def _current_step(row: SessionRow, steps: Sequence[StepRow], step: str) -> StepRow:
    current = steps[row.position]
    if step == current.component:
        return current
    names = [s.component for s in steps]
    if step not in names:
        raise StepOrderError(f"session {row.id} (flow {row.flow}) has no step {step!r}; its steps: {', '.join(names)}")
    if names.index(step) < row.position:
        raise StepOrderError(f"step {step!r} of session {row.id} has already passed; next is {current.component!r}")
    raise StepOrderError(
        f"step {step!r} is not next: submit {current.component!r} first (step {row.position + 1} of {len(steps)})")


def _record_challenge(step: StepRow, challenge: Challenge, now: dt.datetime) -> AttemptRow:
    step.code_digest = challenge.digest
    step.code_expires_at = challenge.expires_at
    step.code_sent_at = now
    step.sends = (step.sends or 0) + 1
    return AttemptRow(session_id=step.session_id, position=step.position, component=step.component, at=now,
                      outcome="sent", reason="", shown="")


def _close(row: SessionRow, status: str, reason: str, now: dt.datetime) -> None:
    row.status = status
    row.reason = reason
    row.facts = {}
    row.updated_at = now


def _apply(session: Session, row: SessionRow, steps: list[StepRow], handler: ComponentHandler,
           result: StepResult, outcome: str, next_challenge: Challenge | None, now: dt.datetime) -> str:
    """Record *outcome* on the claimed rows; return the reason to report."""
    current = steps[row.position]
    current.shown = result.shown or current.shown
    row.updated_at = now
    reason = result.reason
    if outcome == "passed":
        current.status = PASSED
        current.reason = ""
        current.completed_at = now
        current.code_digest = None  # single use
        if row.position + 1 < len(steps):
            row.facts = {**(row.facts or {}), **result.facts}
            row.position += 1
            following = steps[row.position]
            following.status = ACTIVE
            if next_challenge is not None:
                session.add(_record_challenge(following, next_challenge, now))
        else:
            _close(row, PASSED, "all steps passed", now)
    elif outcome == "error":
        current.status = FAILED
        current.reason = result.reason
        current.code_digest = None
        _close(row, FAILED, f"{current.component}: {result.reason}", now)
    elif outcome == "expired":
        current.reason = result.reason
    else:
        current.attempts += 1
        left = handler.max_attempts - current.attempts
        if left <= 0:
            current.status = FAILED
            current.code_digest = None
            reason = f"{result.reason}; too many failed attempts"
            current.reason = reason
            _close(row, FAILED, f"{current.component}: too many failed attempts ({current.attempts})", now)
        else:
            reason = f"{result.reason} ({left} attempt{'s' if left != 1 else ''} left)"
            current.reason = reason
    session.add(AttemptRow(session_id=row.id, position=current.position, component=current.component, at=now,
                           outcome=outcome, reason=reason, shown=result.shown))
    return reason


def _accept_once(session: Session, key: str, counter: int, now: dt.datetime) -> bool:
    """Record *counter* for *key* if it is later than the last one; False if it is not."""
    moved = session.execute(
        update(ReplayGuardRow)
        .where(ReplayGuardRow.key == key, ReplayGuardRow.counter < counter)
        .values(counter=counter, updated_at=now)
        .returning(ReplayGuardRow.key)
    ).first()
    if moved is not None:
        return True
    if session.get(ReplayGuardRow, key) is not None:
        return False
    session.add(ReplayGuardRow(key=key, counter=counter, updated_at=now))
    session.flush()  # a concurrent insert raises IntegrityError: the whole change is refused
    return True
