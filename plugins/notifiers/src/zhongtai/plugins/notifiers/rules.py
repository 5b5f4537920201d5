"""The rules users expect: consent, quiet hours and rate limits.

* Consent: an address that opted out of a business's marketing (or of an
  ancestor's: opting out of ``shop`` covers ``shop.flagship``) gets no marketing
  from it; notifications and verification codes still go.
* Quiet hours: marketing due inside the business's quiet hours, in the
  recipient's time zone, waits for their end.  Never dropped.
* Rate limits: fixed windows aligned to the UTC epoch; counted when a message
  is accepted into the outbox, under a row lock so that concurrent senders on
  PostgreSQL cannot overshoot.

The database functions take an open SQLAlchemy ``Connection`` inside the
caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence

import attrs
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from zhongtai.core.identity import lineage
from zhongtai.core.specs.notifiers import MARKETING, VERIFICATION
from zhongtai.plugins.notifiers.models import OptOutRow, RateRow
from zhongtai.plugins.notifiers.policy import NotifierPolicy, QuietHours, RateLimit

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: How many windows a deferred message may be pushed forward before it is refused.
MAX_DEFERRALS = 1000


# -- consent --------------------------------------------------------------------------
def opted_out(connection: Connection, business: str, addresses: Sequence[str]) -> str | None:
    """The first of *addresses* that opted out of marketing from *business* or an ancestor."""
    if not addresses:
        return None
    row = connection.execute(
        select(OptOutRow.address).where(
            OptOutRow.business.in_(lineage(business)), OptOutRow.address.in_(list(addresses))
        ).limit(1)
    ).first()
    return None if row is None else str(row[0])


# -- quiet hours ----------------------------------------------------------------------
def release_time(at: dt.datetime, timezone: str, quiet: QuietHours | None) -> dt.datetime:
    """*at*, or the end of the quiet hours containing it in *timezone* (as UTC)."""
    if quiet is None:
        return at
    zone = zoneinfo.ZoneInfo(timezone)
    local = at.astimezone(zone)
    if not quiet.contains(local.time()):
        return at
    day = local.date() if local.time() < quiet.end else local.date() + dt.timedelta(days=1)
    end = dt.datetime.combine(day, quiet.end, tzinfo=zone).astimezone(dt.UTC)
    return max(end, at)


def quiet_applies(kind: str) -> bool:
    """Only marketing waits for quiet hours to end."""
    return kind == MARKETING


# -- rate limits ----------------------------------------------------------------------
@attrs.frozen
class Admission:
    """When a message may be sent (``due``), or why it is refused (``refused``)."""

    due: dt.datetime
    refused: str | None = None
    deferred: str | None = None


def window_start(at: dt.datetime, seconds: int) -> dt.datetime:
    elapsed = int((at - _EPOCH).total_seconds())
    return _EPOCH + dt.timedelta(seconds=elapsed - elapsed % seconds)


def _keys(limit: RateLimit, business: str, addresses: Sequence[str]) -> list[str]:
    base = f"{business}|{limit.window_seconds}"
    if limit.per == "business":
        return [f"{base}|business"]
    return [f"{base}|{address}" for address in addresses]


def _ensure_row(connection: Connection, key: str, start: dt.datetime) -> None:
    """Create the counter row if missing, so that it exists to be locked."""
    dialect = connection.dialect.name
    values = {"key": key, "window_start": start, "count": 0}
    if dialect == "postgresql":
        connection.execute(postgresql.insert(RateRow).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        connection.execute(sqlite.insert(RateRow).values(**values).on_conflict_do_nothing())
    else:  # pragma: no cover - only the two supported backends
        raise NotImplementedError(f"rate limits need PostgreSQL or SQLite, not {dialect}")


def _count(connection: Connection, key: str, start: dt.datetime) -> int:
    _ensure_row(connection, key, start)
    value = connection.execute(
        select(RateRow.count).where(RateRow.key == key, RateRow.window_start == start).with_for_update()
    ).scalar_one()
    return int(value)


def admit(
    connection: Connection, policy: NotifierPolicy, business: str, kind: str, timezone: str,
    addresses: Sequence[str], due: dt.datetime,
) -> Admission:
    """Find when a message may go, counting it against the rate limits it passes.

    Marketing due in quiet hours moves to their end.  A message whose windows are
    full is refused (verification codes, or ``over_limit = "refuse"``) or moved
    to the next window with room in every limit (at most :data:`MAX_DEFERRALS` moves).
    """
    limits = [limit for limit in policy.rate_limits if kind in limit.kinds]
    quiet = policy.quiet if quiet_applies(kind) else None
    at = release_time(due, timezone, quiet)
    deferred = "quiet hours" if at != due else None
    for _ in range(MAX_DEFERRALS):
        blocked: tuple[dt.datetime, RateLimit] | None = None
        for limit in limits:
            start = window_start(at, limit.window_seconds)
            for key in _keys(limit, business, addresses):
                if _count(connection, key, start) >= limit.limit:
                    reopens = start + dt.timedelta(seconds=limit.window_seconds)
                    if blocked is None or reopens > blocked[0]:
                        blocked = (reopens, limit)
        if blocked is None:
            _take(connection, limits, business, addresses, at)
            return Admission(at, None, deferred)
        reopens, limit = blocked
        reason = (f"rate limit: {limit.limit} per {limit.window_seconds} s per {limit.per} "
                  f"reached for business {business}")
        if kind == VERIFICATION or policy.over_limit == "refuse":
            return Admission(at, refused=reason)
        at = release_time(reopens, timezone, quiet)
        deferred = reason
    return Admission(at, refused=f"rate limit: no room within {MAX_DEFERRALS} windows")


def _take(connection: Connection, limits: Iterable[RateLimit], business: str, addresses: Sequence[str],
          at: dt.datetime) -> None:
    for limit in limits:
        start = window_start(at, limit.window_seconds)
        for key in _keys(limit, business, addresses):
            connection.execute(
                update(RateRow).where(RateRow.key == key, RateRow.window_start == start)
                .values(count=RateRow.count + 1)
            )
