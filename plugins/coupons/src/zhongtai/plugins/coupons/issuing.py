"""Issuing coupons: to one user (idempotent by request id) and batch by batch for bulk jobs.

Every issue of one template runs under that template's row lock (``SELECT ...
FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serializes writers):
the budget (``max_issued``) and the per-user limit are checked against what is
committed and moved in the same transaction, so concurrent issuers can never
exceed them.  Each batch writes its coupons (PostgreSQL: ``COPY``), adds to the
template's ``issued`` counter and appends one ledger row, in one transaction.

Who may receive is first asked of the ``coupons.eligibility`` extension point
(business rules such as "new users only"), outside the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import ARRAY, Connection, String, any_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from zhongtai.core.errors import BusinessSuspended, NotFound, UserError
from zhongtai.core.identity import validate_code
from zhongtai.core.registry.migrate import WRITE_OPTION
from zhongtai.plugins.coupons import codes as codebook
from zhongtai.plugins.coupons.models import EXPIRED, ISSUED, RESERVED, VALID, CouponRow, LedgerRow, TemplateRow
from zhongtai.plugins.coupons.templates import ACTIVE, from_minor, resolve_row, terms_of
from zhongtai.plugins.coupons.terms import check_name

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform
    from zhongtai.plugins.coupons.reach import Notify

ELIGIBILITY = "coupons.eligibility"
MAX_ID = 200
_COPY_COLUMNS = ("code", "template_id", "business", "user_id", "state", "issued_at", "valid_from",
                 "valid_until", "job_id", "request_id")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check_id(what: str, value: object) -> str:
    """A user, request or order id: 1 to 200 printable characters."""
    if not isinstance(value, str) or not value or len(value) > MAX_ID or not value.isprintable():
        raise UserError(f"{what} must be 1 to {MAX_ID} printable characters, got {value!r}"[:300])
    return value


def state_at(state: str, valid_until: dt.datetime | None, reserved_until: dt.datetime | None,
             now: dt.datetime) -> str:
    """What a coupon is at *now*: a reservation past its time is valid again; a window past its end, expired."""
    if state == RESERVED and reserved_until is not None and reserved_until <= now:
        state = VALID
    if state == VALID and valid_until is not None and valid_until <= now:
        return EXPIRED
    return state


@attrs.frozen
class Coupon:
    """One issued coupon as its holder sees it (``state`` as of when it was read)."""

    id: int
    code: str
    template: str
    business: str
    user_id: str
    state: str
    issued_at: dt.datetime
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    order_id: str | None = None
    reserved_until: dt.datetime | None = None
    amount: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {"id": self.id, "code": codebook.display(self.code), "template": self.template,
                "business": self.business, "user": self.user_id, "state": self.state,
                "issued_at": iso(self.issued_at), "valid_from": iso(self.valid_from),
                "valid_until": iso(self.valid_until), "order": self.order_id,
                "reserved_until": iso(self.reserved_until),
                "amount": None if self.amount is None else str(self.amount)}


def coupon_of(row: Any, template: str, currency: str, now: dt.datetime) -> Coupon:
    """A :class:`Coupon` from a ``zt_coupon`` row (ORM or Core)."""
    amount = None if row.amount_minor is None else from_minor(row.amount_minor, currency)
    state = state_at(row.state, row.valid_until, row.reserved_until, now)
    reserved = state == RESERVED
    return Coupon(row.id, row.code, template, row.business, row.user_id, state, row.issued_at, row.valid_from,
                  row.valid_until, row.order_id if reserved or state != VALID else None,
                  row.reserved_until if reserved else None, amount if state != VALID else None)


@attrs.frozen
class IssueResult:
    """``coupon`` when issued (or issued before under this request id: ``duplicate``), else ``refused`` says why."""

    coupon: Coupon | None
    duplicate: bool = False
    refused: str | None = None


@attrs.frozen
class Batch:
    """What one batch did: ``issued`` (user, code) pairs in order, ``refused`` user -> reason."""

    issued: list[tuple[str, str]]
    refused: dict[str, str]
    exhausted: bool = False  # the budget ran out in this batch
    ids: list[int] = attrs.field(factory=list)  # the coupon ids, when the batch was one coupon


class Stop(UserError):
    """Nothing more can be issued from the template (retired, ended, budget spent)."""


# -- the rules -------------------------------------------------------------------------
def require_business(platform: Platform, business: str) -> None:
    """*business* exists and is active (as the platform knows it; a business it has not seen yet is re-read)."""
    validate_code(business)
    platform.poll()
    if business not in platform.snapshot.businesses:
        platform.refresh()
    known = platform.snapshot.businesses
    if business not in known:
        raise NotFound(f"unknown business {business!r}")
    if known[business].status != "active":
        raise BusinessSuspended(f"business {business} is suspended")


def has_rules(platform: Platform, business: str) -> bool:
    """Whether any ``coupons.eligibility`` implementation is enabled for *business*."""
    return ELIGIBILITY in platform.extension_points and bool(platform.business(business).plan(ELIGIBILITY).entries)


def refusals(platform: Platform, business: str, row: TemplateRow, users: Sequence[str]) -> dict[str, str]:
    """The ``coupons.eligibility`` answers for *users*: user -> reason, for those refused."""
    if not users or not has_rules(platform, business):
        return {}
    from zhongtai.plugins.coupons.specs import Offer

    offer = Offer(business=business, template=row.name, kind=row.kind, title=row.title,
                  stacking_group=row.stacking_group)
    answers = platform.business(business).call(ELIGIBILITY, offer=offer, users=tuple(users))
    refused: dict[str, str] = {}
    for answer in answers or ():  # Contributions: each plugin's Refusals
        for user, reason in answer.value.reasons.items():
            refused.setdefault(user, f"{reason} ({answer.plugin})")
    return refused


@contextmanager
def writing(platform: Platform) -> Iterator[Session]:
    """One write transaction; on SQLite it takes the write lock first (``BEGIN IMMEDIATE``)."""
    with Session(platform.registry.engine, expire_on_commit=False) as session, session.begin():
        session.connection(execution_options={WRITE_OPTION: True})
        yield session


def stop_reason(row: TemplateRow, now: dt.datetime) -> str | None:
    """Why nothing more can be issued from *row* at *now*, or ``None``."""
    if row.status != ACTIVE:
        return f"coupon template {row.name} at {row.business} is retired"
    end = terms_of(row).window(now)[1]
    if end is not None and end <= now:
        return f"coupon template {row.name} ended at {end.isoformat()}"
    if row.max_issued is not None and row.issued >= row.max_issued:
        return f"the budget of coupon template {row.name} is spent ({row.issued} of {row.max_issued} issued)"
    return None


def issue_batch(session: Session, row: TemplateRow, business: str, users: Sequence[str], now: dt.datetime, *,
                refused: dict[str, str] | None = None, job_id: str | None = None,
                request_id: str | None = None) -> Batch:
    """Issue one coupon to each of *users* that may have one, in the caller's transaction.

    *row* must be locked (:func:`resolve_row` with ``lock=True``).  Users in
    *refused* (the eligibility answers), over the per-user limit (counting what
    they already hold and earlier entries of *users*) or past the budget get
    nothing.  Raises :class:`Stop` when the template cannot issue at all.
    """
    reason = stop_reason(row, now)
    if reason is not None:
        raise Stop(reason)
    refused = dict(refused or {})
    connection = session.connection()
    held: dict[str, int] = {}
    if row.per_user_limit is not None:
        wanted = sorted(set(users) - set(refused))
        for start in range(0, len(wanted), 5000):
            counted = connection.execute(
                select(CouponRow.user_id, func.count()).where(CouponRow.template_id == row.id, _among(connection))
                .group_by(CouponRow.user_id), {"users": wanted[start:start + 5000]})
            held.update((str(user), int(count)) for user, count in counted)
    room = None if row.max_issued is None else row.max_issued - row.issued
    accepted: list[str] = []
    exhausted = False
    for user in users:
        if user in refused:
            continue
        if row.per_user_limit is not None and held.get(user, 0) >= row.per_user_limit:
            refused[user] = f"already holds {held[user]} (the limit per user is {row.per_user_limit})"
            continue
        if room is not None and len(accepted) >= room:
            refused[user] = "the budget is spent"
            exhausted = True
            continue
        held[user] = held.get(user, 0) + 1
        accepted.append(user)
    issued = list(zip(accepted, codebook.new_codes(len(accepted)), strict=True))
    ids: list[int] = []
    if issued:
        valid_from, valid_until = terms_of(row).window(now)
        values = [(code, row.id, business, user, VALID, now, valid_from, valid_until, job_id, request_id)
                  for user, code in issued]
        if len(values) == 1:
            ids.append(connection.execute(insert(CouponRow).values(dict(zip(_COPY_COLUMNS, values[0], strict=True)))
                                          .returning(CouponRow.id)).scalar_one())
        else:
            _write(connection, values)
        connection.execute(update(TemplateRow).where(TemplateRow.id == row.id)
                           .values(issued=TemplateRow.issued + len(issued)))
        connection.execute(insert(LedgerRow).values(
            at=now, business=business, template_id=row.id, event=ISSUED, quantity=len(issued), amount_minor=0,
            user_id=issued[0][0] if len(issued) == 1 else None, job_id=job_id, note=request_id or ""))
        session.expire(row, ["issued"])
    return Batch(issued, refused, exhausted, ids)


def _among(connection: Connection) -> Any:
    """``user_id`` among the bound list ``users``: one array parameter on PostgreSQL, an IN list elsewhere."""
    if connection.dialect.name == "postgresql":
        return CouponRow.user_id == any_(bindparam("users", type_=ARRAY(String)))
    return CouponRow.user_id.in_(bindparam("users", expanding=True))


def _utc_naive(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def _write(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert coupon rows: ``COPY`` on PostgreSQL (psycopg), an executemany elsewhere."""
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        raw = connection.connection.driver_connection
        assert raw is not None
        times: dict[dt.datetime | None, dt.datetime | None] = {}  # a batch shares its few instants
        with raw.cursor() as cursor, cursor.copy(f"COPY zt_coupon ({', '.join(_COPY_COLUMNS)}) FROM STDIN") as copy:
            for code, template, business, user, state, at, start, end, job, request in rows:
                for moment in (at, start, end):
                    if moment not in times:
                        times[moment] = _utc_naive(moment)
                copy.write_row((code, template, business, user, state, times[at], times[start], times[end], job,
                                request))
        return
    connection.execute(insert(CouponRow), [dict(zip(_COPY_COLUMNS, values, strict=True)) for values in rows])


def _by_request(session: Session, business: str, request_id: str, now: dt.datetime) -> Coupon | None:
    found = session.execute(
        select(CouponRow, TemplateRow.name, TemplateRow.currency)
        .join(TemplateRow, TemplateRow.id == CouponRow.template_id)
        .where(CouponRow.business == business, CouponRow.request_id == request_id)).first()
    if found is None:
        return None
    row, name, currency = found
    return coupon_of(row, name, currency, now)


def issue(platform: Platform, business: str, template: str, user_id: str, *, request_id: str,
          now: dt.datetime | None = None, notify: Notify | None = None) -> IssueResult:
    """Issue one coupon of *template* (as *business* sees it) to *user_id*.

    Idempotent by *request_id* per business: a repeat returns the coupon the
    first call issued (``duplicate=True``), even concurrently, and issues
    nothing.  A user the eligibility rules refuse, over the per-user limit, or
    a spent budget gives ``refused`` with the reason; a retired or ended
    template is a :class:`Stop` error.  *notify* sends the user a message
    through the notifiers once the coupon is committed.
    """
    require_business(platform, business)
    check_name(template)
    check_id("user id", user_id)
    check_id("request id", request_id)
    moment = now or utcnow()
    refused: dict[str, str] = {}
    if has_rules(platform, business):  # asked outside the transaction: a rule may take its time
        with Session(platform.registry.engine) as reader:
            seen = _by_request(reader, business, request_id, moment)
            if seen is not None:
                return IssueResult(seen, duplicate=True)
            refused = refusals(platform, business, resolve_row(reader, business, template), [user_id])
    with writing(platform) as session:
        row = resolve_row(session, business, template, lock=True)
        seen = _by_request(session, business, request_id, moment)  # also a twin that committed first
        if seen is not None:
            return IssueResult(seen, duplicate=True)
        batch = issue_batch(session, row, business, [user_id], moment, refused=refused, request_id=request_id)
        if not batch.issued:
            return IssueResult(None, refused=batch.refused[user_id])
        coupon = Coupon(batch.ids[0], batch.issued[0][1], row.name, business, user_id, VALID, moment,
                        *terms_of(row).window(moment))
    if notify is not None:
        from zhongtai.plugins.coupons.reach import notify_issued

        notify_issued(platform, business, [coupon], notify, title=terms_of(row).describe())
    return IssueResult(coupon)
