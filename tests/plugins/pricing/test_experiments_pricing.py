"""Experiments and rollouts on the platform's pricing plugins (issue 15): per-level tables see the variant."""

from __future__ import annotations

from tests.plugins.pricing.conftest import cart
from zhongtai.core import experiments as ex
from zhongtai.core.rollouts import set_rollout
from zhongtai.plugins.pricing.quoting import quote


def total(platform, subject):
    return str(quote(platform.business("edu.k12"), cart(("math", 1), tier="gold"), subject=subject).total.amount)


def test_a_member_tier_variant_reaches_the_per_level_tables(platform):
    platform.enable("pricing.price-list", "edu", config={"prices": {"math": "100.00"}})
    platform.enable("pricing.member-tier", "edu", priority=200, config={"percent_off": {"gold": "10"}})
    platform.enable("pricing.member-tier", "edu.k12", config={"percent_off": {"silver": "5"}})
    ex.create(platform, "tier-test", business="edu.k12", plugin="pricing.member-tier", metric="order.paid",
              variants=[{"name": "control", "weight": 1},
                        {"name": "deeper", "weight": 1, "config": {"percent_off": {"gold": "20"}}}])
    ex.start(platform, "tier-test")
    totals = {s: total(platform, s) for s in (f"u{i}" for i in range(40))}
    assert set(totals.values()) == {"90.00", "80.00"}  # control inherits edu's gold 10%; deeper gives 20%
    view = platform.business("edu.k12")
    for subject, amount in totals.items():
        expected = "deeper" if amount == "80.00" else "control"
        assert view.admission("pricing.member-tier", subject=subject).variant == expected
    assert total(platform, None) == "90.00"  # no subject: the enablement's config


def test_a_rollout_leaves_the_member_discount_out_for_most(platform):
    platform.enable("pricing.price-list", "edu", config={"prices": {"math": "100.00"}})
    platform.enable("pricing.member-tier", "edu", priority=200, config={"percent_off": {"gold": "10"}})
    set_rollout(platform, "pricing.member-tier", "edu", percent=10)
    totals = [total(platform, f"s{i}") for i in range(300)]
    assert 10 < totals.count("90.00") < 50 and totals.count("90.00") + totals.count("100.00") == 300
