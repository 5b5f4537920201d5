"""Per-business pricing on a two-level tree through the installed entry points and a real registry.

The parent ``edu`` sets the rules; ``edu.k12`` inherits them, overrides one
key, switches one plugin off, and a business team replaces a step with a
plugin of its own.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from tests.plugins.pricing.conftest import cart
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Money, Quote
from zhongtai.plugins.pricing.quoting import quote
from zhongtai.plugins.pricing.steps import discount_lines


@pytest.fixture
def tree(platform):
    platform.enable("pricing.price-list", "edu", config={"prices": {"math": "100.00", "art": "40.00"}})
    platform.enable("pricing.member-tier", "edu", priority=200, config={"percent_off": {"gold": "10", "silver": "5"}})
    platform.enable("pricing.coupons", "edu", priority=100, config={"coupons": {"SAVE5": {"value": "5.00"}}})
    return platform


def total(platform, business, **kwargs) -> str:
    return str(quote(platform.business(business), cart(("math", 1), ("art", 1), **kwargs)).total.amount)


def test_a_child_inherits_every_rule_of_its_parent(tree):
    assert total(tree, "edu.k12", tier="gold", coupons=("SAVE5",)) == "121.00"   # 140 - 14 - 5
    assert total(tree, "edu", tier="gold", coupons=("SAVE5",)) == "121.00"


def test_a_child_overrides_one_key_and_keeps_the_others(tree):
    tree.enable("pricing.member-tier", "edu.k12", config={"percent_off": {"gold": "20"}})
    assert total(tree, "edu.k12", tier="gold") == "112.00"     # its own gold rate
    assert total(tree, "edu.k12", tier="silver") == "133.00"   # silver still inherited
    assert total(tree, "edu", tier="gold") == "126.00"         # the parent is untouched


def test_a_child_switches_a_plugin_off_for_itself_only(tree):
    tree.disable("pricing.coupons", "edu.k12")
    assert total(tree, "edu.k12", coupons=("SAVE5",)) == "140.00"
    assert total(tree, "edu", coupons=("SAVE5",)) == "135.00"


def test_rounding_policy_is_inherited_and_overridable(tree):
    tree.enable("pricing.price-list", "edu", config={"prices": {"gum": "0.335"}})
    tree.enable("pricing.rounding", "edu", config={"mode": "ROUND_DOWN"})
    line = cart(("gum", 3))
    assert str(quote(tree.business("edu.k12"), line).total.amount) == "1.00"
    tree.enable("pricing.rounding", "edu.k12", config={"mode": "ROUND_UP"})
    assert str(quote(tree.business("edu.k12"), line).total.amount) == "1.01"


class K12Prices:
    """A business team's own price list: answers for the skus it knows, else passes."""

    @hookimpl
    def pricing_base_price(self, sku):  # type: ignore[no-untyped-def]
        return Money(Decimal("66.00"), "CNY") if sku == "math" else None


class K12Students:
    """A business team's own adjustment: 50% off for customers tagged 'student'."""

    @hookimpl
    def pricing_adjust(self, quote: Quote, request, context):  # type: ignore[no-untyped-def]
        if "student" not in request.customer.tags:
            return None
        return discount_lines(quote, {i: line.total.amount / 2 for i, line in enumerate(quote.lines)},
                              plugin=context.plugin, step="student price")


def test_a_business_team_replaces_steps_with_its_own_plugins(tree):
    tree.add_plugin(K12Prices(), "k12.prices")
    tree.add_plugin(K12Students(), "k12.students")
    tree.enable("k12.prices", "edu.k12")
    tree.disable("pricing.member-tier", "edu.k12")
    tree.enable("k12.students", "edu.k12")
    request = attrs.evolve(cart(("math", 1), ("art", 1), tier="gold"), customer=attrs.evolve(
        cart().customer, tier="gold", tags=frozenset({"student"})))
    q = quote(tree.business("edu.k12"), request)
    assert [str(line.total.amount) for line in q.lines] == ["33.00", "20.00"]
    assert [(a.plugin, a.step, a.sku) for a in q.adjustments] == [
        ("k12.prices", "base price", "math"),            # the team's price answers first ...
        ("pricing.price-list", "base price", "art"),     # ... and the inherited list fills in
        ("k12.students", "student price", "math"),
        ("k12.students", "student price", "art"),
    ]
    assert total(tree, "edu", tier="gold") == "126.00"   # the parent keeps its own rules
