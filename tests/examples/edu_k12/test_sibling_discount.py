"""``edu-k12.sibling-discount`` through the real pricing service, on a real registry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.examples.conftest import NOON, create
from zhongtai.core.errors import ConfigError
from zhongtai.sdk import CartLine, QuoteRequest

PLUGIN = "edu-k12.sibling-discount"


def k12(platform: Any, **config: Any) -> Any:
    """edu prices two courses; edu.k12 enables the sibling discount with *config*."""
    create(platform, "edu", "edu.k12")
    platform.enable("pricing.price-list", "edu",
                    config={"prices": {"math-y3": "99.99", "english-y3": "120.00"}})
    platform.enable(PLUGIN, "edu.k12", config=config)
    return platform


def quote(platform: Any, *lines: tuple[str, int], business: str = "edu.k12") -> Any:
    from zhongtai.plugins.pricing.quoting import quote as price

    request = QuoteRequest(channel="mini-program", lines=[CartLine(s, q) for s, q in lines], at=NOON)
    return price(platform.business(business), request)


def totals(result: Any) -> dict[str, Decimal]:
    return {line.sku: line.total.amount for line in result.lines}


def test_second_and_third_seats_are_discounted_and_explained(platform: Any) -> None:
    result = quote(k12(platform, percent_off="10"), ("math-y3", 3), ("english-y3", 1))
    # 3 × 99.99 = 299.97; two sibling seats: 10% of 199.98 = 19.998 -> 20.00
    assert totals(result) == {"math-y3": Decimal("279.97"), "english-y3": Decimal("120.00")}
    step = next(a for a in result.adjustments if a.step == "sibling discount")
    assert (step.plugin, step.sku, step.code) == (PLUGIN, "math-y3", "sibling")
    assert (step.before.amount, step.after.amount) == (Decimal("299.97"), Decimal("279.97"))
    assert step.detail == "2 more for siblings, 10% off each"


def test_one_seat_is_full_price_and_adds_no_step(platform: Any) -> None:
    result = quote(k12(platform), ("math-y3", 1))
    assert totals(result) == {"math-y3": Decimal("99.99")}
    assert [a.step for a in result.adjustments] == ["base price"]


def test_only_listed_skus_and_at_most_max_seats(platform: Any) -> None:
    result = quote(k12(platform, percent_off="50", skus=["english-y3"], max_seats=2),
                   ("math-y3", 2), ("english-y3", 5))
    # math is not listed; english: only one sibling seat counts (max_seats 2): 50% of 120.00
    assert totals(result) == {"math-y3": Decimal("199.98"), "english-y3": Decimal("540.00")}


def test_the_parent_business_pays_full_price(platform: Any) -> None:
    result = quote(k12(platform), ("math-y3", 2), business="edu")
    assert totals(result) == {"math-y3": Decimal("199.98")}


@pytest.mark.parametrize("config", [{"percent_off": "0"}, {"percent_off": "120"}, {"max_seats": 1}])
def test_a_config_that_makes_no_sense_is_refused_at_enable(platform: Any, config: dict[str, Any]) -> None:
    create(platform, "edu", "edu.k12")
    with pytest.raises(ConfigError):
        platform.enable(PLUGIN, "edu.k12", config=config)
    assert PLUGIN not in platform.business("edu.k12").effective_plugins()
