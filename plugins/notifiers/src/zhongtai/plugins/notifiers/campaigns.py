"""Campaigns: one template sent to an audience file, fanned out into the outbox in batches.

An audience file is CSV (a header row) or JSON Lines (``.jsonl``/``.ndjson``):
one recipient per row with ``phone``, ``email``, ``webhook``, ``user_id`` and
``timezone`` (default Asia/Shanghai); every other column is a template
variable.  :func:`create_campaign` reads it as a stream (memory stays flat for
millions of rows), renders and prices every message, and accepts them in
transactions of ``batch_size`` with idempotency keys ``<campaign>:<row>`` --
so re-running the fan-out of a campaign (:func:`fan_out`) after a crash adds
only what is missing.  Messages are due at ``start_at``; consent, quiet hours,
rate limits and budgets apply to each one as to any message.

:func:`pause` moves the campaign's waiting messages to ``paused``,
:func:`resume` back to ``pending``, :func:`cancel` to ``cancelled`` (messages
being delivered at that moment finish).  :func:`counts` says where every
message of a campaign stands.  Each of these is an audited registry change by
the business's owner team or a platform admin.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import case, func, select, update

from zhongtai.core.errors import NotFound, UserError
from zhongtai.core.registry.models import utcnow
from zhongtai.core.specs.notifiers import KINDS, MARKETING, Recipient
from zhongtai.plugins.notifiers import costs, models
from zhongtai.plugins.notifiers.admin import audited_change
from zhongtai.plugins.notifiers.models import CampaignRow, OutboxRow, engine_of
from zhongtai.plugins.notifiers.outbox import BatchSender, Outgoing

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from zhongtai.core.runtime.platform import Platform

ADDRESS_FIELDS = ("phone", "email", "webhook", "user_id", "timezone")
MAX_ROWS = 100_000_000
MAX_LINE = 64 * 1024
Progress = Callable[[int], None]


@attrs.frozen
class CampaignCounts:
    """Where the messages of a campaign stand."""

    queued: int = 0  # pending (due), sending, or paused
    sent: int = 0
    failed: int = 0  # dead
    deferred_quiet_hours: int = 0
    skipped_consent: int = 0  # suppressed: opted out
    over_budget: int = 0  # held or refused over a budget
    refused: int = 0  # refused by a rate limit
    cancelled: int = 0

    @property
    def total(self) -> int:
        return sum(attrs.astuple(self))


@attrs.frozen
class Campaign:
    id: str
    business: str
    name: str
    kind: str
    template: str
    status: str
    start_at: dt.datetime
    audience: int
    fanned_out: bool
    estimate: Decimal
    segments: Mapping[str, int]
    created_by: str
    created_at: dt.datetime
    counts: CampaignCounts | None = None


def _campaign(row: CampaignRow, counts: CampaignCounts | None = None) -> Campaign:
    return Campaign(row.id, row.business, row.name, row.kind, row.template, row.status, row.start_at, row.audience,
                    bool(row.fanned_out), Decimal(row.estimate), dict(row.segments or {}), row.created_by,
                    row.created_at, counts)


# -- audience files --------------------------------------------------------------------------
def audience_row(row: Mapping[str, Any], line: int) -> tuple[Recipient, dict[str, Any]]:
    """One audience row -> (recipient, template variables); UserError naming *line* if it has no address."""
    values = {k.strip(): v for k, v in row.items() if k is not None}
    fields = {name: (str(values[name]).strip() or None) if values.get(name) not in (None, "") else None
              for name in ADDRESS_FIELDS}
    timezone = fields.pop("timezone") or "Asia/Shanghai"
    if not any(fields.values()):
        raise UserError(f"audience row {line}: no phone, email, webhook or user_id")
    variables = {k: v for k, v in values.items() if k not in ADDRESS_FIELDS}
    return Recipient(timezone=timezone, **fields), variables


def read_audience(path: Path) -> Iterator[tuple[Recipient, dict[str, Any]]]:
    """Stream the recipients (and their variables) of an audience file; UserError names a bad row."""
    if not path.is_file():
        raise UserError(f"audience file {str(path)!r} does not exist")
    jsonl = path.suffix.lower() in (".jsonl", ".ndjson")
    with path.open("r", encoding="utf-8", newline="") as handle:
        try:
            if jsonl:
                yield from _read_jsonl(handle)
            else:
                yield from _read_csv(handle)
        except UnicodeDecodeError:
            raise UserError(f"audience file {str(path)!r} is not UTF-8 text") from None


def _read_jsonl(handle: io.TextIOBase) -> Iterator[tuple[Recipient, dict[str, Any]]]:
    count = 0
    for line_number, line in enumerate(handle, start=1):
        if len(line) > MAX_LINE:
            raise UserError(f"audience line {line_number} is longer than {MAX_LINE} characters")
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise UserError(f"audience line {line_number} is not JSON: {exc}") from None
        if not isinstance(row, dict):
            raise UserError(f"audience line {line_number} must be a JSON object")
        count += 1
        if count > MAX_ROWS:
            raise UserError(f"an audience may have at most {MAX_ROWS} recipients")
        yield audience_row(row, line_number)


def _read_csv(handle: io.TextIOBase) -> Iterator[tuple[Recipient, dict[str, Any]]]:
    csv.field_size_limit(MAX_LINE)
    try:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not set(ADDRESS_FIELDS) & {f.strip() for f in reader.fieldnames}:
            raise UserError("an audience CSV needs a header row naming phone, email, webhook or user_id")
        for count, row in enumerate(reader, start=1):
            if count > MAX_ROWS:
                raise UserError(f"an audience may have at most {MAX_ROWS} recipients")
            if None in row:
                raise UserError(f"audience row {reader.line_num}: more fields than the header names")
            yield audience_row(row, reader.line_num)
    except csv.Error as exc:
        raise UserError(f"audience file is not valid CSV: {exc}") from None


def count_rows(path: Path) -> int:
    """Recipients in an audience file (for a progress bar): data lines, not counting a CSV header."""
    try:
        if not path.is_file():
            raise UserError(f"audience file {str(path)[:200]!r} does not exist")
        with path.open("rb") as handle:
            lines = sum(1 for line in handle if line.strip())
    except OSError as exc:  # a name too long, a permission ...
        raise UserError(f"audience file {str(path)[:200]!r} cannot be read: {exc.strerror or exc}") from None
    return lines if path.suffix.lower() in (".jsonl", ".ndjson") else max(lines - 1, 0)


# -- preview, create, fan out ---------------------------------------------------------------
@attrs.frozen
class Preview:
    """Recipients, the estimated cost, and how many recipients get how many SMS segments."""

    recipients: int
    estimate: Decimal
    segments: Mapping[str, int]

    def describe(self) -> str:
        parts = [f"{self.recipients} recipient{'s' if self.recipients != 1 else ''}"]
        if self.segments:
            spread = ", ".join(f"{n} x {k} segment{'s' if k != '1' else ''}"
                               for k, n in sorted(self.segments.items(), key=lambda kv: int(kv[0])))
            parts.append(f"SMS: {spread}")
        parts.append(f"estimated cost {costs.amount_text(self.estimate)}")
        return "; ".join(parts)


def _outgoing(campaign_id: str, kind: str, template: str, start_at: dt.datetime, number: int,
              recipient: Recipient, variables: dict[str, Any]) -> Outgoing:
    return Outgoing(kind=kind, recipient=recipient, template=template, variables=variables,
                    idempotency_key=f"{campaign_id}:{number}", send_after=start_at)


def preview(platform: Platform, business: str, *, template: str, audience: Path | Iterable[Any],
            kind: str = MARKETING) -> Preview:
    """Render and price every message without writing anything (``campaign preview``)."""
    sender = BatchSender(platform, business)
    total, estimate, spread = 0, Decimal(0), dict[str, int]()
    rows = read_audience(audience) if isinstance(audience, Path) else audience
    moment = utcnow()
    for number, (recipient, variables) in enumerate(rows, start=1):
        item = _prepare_row(sender, "preview", kind, template, moment, number, recipient, variables)
        total += 1
        estimate += item.estimate.total
        if costs.SMS in item.estimate.units:
            key = str(item.estimate.units[costs.SMS])
            spread[key] = spread.get(key, 0) + 1
    return Preview(total, estimate, spread)


def _prepare_row(sender: BatchSender, campaign_id: str, kind: str, template: str, start_at: dt.datetime,
                 number: int, recipient: Recipient, variables: dict[str, Any]) -> Any:
    try:
        return sender.prepare(_outgoing(campaign_id, kind, template, start_at, number, recipient, variables))
    except UserError as exc:
        raise type(exc)(f"audience row {number}: {exc.message}") from None


def create_campaign(
    platform: Platform, business: str, *, template: str, audience: Path | Iterable[Any],
    start_at: dt.datetime | None = None, kind: str = MARKETING, name: str = "", actor: str | None = None,
    batch_size: int = 1000, progress: Progress | None = None, on_preview: Callable[[Preview], None] | None = None,
) -> Campaign:
    """Create a campaign (audited) and fan it out into the outbox; see the module docstring.

    Every row is read, rendered and priced first (:func:`preview`, passed to
    *on_preview*): a bad row is one UserError naming it, and nothing is written.
    Then the campaign is created and fanned out; *progress(n)* is called after
    each batch with the number of recipients written in it.
    """
    if kind not in KINDS:
        raise UserError(f"unknown message kind {kind!r} (kinds: {', '.join(KINDS)})")
    if start_at is not None and start_at.utcoffset() is None:
        raise UserError("the start time needs a UTC offset, e.g. 2026-12-24T10:00+08:00")
    if not 1 <= batch_size <= 100_000:
        raise UserError("batch_size must be between 1 and 100000")
    if not isinstance(audience, Path):
        audience = list(audience)
    checked = preview(platform, business, template=template, audience=audience, kind=kind)
    if checked.recipients == 0:
        raise UserError("the audience is empty")
    if on_preview is not None:
        on_preview(checked)
    moment = utcnow()
    begin = max(start_at, moment) if start_at is not None else moment
    campaign_id = "cmp_" + uuid.uuid4().hex[:24]

    def apply(session: Session, who: str) -> tuple[Campaign, None, dict[str, Any]]:
        row = CampaignRow(id=campaign_id, business=business, name=name, kind=kind, template=template,
                          status=models.CAMPAIGN_ACTIVE, start_at=begin, audience=0, fanned_out=0,
                          estimate=costs.amount_text(checked.estimate), segments=dict(checked.segments),
                          created_by=who, created_at=moment, updated_at=moment)
        session.add(row)
        session.flush()
        return _campaign(row), None, {"campaign": campaign_id, "template": template, "kind": kind,
                                      "start_at": begin.isoformat(), "recipients": checked.recipients,
                                      "estimate": costs.amount_text(checked.estimate)}

    audited_change(platform, actor=actor, action="notify.campaign.create", what="create a campaign",
                   business=business, apply=apply, admin_only=False)
    return fan_out(platform, campaign_id, audience, batch_size=batch_size, progress=progress)


def fan_out(platform: Platform, campaign_id: str, audience: Path | Iterable[Any], *, batch_size: int = 1000,
            progress: Progress | None = None) -> Campaign:
    """Put every recipient of *audience* into the outbox for campaign *campaign_id* (idempotent per row).

    Stops early if the campaign is cancelled meanwhile; rows written while it is
    paused are paused too.
    """
    row = _load(platform, campaign_id)
    sender = BatchSender(platform, row.business, campaign_id=campaign_id)
    rows = read_audience(audience) if isinstance(audience, Path) else audience
    batch: list[Any] = []
    written, estimate, spread = 0, Decimal(0), dict[str, int]()

    def flush() -> bool:
        nonlocal written, estimate
        status = _status(platform, campaign_id)
        if status == models.CAMPAIGN_CANCELLED:
            return False
        results = sender.write(batch)
        for item in batch:
            estimate += item.estimate.total
            if costs.SMS in item.estimate.units:
                key = str(item.estimate.units[costs.SMS])
                spread[key] = spread.get(key, 0) + 1
        written += len(batch)
        fresh = [r.id for r in results if not r.duplicate and r.state == models.PENDING]
        if status == models.CAMPAIGN_PAUSED and fresh:
            _move(platform, campaign_id, (models.PENDING,), models.PAUSED)
        if progress is not None:
            progress(len(batch))
        batch.clear()
        return True

    completed = True
    try:
        for number, (recipient, variables) in enumerate(rows, start=1):
            batch.append(_prepare_row(sender, campaign_id, row.kind, row.template, row.start_at, number,
                                      recipient, variables))
            if len(batch) >= batch_size and not flush():
                completed = False
                break
        if completed and batch:
            completed = flush()
    finally:
        sender.finish()
        with engine_of(platform).begin() as connection:
            connection.execute(update(CampaignRow).where(CampaignRow.id == campaign_id).values(
                audience=written, estimate=costs.amount_text(estimate), segments=spread,
                fanned_out=1 if completed else 0, updated_at=utcnow()))
    return campaign(platform, campaign_id)


# -- pause, resume, cancel -------------------------------------------------------------------
def _load(platform: Platform, campaign_id: str) -> CampaignRow:
    from sqlalchemy.orm import Session

    with Session(engine_of(platform)) as session:
        row = session.get(CampaignRow, campaign_id)
        if row is None:
            raise NotFound(f"no campaign {campaign_id!r}")
        session.expunge(row)
        return row


def _status(platform: Platform, campaign_id: str) -> str:
    with engine_of(platform).connect() as connection:
        return str(connection.execute(select(CampaignRow.status).where(CampaignRow.id == campaign_id)).scalar_one())


def _move(platform: Platform, campaign_id: str, states: tuple[str, ...], to: str) -> int:
    with engine_of(platform).begin() as connection:
        return connection.execute(update(OutboxRow).where(
            OutboxRow.campaign_id == campaign_id, OutboxRow.state.in_(states)).values(
            state=to, updated_at=utcnow())).rowcount or 0


def _transition(platform: Platform, campaign_id: str, *, to: str, allowed: tuple[str, ...],
                move: tuple[tuple[str, ...], str], actor: str | None) -> Campaign:
    row = _load(platform, campaign_id)

    def apply(session: Session, who: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        current = session.get(CampaignRow, campaign_id)
        assert current is not None
        if current.status not in allowed:
            raise UserError(f"campaign {campaign_id} is {current.status}; it cannot become {to}")
        before = current.status
        current.status, current.updated_at = to, utcnow()
        moved = session.execute(update(OutboxRow).where(
            OutboxRow.campaign_id == campaign_id, OutboxRow.state.in_(move[0])).values(
            state=move[1], updated_at=utcnow()).execution_options(
            synchronize_session=False)).rowcount or 0  # type: ignore[attr-defined]  # a CursorResult
        return moved, {"status": before}, {"campaign": campaign_id, "status": to, "messages": moved}

    audited_change(platform, actor=actor, action=f"notify.campaign.{to}", what=f"set campaign {campaign_id} {to}",
                   business=row.business, apply=apply, admin_only=False)
    return campaign(platform, campaign_id)


def pause(platform: Platform, campaign_id: str, *, actor: str | None = None) -> Campaign:
    """Hold every waiting message of the campaign (state ``paused``) until :func:`resume`."""
    return _transition(platform, campaign_id, to=models.CAMPAIGN_PAUSED, allowed=(models.CAMPAIGN_ACTIVE,),
                       move=((models.PENDING,), models.PAUSED), actor=actor)


def resume(platform: Platform, campaign_id: str, *, actor: str | None = None) -> Campaign:
    return _transition(platform, campaign_id, to=models.CAMPAIGN_ACTIVE, allowed=(models.CAMPAIGN_PAUSED,),
                       move=((models.PAUSED,), models.PENDING), actor=actor)


def cancel(platform: Platform, campaign_id: str, *, actor: str | None = None) -> Campaign:
    """Cancel every message of the campaign that has not gone out (pending, paused, held)."""
    return _transition(platform, campaign_id, to=models.CAMPAIGN_CANCELLED,
                       allowed=(models.CAMPAIGN_ACTIVE, models.CAMPAIGN_PAUSED),
                       move=((models.PENDING, models.PAUSED, models.HELD), models.CANCELLED), actor=actor)


# -- reading -----------------------------------------------------------------------------------
def counts(platform: Platform, campaign_id: str) -> CampaignCounts:
    """Where every message of the campaign stands (one grouped query)."""
    quiet = OutboxRow.reason.like("deferred: quiet hours%")
    budget = OutboxRow.reason.like("over budget%")
    bucket = case(
        (OutboxRow.state == models.SENT, "sent"),
        (OutboxRow.state == models.DEAD, "failed"),
        (OutboxRow.state == models.SUPPRESSED, "skipped_consent"),
        (OutboxRow.state == models.CANCELLED, "cancelled"),
        (OutboxRow.state == models.HELD, "over_budget"),
        ((OutboxRow.state == models.REFUSED) & budget, "over_budget"),
        (OutboxRow.state == models.REFUSED, "refused"),
        ((OutboxRow.state == models.PENDING) & quiet, "deferred_quiet_hours"),
        else_="queued",
    )
    with engine_of(platform).connect() as connection:
        rows = connection.execute(select(bucket, func.count()).where(OutboxRow.campaign_id == campaign_id)
                                  .group_by(bucket)).all()
    return CampaignCounts(**{str(name): int(count) for name, count in rows})


def campaign(platform: Platform, campaign_id: str) -> Campaign:
    return _campaign(_load(platform, campaign_id), counts(platform, campaign_id))


def campaigns(platform: Platform, *, business: str | None = None, limit: int = 50) -> list[Campaign]:
    from sqlalchemy.orm import Session

    query = select(CampaignRow).order_by(CampaignRow.created_at.desc()).limit(limit)
    if business:
        query = query.where((CampaignRow.business == business) | CampaignRow.business.like(f"{business}.%"))
    with Session(engine_of(platform)) as session:
        return [_campaign(row) for row in session.scalars(query)]
