"""Redemption: reserve a coupon for an order at checkout, confirm on payment, release on cancel or timeout.

Each step is one transaction that locks the coupon row (``SELECT ... FOR
UPDATE``; SQLite serializes writers) and moves it only from the state it must
be in, so two checkouts racing for one coupon get one reservation between
them.  The template's ``max_value`` budget is moved by one conditional update
(``spent + amount <= max_value``), so concurrent reservations never overspend.
Every step appends to the ledger; :mod:`.reconcile` checks the ledger against
the counters and the coupon rows.

* **reserve** (code, user, order): the code must be one of the user's coupons,
  issued at this business or above it, valid now.  A reservation holds for
  ``hold`` (15 minutes by default); after that anyone may take the coupon
  again (the stale reservation is released in the ledger) and
  :func:`release_expired` sweeps them.  Reserving again for the same order is
  a no-op.
* **confirm** (order): the order's reserved coupons become used.  A payment
  that arrives after the hold ran out still confirms, as long as no other
  order took the coupon meanwhile.
* **release** (order): the order's reserved coupons become valid again.

Wrong codes: a malformed code, a code that does not exist, and someone else's
code all get the same answer (:data:`WRONG_CODE`), and count against the
user's throttle: after :data:`MAX_FAILURES` wrong codes in
:data:`THROTTLE_WINDOW`, every attempt of that user at that business is
refused until the window ends, right codes included.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from zhongtai.core.errors import NotFound, UserError
from zhongtai.core.identity import is_within
from zhongtai.plugins.coupons import codes as codebook
from zhongtai.plugins.coupons.issuing import Coupon, check_id, coupon_of, require_business, utcnow, writing
from zhongtai.plugins.coupons.models import (
    CONFIRM,
    RELEASE,
    RESERVE,
    RESERVED,
    USED,
    VALID,
    AttemptRow,
    CouponRow,
    LedgerRow,
    TemplateRow,
)
from zhongtai.plugins.coupons.templates import to_minor
from zhongtai.plugins.coupons.terms import MAX_AMOUNT

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

HOLD = dt.timedelta(minutes=15)
MAX_HOLD = dt.timedelta(days=1)
THROTTLE_WINDOW = dt.timedelta(minutes=10)
MAX_FAILURES = 5
WRONG_CODE = "that code is not a coupon in your wallet here"


class TooManyAttempts(UserError):
    """The user typed too many wrong codes: every attempt is refused until the window ends."""


class WrongCode(NotFound):
    """Not one of the user's coupons (whether it exists elsewhere is never said)."""


# -- the throttle ----------------------------------------------------------------------------
def _window(now: dt.datetime) -> dt.datetime:
    seconds = int(THROTTLE_WINDOW.total_seconds())
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, dt.UTC)


def _check_throttle(session: Session, business: str, user_id: str, now: dt.datetime) -> None:
    start = _window(now)
    failures = session.scalar(select(AttemptRow.failures).where(
        AttemptRow.business == business, AttemptRow.user_id == user_id, AttemptRow.window_start == start)) or 0
    if failures >= MAX_FAILURES:
        until = start + THROTTLE_WINDOW
        raise TooManyAttempts(f"too many wrong codes; try again after {until.isoformat(timespec='seconds')}")


def _record_failure(platform: Platform, business: str, user_id: str, now: dt.datetime) -> None:
    start = _window(now)
    with writing(platform) as session:
        connection = session.connection()
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(AttemptRow).values(business=business, user_id=user_id, window_start=start,
                                                       failures=1)
        connection.execute(statement.on_conflict_do_update(
            index_elements=["business", "user_id", "window_start"],
            set_={"failures": AttemptRow.failures + 1}))
        connection.execute(delete(AttemptRow).where(AttemptRow.business == business, AttemptRow.user_id == user_id,
                                                    AttemptRow.window_start < start))


# -- the steps ------------------------------------------------------------------------------
def _ledger(session: Session, event: str, row: CouponRow, now: dt.datetime, amount: int = 0,
            order_id: str | None = None, note: str = "") -> None:
    session.execute(insert(LedgerRow).values(
        at=now, business=row.business, template_id=row.template_id, event=event, quantity=1,
        amount_minor=amount, coupon_id=row.id, user_id=row.user_id, order_id=order_id or row.order_id, note=note))


def _release_row(session: Session, row: CouponRow, now: dt.datetime, note: str) -> None:
    """Back to valid; the template gets the reserved amount back; one ledger row."""
    amount = row.amount_minor or 0
    _ledger(session, RELEASE, row, now, -amount, note=note)
    session.execute(update(TemplateRow).where(TemplateRow.id == row.template_id)
                    .values(spent_minor=TemplateRow.spent_minor - amount))
    row.state, row.order_id, row.reserved_until, row.amount_minor, row.updated_at = VALID, None, None, None, now


def _amount(template: TemplateRow, amount: Decimal | None) -> int:
    """The discount a reservation counts against ``max_value``, in minor units."""
    if amount is None:
        if template.kind == "amount" or (template.kind == "threshold" and not template.repeat):
            return to_minor(Decimal(template.value), template.currency)
        if template.max_value_minor is not None:
            raise UserError(f"coupon template {template.name} has a value budget: give the discount amount "
                            "this order takes (--amount)")
        return 0
    from zhongtai.plugins.pricing.money import currency_digits, fits

    if not isinstance(amount, Decimal) or not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT:
        raise UserError(f"amount must be a decimal from 0 to {MAX_AMOUNT}, got {amount!r}")
    digits = currency_digits(template.currency)
    if not fits(amount, digits):
        raise UserError(f"amount {amount} has more decimals than {template.currency} allows ({digits})")
    return to_minor(amount, template.currency)


def _view(session: Session, row: CouponRow, now: dt.datetime) -> Coupon:
    template = session.get(TemplateRow, row.template_id)
    assert template is not None
    return coupon_of(row, template.name, template.currency, now)


def reserve(platform: Platform, business: str, user_id: str, code: str, *, order_id: str,
            amount: Decimal | None = None, hold: dt.timedelta = HOLD, now: dt.datetime | None = None) -> Coupon:
    """Reserve *user_id*'s coupon *code* for *order_id* at *business*; see the module docstring.

    *amount* is the discount the order takes from the coupon (counted against
    the template's ``max_value``; an amount-off coupon defaults to its value).
    """
    require_business(platform, business)
    check_id("user id", user_id)
    check_id("order id", order_id)
    if not isinstance(hold, dt.timedelta) or not dt.timedelta(0) < hold <= MAX_HOLD:
        raise UserError(f"a reservation holds for more than 0 and at most {MAX_HOLD}")
    moment = now or utcnow()
    canonical = codebook.normalize(code)
    if canonical is None:
        with Session(platform.registry.engine) as session:
            _check_throttle(session, business, user_id, moment)
        _record_failure(platform, business, user_id, moment)
        raise WrongCode(WRONG_CODE)
    with writing(platform) as session:
        _check_throttle(session, business, user_id, moment)
        row = session.scalars(select(CouponRow).where(CouponRow.code == canonical).with_for_update()).first()
        mine = row is not None and row.user_id == user_id and is_within(business, row.business)
        if row is not None and mine:
            return _reserve_row(session, row, order_id, amount, hold, moment)
    _record_failure(platform, business, user_id, moment)
    raise WrongCode(WRONG_CODE)


def _reserve_row(session: Session, row: CouponRow, order_id: str, amount: Decimal | None, hold: dt.timedelta,
                 now: dt.datetime) -> Coupon:
    if row.state == RESERVED and row.order_id == order_id and row.reserved_until and row.reserved_until > now:
        return _view(session, row, now)  # the same checkout again
    template = session.get(TemplateRow, row.template_id)
    assert template is not None
    current = _view(session, row, now)
    if current.state == USED:
        raise UserError(f"coupon {codebook.hint(row.code)} was already used")
    if current.state == "expired":
        ended = row.valid_until.isoformat() if row.valid_until else "?"
        raise UserError(f"coupon {codebook.hint(row.code)} expired at {ended}")
    if current.state == RESERVED:
        raise UserError(f"coupon {codebook.hint(row.code)} is reserved by another order until "
                        f"{row.reserved_until.isoformat(timespec='seconds') if row.reserved_until else '?'}")
    if row.valid_from is not None and now < row.valid_from:
        raise UserError(f"coupon {codebook.hint(row.code)} is valid from {row.valid_from.isoformat()}")
    if row.state == RESERVED:  # its hold ran out: release it first
        _release_row(session, row, now, note="hold timed out")
    units = _amount(template, amount)
    moved = session.execute(
        update(TemplateRow).where(TemplateRow.id == template.id, or_(
            TemplateRow.max_value_minor.is_(None), TemplateRow.spent_minor + units <= TemplateRow.max_value_minor))
        .values(spent_minor=TemplateRow.spent_minor + units).returning(TemplateRow.id)).first()
    if moved is None:
        raise UserError(f"the value budget of coupon template {template.name} is spent")
    row.state, row.order_id, row.reserved_until = RESERVED, order_id, now + hold
    row.amount_minor, row.updated_at = units, now
    _ledger(session, RESERVE, row, now, units, order_id)
    session.flush()
    return _view(session, row, now)


def _order_rows(session: Session, business: str, order_id: str, states: tuple[str, ...]) -> list[CouponRow]:
    rows = session.scalars(select(CouponRow).where(CouponRow.order_id == order_id, CouponRow.state.in_(states))
                           .order_by(CouponRow.id).with_for_update()).all()
    return [row for row in rows if is_within(business, row.business)]


def confirm(platform: Platform, business: str, order_id: str, *, now: dt.datetime | None = None) -> list[Coupon]:
    """The order was paid: its reserved coupons become used (a repeat returns them again)."""
    require_business(platform, business)
    check_id("order id", order_id)
    moment = now or utcnow()
    with writing(platform) as session:
        rows = _order_rows(session, business, order_id, (RESERVED, USED))
        if not rows:
            raise NotFound(f"order {order_id} has no reserved coupons at {business}")
        for row in rows:
            if row.state == RESERVED:
                row.state, row.reserved_until, row.updated_at = USED, None, moment
                session.execute(update(TemplateRow).where(TemplateRow.id == row.template_id)
                                .values(used=TemplateRow.used + 1))
                _ledger(session, CONFIRM, row, moment)
        session.flush()
        return [_view(session, row, moment) for row in rows]


def release(platform: Platform, business: str, order_id: str, *, reason: str = "order cancelled",
            now: dt.datetime | None = None) -> list[Coupon]:
    """The order was cancelled: its reserved coupons become valid again (none left: an empty list)."""
    require_business(platform, business)
    check_id("order id", order_id)
    moment = now or utcnow()
    with writing(platform) as session:
        rows = _order_rows(session, business, order_id, (RESERVED,))
        views = []
        for row in rows:
            _release_row(session, row, moment, note=reason[:200])
            session.flush()
            views.append(_view(session, row, moment))
        return views


def release_expired(platform: Platform, *, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Release up to *limit* reservations whose hold ran out; the number released."""
    moment = now or utcnow()
    with writing(platform) as session:
        rows = session.scalars(select(CouponRow).where(
            and_(CouponRow.state == RESERVED, CouponRow.reserved_until <= moment))
            .order_by(CouponRow.reserved_until).limit(limit).with_for_update()).all()
        for row in rows:
            _release_row(session, row, moment, note="hold timed out")
        return len(rows)

