"""Fixtures of the pricing tests: a real registry, the installed pricing plugins, a business tree."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from zhongtai.core.specs.pricing import CartLine, Customer, QuoteRequest

#: A fixed instant, so validity windows are tested without the clock.
NOON = dt.datetime(2025, 6, 18, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def cart(*lines: tuple[str, int], channel: str = "app", tier: str = "", coupons: tuple[str, ...] = (),
         at: dt.datetime = NOON, **kwargs: Any) -> QuoteRequest:
    """A quote request for ``(sku, quantity)`` lines."""
    return QuoteRequest(channel=channel, lines=[CartLine(sku, qty) for sku, qty in lines],
                        customer=Customer(tier=tier), coupons=coupons, at=at, **kwargs)


@pytest.fixture
def platform(sqlite_url: str, make_platform: Any) -> Any:
    """A Platform on a fresh SQLite registry that discovers the installed pricing plugins,
    with businesses ``edu`` and ``edu.k12``."""
    platform = make_platform(sqlite_url)
    for code in ("edu", "edu.k12"):
        platform.create_business(code)
    return platform
