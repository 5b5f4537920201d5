"""A user's wallet at one business: their coupons, newest first, a page at a time.

Pages are cut by an opaque cursor (the last coupon id seen), never by an
offset, so page 1,000 costs what page 1 costs: the query walks the index
``ix_coupon_wallet (business, user_id, id)`` backwards from the cursor (see
docs/coupons.md for its plan).  Filtering by state is done on the user's
rows as they come off the index.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import TYPE_CHECKING

import attrs
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhongtai.core.errors import UserError
from zhongtai.core.identity import validate_code
from zhongtai.plugins.coupons.issuing import Coupon, check_id, coupon_of, utcnow
from zhongtai.plugins.coupons.models import STATES, CouponRow, TemplateRow

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

MAX_PAGE = 200


@attrs.frozen
class Page:
    coupons: list[Coupon]
    cursor: str | None  # give it back for the next page; None: this was the last

    def as_dict(self) -> dict[str, object]:
        return {"coupons": [c.as_dict() for c in self.coupons], "next_cursor": self.cursor}


def _encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"w1:{last_id}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, _, number = text.partition(":")
        if tag != "w1" or not number.isdigit():
            raise ValueError
        return int(number)
    except (ValueError, UnicodeDecodeError):
        raise UserError(f"{cursor[:40]!r} is not a wallet cursor (give back the next_cursor of a page)") from None


def wallet(platform: Platform, business: str, user_id: str, *, state: str | None = None, limit: int = 20,
           cursor: str | None = None, now: dt.datetime | None = None) -> Page:
    """One page of *user_id*'s coupons at *business* (optionally only those in *state*), newest first."""
    validate_code(business)
    check_id("user id", user_id)
    if state is not None and state not in STATES:
        raise UserError(f"state must be one of {', '.join(STATES)}, got {state!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise UserError(f"limit must be from 1 to {MAX_PAGE}, got {limit!r}")
    before = _decode(cursor) if cursor else None
    moment = now or utcnow()
    found: list[Coupon] = []
    # one statement per page and no transaction around it: a read of committed rows
    with Session(platform.registry.engine.execution_options(isolation_level="AUTOCOMMIT")) as session:
        while True:
            query = (select(CouponRow, TemplateRow.name, TemplateRow.currency)
                     .join(TemplateRow, TemplateRow.id == CouponRow.template_id)
                     .where(CouponRow.business == business, CouponRow.user_id == user_id)
                     .order_by(CouponRow.id.desc()).limit(limit + 1))
            if before is not None:
                query = query.where(CouponRow.id < before)
            rows = session.execute(query).all()
            more = len(rows) > limit
            batch = rows[:limit]
            for index, (row, name, currency) in enumerate(batch):
                before = row.id
                coupon = coupon_of(row, name, currency, moment)
                if state is None or coupon.state == state:
                    found.append(coupon)
                    if len(found) == limit:
                        rest = more or index < len(batch) - 1
                        return Page(found, _encode(row.id) if rest else None)
            if not more:
                return Page(found, None)
