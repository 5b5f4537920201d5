"""Checking the books: the ledger against the balances, and counts per template.

Three sources must agree for every template, and :func:`reconcile` reports
each measure where they do not (``drift``):

| measure | template counter | ledger | coupon rows |
|---|---|---|---|
| issued | ``issued`` | sum of ``issued`` quantities | number of coupons |
| used | ``used`` | ``confirm`` events | coupons in state used |
| reserved | - | ``reserve`` - ``release`` - ``confirm`` | coupons in state reserved |
| spent | ``spent_minor`` | sum of reserve/release amounts | amounts of reserved + used coupons |

:func:`stats` counts coupons per template and state (expired derived from the
validity window) with the budget left.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from zhongtai.core.identity import validate_code
from zhongtai.plugins.coupons.issuing import utcnow
from zhongtai.plugins.coupons.models import (
    CONFIRM,
    EXPIRED,
    ISSUED,
    RELEASE,
    RESERVE,
    RESERVED,
    USED,
    VALID,
    CouponRow,
    LedgerRow,
    TemplateRow,
)
from zhongtai.plugins.coupons.templates import from_minor

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform


@attrs.frozen
class Drift:
    """One measure of one template on which the three sources disagree."""

    business: str
    template: str
    measure: str
    counter: int | None
    ledger: int
    coupons: int

    def describe(self) -> str:
        counter = "" if self.counter is None else f"counter {self.counter}, "
        return (f"{self.business} {self.template}: {self.measure} differs: {counter}ledger {self.ledger}, "
                f"coupons {self.coupons}")


@attrs.frozen
class Report:
    templates: int
    drift: list[Drift]

    @property
    def clean(self) -> bool:
        return not self.drift


def _templates(session: Session, business: str | None) -> list[TemplateRow]:
    query = select(TemplateRow).order_by(TemplateRow.business, TemplateRow.name)
    if business is not None:
        validate_code(business)
        query = query.where((TemplateRow.business == business) | TemplateRow.business.like(business + ".%"))
    return list(session.scalars(query))


def reconcile(platform: Platform, *, business: str | None = None) -> Report:
    """Compare ledger, counters and coupon rows of every template (of *business* and below)."""
    with Session(platform.registry.engine, expire_on_commit=False) as session, session.begin():
        if session.connection().dialect.name == "postgresql":  # one consistent picture of all three
            session.connection().exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        templates = _templates(session, business)
        ids = [t.id for t in templates]
        ledger: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for template_id, event, quantity, amount in session.execute(
                select(LedgerRow.template_id, LedgerRow.event, func.sum(LedgerRow.quantity),
                       func.sum(LedgerRow.amount_minor))
                .where(LedgerRow.template_id.in_(ids)).group_by(LedgerRow.template_id, LedgerRow.event)):
            ledger[template_id][event] = int(quantity or 0)
            ledger[template_id]["amount"] += int(amount or 0)
        coupons: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for held_by, state, count, held in session.execute(
                select(CouponRow.template_id, CouponRow.state, func.count(), func.sum(CouponRow.amount_minor))
                .where(CouponRow.template_id.in_(ids)).group_by(CouponRow.template_id, CouponRow.state)):
            coupons[held_by][state] = int(count)
            coupons[held_by]["all"] += int(count)
            if state in (RESERVED, USED):
                coupons[held_by]["amount"] += int(held or 0)
    drift = []
    for t in templates:
        book, rows = ledger[t.id], coupons[t.id]
        checks: list[tuple[str, int | None, int, int]] = [
            ("issued", t.issued, book[ISSUED], rows["all"]),
            ("used", t.used, book[CONFIRM], rows[USED]),
            ("reserved", None, book[RESERVE] - book[RELEASE] - book[CONFIRM], rows[RESERVED]),
            ("spent", t.spent_minor, book["amount"], rows["amount"]),
        ]
        for measure, counter, booked, counted in checks:
            if booked != counted or (counter is not None and counter != booked):
                drift.append(Drift(t.business, t.name, measure, counter, booked, counted))
    return Report(len(templates), drift)


@attrs.frozen
class TemplateStats:
    business: str
    template: str
    status: str
    issued: int
    valid: int
    reserved: int
    used: int
    expired: int
    spent: str
    budget_left: int | None
    value_left: str | None

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def stats(platform: Platform, *, business: str | None = None, now: dt.datetime | None = None) -> list[TemplateStats]:
    """Coupons per template and state, with what is left of each budget."""
    moment = now or utcnow()
    expired = (CouponRow.state == VALID) & CouponRow.valid_until.is_not(None) & (CouponRow.valid_until <= moment)
    with Session(platform.registry.engine) as session:
        templates = _templates(session, business)
        counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        derived = case((expired, EXPIRED), else_=CouponRow.state)
        for template_id, state, count in session.execute(
                select(CouponRow.template_id, derived, func.count())
                .where(CouponRow.template_id.in_([t.id for t in templates]))
                .group_by(CouponRow.template_id, derived)):
            counts[template_id][state] = int(count)
    result = []
    for t in templates:
        c = counts[t.id]
        value_left = (None if t.max_value_minor is None
                      else str(from_minor(t.max_value_minor - t.spent_minor, t.currency)))
        result.append(TemplateStats(
            t.business, t.name, t.status, t.issued, c[VALID], c[RESERVED], c[USED], c[EXPIRED],
            str(from_minor(t.spent_minor, t.currency)), None if t.max_issued is None else t.max_issued - t.issued,
            value_left))
    return result
