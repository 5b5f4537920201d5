"""A table of worked carts through the real installed plugins, the kernel and the quoting service.

Every case is its own business below ``shop``, whose price list it inherits
(``book`` 10.00, ``pen`` 2.50, ``course`` 100.00, ``course`` 90.00 in the
mini-program channel) unless it sets its own.  Adjustment plugins are enabled
with the recommended priorities (tiered 400, channel 300, member-tier 200,
coupons 100).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs
import pytest

from tests.plugins.pricing.conftest import cart
from zhongtai.core.runtime import Platform
from zhongtai.core.specs.pricing import QuoteRequest
from zhongtai.plugins.pricing.quoting import quote

PRIORITY = {"pricing.tiered": 400, "pricing.channel": 300, "pricing.member-tier": 200, "pricing.coupons": 100}
SHOP_PRICES = {"prices": {"book": "10.00", "pen": "2.50", "course": "100.00"},
               "channels": {"mini-program": {"course": "90.00"}}}
GOLD_10 = {"pricing.member-tier": {"percent_off": {"gold": "10"}}}


@attrs.frozen
class Case:
    name: str
    request: QuoteRequest
    lines: list[str]
    total: str
    plugins: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    currency: str = "CNY"


def coupons(**defined: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"pricing.coupons": {"coupons": {code.replace("_", "-"): c for code, c in defined.items()}}}


CASES = [
    Case("inherited price list, no adjustments", cart(("book", 2), ("pen", 3)), ["20.00", "7.50"], "27.50"),
    Case("own price overrides the inherited one, other skus still inherited",
         cart(("book", 1), ("pen", 1)), ["8.00", "2.50"], "10.50",
         plugins={"pricing.price-list": {"prices": {"book": "8.00"}}}),
    Case("channel price", cart(("course", 1), channel="mini-program"), ["90.00"], "90.00"),
    Case("channel adjustment: percent off, then an amount off the order allocated",
         cart(("book", 1), ("pen", 2), channel="pickup-point"), ["8.83", "4.42"], "13.25",
         plugins={"pricing.channel": {"channels": {"pickup-point": {"percent_off": "5", "amount_off": "1.00"}}}}),
    Case("CNY: a discount of exactly .5 of a fen rounds half up",
         cart(("gum", 1), tier="gold"), ["0.04"], "0.04",
         plugins={"pricing.price-list": {"prices": {"gum": "0.05"}}, **GOLD_10}),
    Case("CNY: ... and to even under ROUND_HALF_EVEN",
         cart(("gum", 1), tier="gold"), ["0.05"], "0.05",
         plugins={"pricing.price-list": {"prices": {"gum": "0.05"}}, **GOLD_10,
                  "pricing.rounding": {"mode": "ROUND_HALF_EVEN"}}),
    Case("CNY: 3 x 0.335 rounds per line to 1.01", cart(("gum", 3)), ["1.01"], "1.01",
         plugins={"pricing.price-list": {"prices": {"gum": "0.335"}}}),
    Case("CNY: three lines of 0.335 per line add up to 1.02 ...",
         cart(("a", 1), ("b", 1), ("c", 1)), ["0.34", "0.34", "0.34"], "1.02",
         plugins={"pricing.price-list": {"prices": {"a": "0.335", "b": "0.335", "c": "0.335"}}}),
    Case("... per order the total 1.005 rounds once to 1.01, lines re-allocated",
         cart(("a", 1), ("b", 1), ("c", 1)), ["0.34", "0.34", "0.33"], "1.01",
         plugins={"pricing.price-list": {"prices": {"a": "0.335", "b": "0.335", "c": "0.335"}},
                  "pricing.rounding": {"scope": "order"}}),
    Case("JPY: no minor unit, 3 x 99.5 = 298.5 rounds half up", cart(("onigiri", 3)), ["299"], "299",
         currency="JPY", plugins={"pricing.price-list": {"currency": "JPY", "prices": {"onigiri": "99.5"}}}),
    Case("JPY: a 0.5 yen discount rounds half up ...", cart(("candy", 1), tier="gold"), ["4"], "4",
         currency="JPY", plugins={"pricing.price-list": {"currency": "JPY", "prices": {"candy": "5"}}, **GOLD_10}),
    Case("JPY: ... and to even under ROUND_HALF_EVEN", cart(("candy", 1), tier="gold"), ["5"], "5",
         currency="JPY", plugins={"pricing.price-list": {"currency": "JPY", "prices": {"candy": "5"}}, **GOLD_10,
                                  "pricing.rounding": {"mode": "ROUND_HALF_EVEN"}}),
    Case("JPY: an amount off allocated in whole yen, the leftover yen to the first line",
         cart(("a", 1), ("b", 1), ("c", 1), coupons=("OFF100",)),
         ["966", "967", "967"], "2900", currency="JPY",
         plugins={"pricing.price-list": {"currency": "JPY", "prices": {"a": "1000", "b": "1000", "c": "1000"}},
                  "pricing.coupons": {"currency": "JPY", "coupons": {"OFF100": {"value": "100"}}}}),
    Case("BHD: three digits", cart(("dates", 3), tier="gold"), ["3.334"], "3.334", currency="BHD",
         plugins={"pricing.price-list": {"currency": "BHD", "prices": {"dates": "1.2345"}}, **GOLD_10}),
    Case("tiered quantity price", cart(("pen", 12), ("book", 2)), ["24.00", "20.00"], "44.00",
         plugins={"pricing.tiered": {"tiers": {"pen": [{"min_quantity": 10, "unit_price": "2.00"},
                                                       {"min_quantity": 100, "unit_price": "1.50"}]}}}),
    Case("member tier: percent off every line", cart(("book", 1), ("pen", 1), tier="gold"), ["9.00", "2.25"],
         "11.25", plugins=GOLD_10),
    Case("stacked coupons: the fixed amount first, then the percentage of what is left",
         cart(("course", 1), ("book", 10), coupons=("TEN", "SAVE20")), ["81.00", "81.00"], "162.00",
         plugins=coupons(TEN={"kind": "percent", "value": "10"}, SAVE20={"kind": "amount", "value": "20.00"})),
    Case("exclusive group: only the bigger of two coupons of one group",
         cart(("course", 3), coupons=("SAVE20", "TEN")), ["270.00"], "270.00",
         plugins=coupons(TEN={"kind": "percent", "value": "10", "group": "site"},
                         SAVE20={"kind": "amount", "value": "20.00", "group": "site"})),
    Case("spend threshold 满减, repeated per full 300", cart(("course", 6), ("book", 5), coupons=("MJ",)),
         ["544.62", "45.38"], "590.00",
         plugins=coupons(MJ={"kind": "threshold", "value": "30.00", "min_spend": "300.00", "repeat": True})),
    Case("spend threshold not reached: nothing off", cart(("course", 2), coupons=("MJ",)), ["200.00"], "200.00",
         plugins=coupons(MJ={"kind": "threshold", "value": "30.00", "min_spend": "300.00"})),
    Case("a discount larger than the price stops at zero", cart(("book", 1), ("pen", 2), coupons=("BIG",)),
         ["0.00", "0.00"], "0.00", plugins=coupons(BIG={"value": "500.00"})),
    Case("order discount allocated so the lines add up exactly", cart(("x", 1), ("y", 1), ("z", 1),
                                                                     coupons=("TEN-OFF",)),
         ["6.66", "6.67", "6.67"], "20.00",
         plugins={"pricing.price-list": {"prices": {"x": "10.00", "y": "10.00", "z": "10.00"}},
                  **coupons(TEN_OFF={"value": "10.00"})}),
    Case("a coupon limited to some skus", cart(("book", 1), ("pen", 2), coupons=("BOOK3",)), ["7.00", "5.00"],
         "12.00", plugins=coupons(BOOK3={"value": "3.00", "skus": ["book"]})),
    Case("the whole pipeline: tier, channel, member, coupon",
         cart(("pen", 10), ("course", 1), channel="mini-program", tier="gold", coupons=("SAVE10",)),
         ["15.28", "68.77"], "84.05",
         plugins={"pricing.tiered": {"tiers": {"pen": [{"min_quantity": 10, "unit_price": "2.00"}]}},
                  "pricing.channel": {"channels": {"mini-program": {"percent_off": "5"}}},
                  **GOLD_10, **coupons(SAVE10={"value": "10.00", "min_spend": "50.00"})}),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    platform = Platform(f"sqlite:///{tmp_path_factory.mktemp('carts')}/registry.db", refresh_interval=0.0)
    platform.create_business("shop")
    platform.enable("pricing.price-list", "shop", config=SHOP_PRICES)
    yield platform
    platform.registry.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_worked_cart(shop: Platform, case: Case) -> None:
    code = f"shop.case{CASES.index(case)}"
    shop.create_business(code)
    for plugin, config in case.plugins.items():
        shop.enable(plugin, code, config=config, priority=PRIORITY.get(plugin))
    q = quote(shop.business(code), case.request)
    assert q.currency == case.currency
    assert [str(line.total.amount) for line in q.lines] == case.lines
    assert str(q.total.amount) == case.total
    assert sum((line.total.amount for line in q.lines), Decimal(0)) == q.total.amount
    for step in q.adjustments:  # every order-level step says how it was split across the lines
        if step.allocation:
            assert sum(m.amount for m in step.allocation) == step.after.amount - step.before.amount
