"""Cost control: a per-channel price table, per-business budgets per day and month, and the spend ledger.

* **Prices** (``zt_notify_price``, platform admins): the price of one unit per
  channel -- an SMS *segment* on ``notifiers.sms`` (see :mod:`.segments`), one
  message on the others.  A channel without a price costs nothing.
* **Estimate**: when a message is accepted, each enabled channel that can
  reach the recipient is charged units x price (:func:`estimate`); the message
  records it (``cost``, ``charges``).  A campaign's estimate is the sum over
  its audience, shown before it is created.
* **Budgets** (``zt_notify_budget``, platform admins): a limit per business,
  channel and period (``day`` or ``month``, in :data:`BUDGET_TIMEZONE`) that
  covers the business and its sub-businesses.  The spend (``zt_notify_spend``)
  is charged in the transaction that accepts the message, under a row lock, so
  concurrent senders cannot overshoot.  A message that would exceed a budget is
  ``held`` (``over="hold"``: it waits for :func:`release_held` after the budget
  is raised or the period turns) or ``refused`` (``over="refuse"``), with the
  budget named in its reason; the first time a budget is exceeded in a period
  an audit row ``notify.budget.exceeded`` is written.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from zhongtai.core.errors import UserError
from zhongtai.core.identity import lineage
from zhongtai.core.registry.models import utcnow
from zhongtai.core.specs.notifiers import MARKETING, Recipient
from zhongtai.plugins.notifiers import models
from zhongtai.plugins.notifiers.admin import audited_change, known_business, record_event
from zhongtai.plugins.notifiers.models import BudgetRow, OutboxRow, PriceRow, SpendRow, engine_of
from zhongtai.plugins.notifiers.segments import count_segments

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from zhongtai.core.runtime.platform import Platform

#: Days and months of budgets are counted in this time zone.
BUDGET_TIMEZONE = "Asia/Shanghai"
PERIODS = ("day", "month")
OVER = ("hold", "refuse")
SMS = "notifiers.sms"
#: Which recipient address each built-in channel needs.
CHANNEL_ADDRESS = {"notifiers.sms": "phone", "notifiers.email": "email", "notifiers.webhook": "webhook",
                   "notifiers.inbox": "user_id"}
_MAX_AMOUNT = Decimal("1e12")


def parse_amount(text: str | Decimal | int, what: str = "amount") -> Decimal:
    """A non-negative decimal below 10^12 with at most 6 decimal places; UserError otherwise."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise UserError(f"{what} must be a decimal number such as 0.045, got {text!r}") from None
    if not value.is_finite() or value < 0 or value >= _MAX_AMOUNT:
        raise UserError(f"{what} must be between 0 and 10^12, got {text!r}")
    if value != value.quantize(Decimal("0.000001")):
        raise UserError(f"{what} may have at most 6 decimal places, got {text!r}")
    return value.normalize() if value else Decimal(0)


def amount_text(value: Decimal) -> str:
    """An amount as stored: plain decimal notation, no exponent, no trailing zeros."""
    return format(value.normalize(), "f") if value else "0"


_text = amount_text


# -- prices -----------------------------------------------------------------------------
@attrs.frozen
class Price:
    channel: str
    unit_price: Decimal
    currency: str


def set_price(platform: Platform, channel: str, unit_price: str | Decimal, *, currency: str = "CNY",
              actor: str | None = None) -> Price:
    """Set the unit price of *channel* (platform admins only); audited."""
    if not channel or len(channel) > 120:
        raise UserError("a channel is a plugin name such as notifiers.sms")
    price = parse_amount(unit_price, "unit price")
    if not currency.isalpha() or len(currency) != 3:
        raise UserError(f"currency must be a 3-letter code such as CNY, got {currency!r}")
    currency = currency.upper()

    def apply(session: Session, who: str) -> tuple[Price, dict[str, str] | None, dict[str, str]]:
        row = session.get(PriceRow, channel)
        before = {"unit_price": row.unit_price, "currency": row.currency} if row is not None else None
        if row is None:
            row = PriceRow(channel=channel)
            session.add(row)
        row.unit_price, row.currency, row.updated_by, row.updated_at = _text(price), currency, who, utcnow()
        return Price(channel, price, currency), before, {"channel": channel, "unit_price": _text(price),
                                                          "currency": currency}

    result: Price = audited_change(platform, actor=actor, action="notify.price.set",
                                   what=f"set the price of {channel}", business=None, apply=apply)
    return result


def prices(connection: Connection) -> dict[str, Price]:
    return {r.channel: Price(r.channel, Decimal(r.unit_price), r.currency)
            for r in connection.execute(select(PriceRow))}


# -- estimates --------------------------------------------------------------------------
@attrs.frozen
class Estimate:
    """Units (SMS segments, messages) and amount per channel for one message."""

    units: Mapping[str, int]
    amounts: Mapping[str, Decimal]
    sms_segments: str = ""  # e.g. "2 segments (UCS-2, 96 units)"

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), Decimal(0))


def reachable_channels(channels: Iterable[str], recipient: Recipient) -> list[str]:
    """The enabled *channels* that can reach *recipient* (custom channels: always counted)."""
    found = []
    for channel in channels:
        field = CHANNEL_ADDRESS.get(channel)
        if field is None or getattr(recipient, field, None):
            found.append(channel)
    return found


def estimate(channels: Sequence[str], recipient: Recipient, sms_text: str, table: Mapping[str, Price]) -> Estimate:
    """What one message to *recipient* costs on the enabled *channels*, given its final SMS text."""
    units: dict[str, int] = {}
    amounts: dict[str, Decimal] = {}
    shown = ""
    for channel in reachable_channels(channels, recipient):
        count = 1
        if channel == SMS:
            segments = count_segments(sms_text)
            count, shown = segments.segments, segments.describe()
        units[channel] = count
        price = table.get(channel)
        if price is not None and price.unit_price:
            amounts[channel] = price.unit_price * count
    return Estimate(units, amounts, shown)


def sms_text_for(kind: str, body: str, signature: str | None, opt_out_text: str) -> str:
    """The text an SMS carries: approved signature, body, and the opt-out text on marketing."""
    text = f"{signature or ''}{body}"
    if kind == MARKETING and opt_out_text:
        text = f"{text} {opt_out_text}"
    return text


# -- budgets ----------------------------------------------------------------------------
@attrs.frozen
class Budget:
    business: str
    channel: str
    period: str
    limit: Decimal
    over: str


def set_budget(platform: Platform, business: str, channel: str, period: str, limit: str | Decimal, *,
               over: str = "hold", actor: str | None = None) -> Budget:
    """Set a budget of *business* (and its sub-businesses) on *channel* per *period* (admins); audited."""
    if period not in PERIODS:
        raise UserError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    if over not in OVER:
        raise UserError(f"over must be one of {', '.join(OVER)}, got {over!r}")
    amount = parse_amount(limit, "budget")
    known_business(platform, business)

    def apply(session: Session, who: str) -> tuple[Budget, dict[str, str] | None, dict[str, str]]:
        row = session.get(BudgetRow, (business, channel, period))
        before = {"limit": row.limit_amount, "over": row.over} if row is not None else None
        if row is None:
            row = BudgetRow(business=business, channel=channel, period=period)
            session.add(row)
        row.limit_amount, row.over, row.updated_by, row.updated_at = _text(amount), over, who, utcnow()
        after = {"channel": channel, "period": period, "limit": _text(amount), "over": over}
        return Budget(business, channel, period, amount, over), before, after

    result: Budget = audited_change(platform, actor=actor, action="notify.budget.set",
                                    what=f"set a {period} budget on {channel}", business=business, apply=apply)
    return result


def budgets(platform: Platform, business: str | None = None) -> list[Budget]:
    query = select(BudgetRow).order_by(BudgetRow.business, BudgetRow.channel, BudgetRow.period)
    if business:
        query = query.where(BudgetRow.business.in_(lineage(business)))
    with engine_of(platform).connect() as connection:
        return [Budget(r.business, r.channel, r.period, Decimal(r.limit_amount), r.over)
                for r in connection.execute(query)]


def period_start(at: dt.datetime, period: str) -> dt.datetime:
    """The UTC instant the day or month containing *at* began, in :data:`BUDGET_TIMEZONE`."""
    local = at.astimezone(zoneinfo.ZoneInfo(BUDGET_TIMEZONE))
    day = local.date() if period == "day" else local.date().replace(day=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=local.tzinfo).astimezone(dt.UTC)


@attrs.frozen
class Spend:
    business: str
    channel: str
    period: str
    period_start: dt.datetime
    amount: Decimal
    limit: Decimal | None


def spend(platform: Platform, business: str, *, at: dt.datetime | None = None) -> list[Spend]:
    """The current day's and month's spend against every budget of *business* and its ancestors."""
    moment = at or utcnow()
    result = []
    with engine_of(platform).connect() as connection:
        for budget in budgets(platform, business):
            start = period_start(moment, budget.period)
            amount = connection.execute(select(SpendRow.amount).where(
                SpendRow.business == budget.business, SpendRow.channel == budget.channel,
                SpendRow.period == budget.period, SpendRow.period_start == start)).scalar()
            result.append(Spend(budget.business, budget.channel, budget.period, start,
                                Decimal(amount or 0), budget.limit))
    return result


@attrs.frozen
class BudgetVerdict:
    """``state`` None: charged; else ``held`` or ``refused`` with ``reason``; ``exceeded``: first time this period."""

    state: str | None = None
    reason: str = ""
    exceeded: tuple[dict[str, Any], ...] = ()


def _locked_spend(connection: Connection, key: tuple[str, str, str, dt.datetime]) -> SpendRow | Any:
    business, channel, period, start = key
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(SpendRow).values(
        business=business, channel=channel, period=period, period_start=start, amount="0", exceeded_at=None,
    ).on_conflict_do_nothing())
    return connection.execute(select(SpendRow.amount, SpendRow.exceeded_at).where(
        SpendRow.business == business, SpendRow.channel == channel, SpendRow.period == period,
        SpendRow.period_start == start).with_for_update()).one()


class BudgetBook:
    """The budgets that apply to one business; charges messages inside the caller's transaction.

    The budgets are read on the first charge of a transaction -- after the
    message's INSERT, so that on SQLite the transaction holds the write lock
    before it reads anything (a read first would make concurrent writers fail
    with "database is locked" instead of waiting).
    """

    def __init__(self, business: str) -> None:
        self.business = business
        self.budgets: list[Budget] | None = None

    def charge(self, connection: Connection, charges: Mapping[str, Decimal], at: dt.datetime) -> BudgetVerdict:
        """Charge *charges* to every budget they fall under, or nothing if one would be exceeded."""
        if not charges:
            return BudgetVerdict()
        if self.budgets is None:
            rows = connection.execute(select(BudgetRow).where(BudgetRow.business.in_(lineage(self.business)))).all()
            self.budgets = [Budget(r.business, r.channel, r.period, Decimal(r.limit_amount), r.over) for r in rows]
        applicable = [b for b in self.budgets if charges.get(b.channel)]
        if not applicable:
            return BudgetVerdict()
        keys = {b: (b.business, b.channel, b.period, period_start(at, b.period)) for b in applicable}
        over: list[tuple[Budget, Decimal]] = []
        current: dict[Budget, Decimal] = {}
        for budget in sorted(applicable, key=lambda b: keys[b]):
            row = _locked_spend(connection, keys[budget])
            current[budget] = Decimal(row.amount)
            if current[budget] + charges[budget.channel] > budget.limit:
                over.append((budget, Decimal(row.amount)))
        if over:
            return self._refusal(connection, over, keys, charges, at)
        for budget in applicable:
            business, channel, period, start = keys[budget]
            connection.execute(update(SpendRow).where(
                SpendRow.business == business, SpendRow.channel == channel, SpendRow.period == period,
                SpendRow.period_start == start).values(amount=_text(current[budget] + charges[channel])))
        return BudgetVerdict()

    @staticmethod
    def _refusal(connection: Connection, over: list[tuple[Budget, Decimal]], keys: Mapping[Budget, Any],
                 charges: Mapping[str, Decimal], at: dt.datetime) -> BudgetVerdict:
        state = models.REFUSED if any(b.over == "refuse" for b, _ in over) else models.HELD
        budget, spent = over[0]
        adjective = "daily" if budget.period == "day" else "monthly"
        reason = (f"over budget: {budget.business}'s {adjective} {budget.channel} budget is "
                  f"{_text(budget.limit)} (spent {_text(spent)}, this message {_text(charges[budget.channel])})")
        exceeded = []
        for item, spent_now in over:
            business, channel, period, start = keys[item]
            first = connection.execute(update(SpendRow).where(
                SpendRow.business == business, SpendRow.channel == channel, SpendRow.period == period,
                SpendRow.period_start == start, SpendRow.exceeded_at.is_(None)).values(exceeded_at=at)
                .returning(SpendRow.business)).first()
            if first is not None:
                exceeded.append({"business": business, "channel": channel, "period": period,
                                 "limit": _text(item.limit), "spent": _text(spent_now), "over": item.over})
        return BudgetVerdict(state, reason, tuple(exceeded))


def report_exceeded(platform: Platform, business: str, exceeded: Iterable[Mapping[str, Any]]) -> None:
    """One audit row per budget exceeded for the first time in its period."""
    for item in exceeded:
        record_event(platform, action="notify.budget.exceeded", business=str(item["business"]), after=item,
                     note=f"a message of {business} would exceed it; over={item['over']}")


def release_held(platform: Platform, business: str, *, actor: str | None = None,
                 now: dt.datetime | None = None) -> tuple[int, int]:
    """Charge held messages of *business* (and sub-businesses) again; those that fit become pending.

    Charged against the budget periods of *now* (default: the current time).
    Platform admins only; one audit row.  Returns ``(released, still_held)``.
    """
    from sqlalchemy import or_

    released = still = 0
    moment = now or utcnow()
    book_by_business: dict[str, BudgetBook] = {}

    def apply(session: Session, who: str) -> tuple[tuple[int, int], None, dict[str, Any]]:
        nonlocal released, still
        connection = session.connection()
        rows = connection.execute(select(OutboxRow.id, OutboxRow.business, OutboxRow.charges).where(
            OutboxRow.state == models.HELD,
            or_(OutboxRow.business == business, OutboxRow.business.like(f"{business}.%")),
        ).order_by(OutboxRow.created_at)).all()
        for row in rows:
            book = book_by_business.setdefault(row.business, BudgetBook(row.business))
            charges = {k: Decimal(v) for k, v in (row.charges or {}).items()}
            verdict = book.charge(connection, charges, moment)
            if verdict.state is None:
                connection.execute(update(OutboxRow).where(OutboxRow.id == row.id, OutboxRow.state == models.HELD)
                                   .values(state=models.PENDING, due_at=moment, reason="released from budget hold",
                                           updated_at=moment))
                released += 1
            else:
                still += 1
        return (released, still), None, {"released": released, "still_held": still}

    result: tuple[int, int] = audited_change(platform, actor=actor, action="notify.budget.release",
                                             what=f"release messages held over budget at {business}",
                                             business=business, apply=apply)
    return result
