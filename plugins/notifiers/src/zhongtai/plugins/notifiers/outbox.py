"""The outbox: accepting messages durably, and reading where they stand.

:func:`send` validates and renders a message, applies consent, quiet hours and
rate limits, and writes it to the outbox in one transaction; it returns the
message id.  Nothing is delivered here: a :class:`~zhongtai.plugins.notifiers.worker.Worker`
(``zhongtai notify worker``) delivers due messages.  Submitting the same
idempotency key for the same business again returns the first message's result
(``duplicate=True``) and writes nothing.

Every user mistake (unknown business, template or time zone, missing variable,
malformed address) raises one :class:`~zhongtai.core.errors.UserError` before
anything is written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
from opentelemetry.trace import Span, SpanKind
from sqlalchemy import Connection, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from zhongtai.core import telemetry
from zhongtai.core.errors import BusinessSuspended, NotFound, UserError, ZhongtaiError
from zhongtai.core.identity import lineage
from zhongtai.core.registry.models import utcnow
from zhongtai.core.specs.notifiers import KINDS, MARKETING, Recipient, Template
from zhongtai.plugins.notifiers import costs, models
from zhongtai.plugins.notifiers.addresses import (
    address_keys,
    check_headers,
    masked_address,
    parse_address,
    validate_recipient,
)
from zhongtai.plugins.notifiers.admin import known_business
from zhongtai.plugins.notifiers.content import approved_template, signature_for
from zhongtai.plugins.notifiers.models import AttemptRow, OptOutRow, OutboxRow, engine_of
from zhongtai.plugins.notifiers.policy import NotifierPolicy, policy_for
from zhongtai.plugins.notifiers.rendering import render
from zhongtai.plugins.notifiers.rules import admit, opted_out
from zhongtai.plugins.notifiers.signing import read_unsubscribe_token, verify_unsubscribe_token

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

Clock = Callable[[], dt.datetime]
DELIVER = "notifiers.deliver"


@attrs.frozen
class SendResult:
    """What :func:`send` did: the message id, its state and when it is due.

    ``state`` is ``pending`` (accepted; ``due_at`` may be later than asked when
    quiet hours or a rate limit deferred it, ``reason`` says why),
    ``suppressed`` (marketing to an address that opted out) or ``refused``
    (over a rate limit; ``reason`` says which).  ``duplicate`` is true when the
    idempotency key had been submitted before: nothing new was written.
    """

    id: str
    state: str
    due_at: dt.datetime
    duplicate: bool = False
    reason: str = ""


def new_message_id() -> str:
    return "msg_" + uuid.uuid4().hex


def suspended_by(platform: Platform, business: str) -> str | None:
    """The business (itself or an ancestor) whose suspension stops *business*, if any."""
    businesses = platform.snapshot.businesses
    return next((level for level in lineage(business)
                 if level in businesses and businesses[level].status == "suspended"), None)


def _require_business(platform: Platform, business: str) -> None:
    known_business(platform, business)
    stopped = suspended_by(platform, business)
    if stopped is not None:
        where = "" if stopped == business else f" (its ancestor {stopped} is suspended)"
        raise BusinessSuspended(f"business {business} is suspended{where}; it cannot send messages")


def _json_values(variables: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return dict(json.loads(json.dumps(dict(variables))))
    except (TypeError, ValueError) as exc:
        raise UserError(f"template variables must be JSON values (strings, numbers, lists ...): {exc}") from None


@attrs.frozen
class _Sending:
    """What one send/send_many call looks up once for all its messages: mode, channels, prices, signature."""

    production: bool
    channels: tuple[str, ...]
    prices: Mapping[str, costs.Price]
    signature: str | None
    opt_out_text: str
    templates: dict[str, Template | None] = attrs.field(factory=dict, eq=False)

    @classmethod
    def load(cls, platform: Platform, business: str, policy: NotifierPolicy) -> _Sending:
        try:
            channels = tuple(entry.plugin for entry in platform.plan(business, DELIVER).entries)
        except ZhongtaiError:
            channels = ()
        with engine_of(platform).connect() as connection:
            table = costs.prices(connection)
            signature = signature_for(connection, business)
        return cls(platform.snapshot.mode == "production", channels, table, signature,
                   policy.sms_opt_out_text.strip())


def _template(platform: Platform, business: str, name: str, sending: _Sending) -> Template | None:
    """The approved registry template, else (not for marketing in production) the plugin-config one."""
    if name not in sending.templates:
        with engine_of(platform).connect() as connection:
            found = approved_template(connection, business, name)
        sending.templates[name] = found
    return sending.templates[name]


def _render(platform: Platform, business: str, kind: str, template: str | None, body: str | None,
            subject: str | None, variables: Mapping[str, Any], sending: _Sending) -> tuple[str, str]:
    if template is not None and body is not None:
        raise UserError("give a template or a body, not both")
    production_marketing = sending.production and kind == MARKETING
    if template is None:
        if not body:
            raise UserError("a message needs a template or a body")
        if production_marketing:
            raise UserError("in production mode marketing messages are sent only from approved templates, "
                            "not a literal body (zhongtai notify template draft, then a platform admin approves)")
        return subject or "", body
    found = _template(platform, business, template, sending)
    if found is None and production_marketing:
        raise UserError(f"in production mode marketing messages are sent only from approved templates: "
                        f"{template!r} has no approved version at {business} or above")
    if found is None:
        found = platform.business(business).call("notifiers.templates", name=template)
    if found is None:
        raise NotFound(f"no template {template!r} for business {business} (approve one with zhongtai notify "
                       f"template, or enable notifiers.templates with it, at {business} or above)")
    if found.kind != kind:
        raise UserError(f"template {template!r} is for {found.kind} messages, not {kind}")
    rendered_subject = subject if subject is not None else render(found.subject, variables, name=template)
    return rendered_subject, render(found.body, variables, name=template)


def _existing(connection: Connection, business: str, key: str) -> SendResult | None:
    row = connection.execute(
        select(OutboxRow.id, OutboxRow.state, OutboxRow.due_at, OutboxRow.reason)
        .where(OutboxRow.business == business, OutboxRow.idempotency_key == key)
    ).first()
    if row is None:
        return None
    return SendResult(row.id, row.state, row.due_at, duplicate=True, reason=row.reason)


@attrs.frozen
class Outgoing:
    """One message for :func:`send_many` (the arguments of :func:`send` after *business*)."""

    kind: str
    recipient: Recipient
    template: str | None = None
    variables: Mapping[str, Any] = attrs.field(factory=dict)
    body: str | None = None
    subject: str | None = None
    idempotency_key: str | None = None
    send_after: dt.datetime | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class _Prepared:
    """A validated, rendered message, ready to be written."""

    outgoing: Outgoing
    recipient: Recipient
    subject: str
    body: str
    variables: dict[str, Any]
    addresses: tuple[str, ...]
    estimate: costs.Estimate


def _prepare(platform: Platform, business: str, outgoing: Outgoing, sending: _Sending) -> _Prepared:
    """Validate and render one message; every problem is a UserError, nothing is written."""
    kind = outgoing.kind
    if kind not in KINDS:
        raise UserError(f"unknown message kind {kind!r} (kinds: {', '.join(KINDS)})")
    if outgoing.send_after is not None and outgoing.send_after.utcoffset() is None:
        raise UserError("send_after must be timezone-aware")
    key = outgoing.idempotency_key
    if key is not None and not (0 < len(key) <= 200):
        raise UserError("an idempotency key must be 1 to 200 characters")
    recipient = validate_recipient(outgoing.recipient)
    values = _json_values(outgoing.variables)
    subject, body = _render(platform, business, kind, outgoing.template, outgoing.body, outgoing.subject, values,
                            sending)
    check_headers(subject, outgoing.headers)
    sms = costs.sms_text_for(kind, body, sending.signature, sending.opt_out_text)
    estimate = costs.estimate(sending.channels, recipient, sms, sending.prices)
    return _Prepared(outgoing, recipient, subject, body, values, address_keys(recipient), estimate)


def _accept(connection: Connection, business: str, item: _Prepared, policy: NotifierPolicy,
            moment: dt.datetime, book: costs.BudgetBook, exceeded: list[dict[str, Any]], *,
            campaign_id: str | None = None) -> SendResult:
    """Write one prepared message inside the caller's transaction and apply the rules to it.

    The insert comes first: on SQLite it takes the write lock before any read.
    A repeated idempotency key inserts nothing and returns the first message.
    A message that passes consent and the rate limits is charged to the budgets
    (:class:`~.costs.BudgetBook`); budgets exceeded for the first time this
    period are appended to *exceeded* (the caller audits them after commit).
    """
    outgoing = item.outgoing
    kind, key, after = outgoing.kind, outgoing.idempotency_key, outgoing.send_after
    due = max(moment, after) if after is not None else moment
    message_id = new_message_id()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    inserted = connection.execute(
        dialect.insert(OutboxRow).values(
            id=message_id, business=business, kind=kind, state=models.PENDING,
            recipient=attrs.asdict(item.recipient), subject=item.subject, body=item.body,
            template=outgoing.template, variables=item.variables, headers=dict(outgoing.headers),
            idempotency_key=key, send_after=after, due_at=due, attempts=0, reason="",
            created_at=moment, updated_at=moment, cost=costs.amount_text(item.estimate.total), campaign_id=campaign_id,
            charges={channel: costs.amount_text(amount) for channel, amount in item.estimate.amounts.items()},
            trace_context=telemetry.current_traceparent(),
        ).on_conflict_do_nothing(index_elements=["business", "idempotency_key"]).returning(OutboxRow.id)
    ).first()
    if inserted is None:  # the key was used before (perhaps by a concurrent send that just committed)
        assert key is not None
        seen = _existing(connection, business, key)
        if seen is None:  # pragma: no cover - a conflict implies the row exists
            raise UserError(f"idempotency key {key!r} conflicts but no message has it")
        return seen
    who = opted_out(connection, business, item.addresses) if kind == MARKETING else None
    if who is not None:
        result = SendResult(message_id, models.SUPPRESSED, due, reason=f"{who} opted out of marketing from {business}")
    else:
        admission = admit(connection, policy, business, kind, item.recipient.timezone, item.addresses, due)
        verdict = costs.BudgetVerdict()
        if admission.refused is None:
            verdict = book.charge(connection, item.estimate.amounts, moment)
            exceeded.extend(verdict.exceeded)
        if admission.refused is not None:
            result = SendResult(message_id, models.REFUSED, admission.due, reason=admission.refused)
        elif verdict.state is not None:
            result = SendResult(message_id, verdict.state, admission.due, reason=verdict.reason)
        else:
            result = SendResult(message_id, models.PENDING, admission.due,
                                reason=f"deferred: {admission.deferred}" if admission.deferred else "")
    if result != SendResult(message_id, models.PENDING, due):
        connection.execute(update(OutboxRow).where(OutboxRow.id == message_id).values(
            state=result.state, due_at=result.due_at, reason=result.reason))
    return result


def send(
    platform: Platform,
    business: str,
    *,
    kind: str,
    recipient: Recipient,
    template: str | None = None,
    variables: Mapping[str, Any] | None = None,
    body: str | None = None,
    subject: str | None = None,
    idempotency_key: str | None = None,
    send_after: dt.datetime | None = None,
    headers: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> SendResult:
    """Accept a message for *business* into the outbox (one transaction) and return its result.

    Give ``template`` (rendered now with ``variables``; the template's kind must
    be *kind*) or a literal ``body``.  ``send_after`` (timezone-aware) delays
    it.  ``now`` overrides the clock (tests).  See :class:`SendResult`.
    """
    outgoing = Outgoing(kind=kind, recipient=recipient, template=template, variables=variables or {}, body=body,
                        subject=subject, idempotency_key=idempotency_key, send_after=send_after,
                        headers=headers or {})
    _require_business(platform, business)
    engine = engine_of(platform)
    if idempotency_key is not None:  # a repeat needs no rendering (its template may even be gone)
        with engine.connect() as connection:
            seen = _existing(connection, business, idempotency_key)
        if seen is not None:
            return seen
    policy = policy_for(platform, business)
    item = _prepare(platform, business, outgoing, _Sending.load(platform, business, policy))
    exceeded: list[dict[str, Any]] = []
    with queueing(business, kind) as span, engine.begin() as connection:
        result = _accept(connection, business, item, policy, now or utcnow(), costs.BudgetBook(business),
                         exceeded)
        if span is not None:
            span.set_attributes({"messaging.message.id": result.id, "zhongtai.notify.state": result.state})
    costs.report_exceeded(platform, business, exceeded)
    return result


#: ``messaging.system`` of the outbox's spans (semantic conventions allow a custom value)
MESSAGING_SYSTEM = "zhongtai.outbox"


@contextlib.contextmanager
def queueing(business: str, kind: str) -> Iterator[Span | None]:
    """A producer span around accepting a message (None while not tracing); the row stores its traceparent."""
    tracer = telemetry.tracer()
    if tracer is None:
        yield None
        return
    attributes = {telemetry.BUSINESS: business, "messaging.system": MESSAGING_SYSTEM,
                  "messaging.operation.type": "send", "messaging.destination.name": "outbox",
                  "zhongtai.notify.kind": kind}
    with telemetry.span(tracer, "send outbox", attributes, kind=SpanKind.PRODUCER) as span:
        yield span


class BatchSender:
    """Accepts many messages of one business, a transaction per batch; the per-call lookups are done once.

    ``prepare`` validates and renders one message (UserError, nothing written);
    ``write`` accepts a batch of prepared messages in one transaction (tagged
    with *campaign_id*); ``finish`` writes the audit rows of budgets exceeded.
    """

    def __init__(self, platform: Platform, business: str, *, campaign_id: str | None = None) -> None:
        _require_business(platform, business)
        self.platform = platform
        self.business = business
        self.campaign_id = campaign_id
        self.policy = policy_for(platform, business)
        self.sending = _Sending.load(platform, business, self.policy)
        self.engine = engine_of(platform)
        self._exceeded: list[dict[str, Any]] = []

    def prepare(self, outgoing: Outgoing) -> _Prepared:
        return _prepare(self.platform, self.business, outgoing, self.sending)

    def write(self, batch: Iterable[_Prepared], now: dt.datetime | None = None) -> list[SendResult]:
        with self.engine.begin() as connection:
            moment = now or utcnow()
            book = costs.BudgetBook(self.business)
            return [_accept(connection, self.business, item, self.policy, moment, book, self._exceeded,
                            campaign_id=self.campaign_id) for item in batch]

    def finish(self) -> None:
        exceeded, self._exceeded = self._exceeded, []
        costs.report_exceeded(self.platform, self.business, exceeded)


def send_many(
    platform: Platform, business: str, messages: Iterable[Outgoing], *, now: dt.datetime | None = None,
    chunk_size: int = 500,
) -> list[SendResult]:
    """Accept many messages for *business*: the results in the same order.

    Every message is validated and rendered first: one bad message raises a
    UserError naming its position and nothing is written.  Then the messages
    are written in transactions of *chunk_size*; if the database fails midway
    the earlier chunks stay written, so give idempotency keys and simply call
    again: what was accepted comes back as ``duplicate``.  (Campaigns from an
    audience file: :mod:`.campaigns`.)
    """
    sender = BatchSender(platform, business)
    prepared: list[_Prepared] = []
    for index, outgoing in enumerate(messages):
        try:
            prepared.append(sender.prepare(outgoing))
        except UserError as exc:
            raise type(exc)(f"message {index}: {exc.message}") from None
    results: list[SendResult] = []
    try:
        for start in range(0, len(prepared), max(1, chunk_size)):
            results.extend(sender.write(prepared[start:start + chunk_size], now))
    finally:
        sender.finish()
    return results


def admit_direct(platform: Platform, business: str, kind: str, recipient: Recipient, *,
                 now: dt.datetime | None = None) -> str | None:
    """Apply *business*'s rate limits to a message delivered straight to the channels (not queued).

    Verification codes are sent this way.  The message counts against every limit
    of its *kind* it passes (one transaction); the answer is the refusal reason, or
    ``None`` when it may go.  Quiet hours never delay such a message.
    """
    if kind not in KINDS:
        raise UserError(f"unknown message kind {kind!r} (kinds: {', '.join(KINDS)})")
    known_business(platform, business)
    checked = validate_recipient(recipient)
    policy = policy_for(platform, business)
    with engine_of(platform).begin() as connection:
        admission = admit(connection, policy, business, kind, checked.timezone, address_keys(checked),
                          now or utcnow())
    if admission.refused is None and admission.due > (now or utcnow()) + dt.timedelta(seconds=1):
        return f"deferred by {admission.deferred or 'the notifier policy'}; direct delivery cannot wait"
    return admission.refused


# -- consent ---------------------------------------------------------------------------
@attrs.frozen
class OptOut:
    business: str
    address: str
    changed: bool


class _Unchanged(Exception):
    """Rolls back a consent change that changes nothing (no audit row for a no-op)."""


#: The actor recorded for opt-outs made through a signed one-click unsubscribe link.
UNSUBSCRIBE_ACTOR = "unsubscribe-link"


def _consent_change(platform: Platform, business: str, key: str, *, adding: bool, source: str,
                    actor: str | None, now: dt.datetime | None, governed: bool = True) -> bool:
    """Add or remove one opt-out row in one registry change with an audit row; False if nothing changed.

    Governed like config: the actor must manage *business* (an admin, or a member of
    its owner team or an ancestor's), unless *governed* is false (a signed
    unsubscribe link is the recipient's own, verified request).  The audit row says
    who, when, which business, and the address masked.
    """
    from zhongtai.core import governance
    from zhongtai.core.actors import resolve_actor

    who = resolve_actor(actor)
    engine_of(platform)  # the notifier tables exist
    try:
        with platform.registry.change(who) as tx:
            if governed:
                platform.refresh()
                governance.access(tx.session).require_manage(
                    tx.actor, platform.snapshot, business,
                    "change marketing consent" if adding else "withdraw an opt-out")
            connection = tx.session.connection()
            if adding:
                dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
                changed = connection.execute(
                    dialect.insert(OptOutRow).values(business=business, address=key, source=source,
                                                     created_at=now or utcnow())
                    .on_conflict_do_nothing().returning(OptOutRow.address)
                ).first() is not None  # rowcount is -1 on some drivers
            else:
                changed = connection.execute(
                    delete(OptOutRow).where(OptOutRow.business == business, OptOutRow.address == key)
                    .returning(OptOutRow.address)
                ).first() is not None
            if not changed:
                raise _Unchanged
            tx.record("notify.optout" if adding else "notify.optin", business=business,
                      after={"address": masked_address(key), "source": source})
    except _Unchanged:
        return False
    return True


def opt_out(platform: Platform, business: str, address: str, *, source: str = "api",
            now: dt.datetime | None = None, actor: str | None = None) -> OptOut:
    """Record that *address* wants no marketing from *business* (and its sub-businesses).

    *address* is a phone number, an email address, a webhook URL, ``user:<id>``
    or an address key.  ``changed`` is false when it had already opted out.
    *actor* (default: ``$ZHONGTAI_ACTOR`` / the OS user) must manage *business*;
    the change is audited (``notify.optout``, address masked).
    """
    known_business(platform, business)
    key = parse_address(address)
    governed = source != "unsubscribe"
    who = actor if governed else (actor or UNSUBSCRIBE_ACTOR)
    changed = _consent_change(platform, business, key, adding=True, source=source, actor=who, now=now,
                              governed=governed)
    return OptOut(business, key, changed)


def opt_in(platform: Platform, business: str, address: str, *, actor: str | None = None) -> OptOut:
    """Withdraw an opt-out of *address* at *business* (``changed`` false if there was none).

    *actor* must manage *business*; the change is audited (``notify.optin``, address masked).
    """
    known_business(platform, business)
    key = parse_address(address)
    changed = _consent_change(platform, business, key, adding=False, source="api", actor=actor, now=None)
    return OptOut(business, key, changed)


def unsubscribe(platform: Platform, token: str, *, now: dt.datetime | None = None) -> OptOut:
    """Honour a one-click unsubscribe token (RFC 8058 POST): verify it, then opt the address out.

    The business's unsubscribe endpoint calls this with the ``token`` query
    parameter.  A forged or malformed token raises ``SignatureError``.
    """
    claim = read_unsubscribe_token(token)
    if claim.business not in platform.snapshot.businesses:
        raise NotFound(f"unknown business {claim.business!r}")
    verify_unsubscribe_token(policy_for(platform, claim.business).unsubscribe_secret, token)
    return opt_out(platform, claim.business, claim.address, source="unsubscribe", now=now)


# -- reading the outbox ----------------------------------------------------------------
@attrs.frozen
class StateCount:
    business: str
    kind: str
    state: str
    count: int


@attrs.frozen
class AttemptInfo:
    number: int
    channel: str
    status: str
    provider_response: str
    error: str
    worker: str
    at: dt.datetime


@attrs.frozen
class MessageInfo:
    id: str
    business: str
    kind: str
    state: str
    recipient: Recipient
    subject: str
    body: str
    idempotency_key: str | None
    due_at: dt.datetime
    attempts: int
    reason: str
    created_at: dt.datetime
    history: tuple[AttemptInfo, ...] = ()
    cost: Decimal = Decimal(0)  # the estimate charged when it was accepted


def _filters(business: str | None, kind: str | None, state: str | None) -> list[Any]:
    conditions: list[Any] = []
    if business:
        conditions.append(or_(OutboxRow.business == business, OutboxRow.business.like(f"{business}.%")))
    if kind:
        if kind not in KINDS:
            raise UserError(f"unknown message kind {kind!r} (kinds: {', '.join(KINDS)})")
        conditions.append(OutboxRow.kind == kind)
    if state:
        if state not in models.STATES:
            raise UserError(f"unknown state {state!r} (states: {', '.join(models.STATES)})")
        conditions.append(OutboxRow.state == state)
    return conditions


def counts(platform: Platform, *, business: str | None = None, kind: str | None = None,
           state: str | None = None) -> list[StateCount]:
    """How many messages are in each (business, kind, state); *business* includes its descendants."""
    conditions = _filters(business, kind, state)
    with engine_of(platform).connect() as connection:
        rows = connection.execute(
            select(OutboxRow.business, OutboxRow.kind, OutboxRow.state, func.count())
            .where(*conditions).group_by(OutboxRow.business, OutboxRow.kind, OutboxRow.state)
            .order_by(OutboxRow.business, OutboxRow.kind, OutboxRow.state)
        ).all()
    return [StateCount(r[0], r[1], r[2], int(r[3])) for r in rows]


def _info(row: OutboxRow, history: tuple[AttemptInfo, ...] = ()) -> MessageInfo:
    return MessageInfo(
        id=row.id, business=row.business, kind=row.kind, state=row.state, recipient=Recipient(**row.recipient),
        subject=row.subject, body=row.body, idempotency_key=row.idempotency_key, due_at=row.due_at,
        attempts=row.attempts, reason=row.reason, created_at=row.created_at, history=history,
        cost=Decimal(row.cost or 0),
    )


def messages(platform: Platform, *, business: str | None = None, kind: str | None = None,
             state: str | None = None, limit: int = 50) -> list[MessageInfo]:
    """The most recent messages matching the filters, newest first."""
    from sqlalchemy.orm import Session

    conditions = _filters(business, kind, state)
    with Session(engine_of(platform)) as session:
        rows = session.scalars(
            select(OutboxRow).where(*conditions).order_by(OutboxRow.created_at.desc(), OutboxRow.id).limit(limit)
        ).all()
        return [_info(row) for row in rows]


def message(platform: Platform, message_id: str) -> MessageInfo:
    """One message with every recorded attempt; NotFound if there is none with that id."""
    from sqlalchemy.orm import Session

    with Session(engine_of(platform)) as session:
        row = session.get(OutboxRow, message_id)
        if row is None:
            raise NotFound(f"no message {message_id!r} in the outbox")
        attempts = session.scalars(
            select(AttemptRow).where(AttemptRow.message_id == message_id).order_by(AttemptRow.id)
        ).all()
        history = tuple(AttemptInfo(a.number, a.channel, a.status, a.provider_response, a.error, a.worker, a.at)
                        for a in attempts)
        return _info(row, history)
