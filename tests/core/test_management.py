"""Registry changes: inheritance, validation, conflicts, audit, suspension -- on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.core import plugins as p
from tests.helpers.registry_rows import all_rows
from zhongtai.core.errors import (
    BusinessSuspended,
    ConfigError,
    ConflictError,
    InvalidBusinessCode,
    NotFound,
    UserError,
)


@pytest.fixture
def platform(registry_url, make_platform):
    platform = make_platform(registry_url, discover=False)
    platform.add_plugin(p.FixedPrice(), "price", config=p.PriceConfig)
    platform.add_plugin(p.FixedPrice(), "other-price", config=p.PriceConfig)
    platform.add_plugin(p.Named(), "sms")
    for code in ("edu", "edu.k12", "edu.k12.math", "edu.adult"):
        platform.create_business(code, name=code.upper(), owner="team-" + code.split(".")[0], actor="alice")
    return platform


def price(platform, code):
    return platform.business(code).call("pricing.base_price", sku="a", request=None)


def refused(platform, action, error, match):
    before = all_rows(platform.registry.engine)
    with pytest.raises(error, match=match):
        action()
    assert all_rows(platform.registry.engine) == before


def test_inherited_config_merges_root_to_leaf(platform):
    platform.enable("price", "edu", config={"amount": "10", "label": "edu"})
    platform.enable("price", "edu.k12", config={"amount": "8"})
    assert price(platform, "edu.k12.math").amount == 8
    assert platform.effective_config("price", "edu.k12.math") == {"amount": "8", "currency": "CNY", "label": "edu"}
    assert price(platform, "edu.adult").amount == 10


def test_disable_below_and_reenable_further_down(platform):
    platform.enable("price", "edu")
    platform.disable("price", "edu.k12")
    assert price(platform, "edu.k12") is None
    assert price(platform, "edu.k12.math") is None
    assert price(platform, "edu.adult").amount == 10
    platform.enable("price", "edu.k12.math", config={"amount": "3"})
    assert price(platform, "edu.k12.math").amount == 3
    snapshot = platform.registry.snapshot()
    assert snapshot.state_of("edu.k12", "price") == (False, "disabled here")
    assert snapshot.state_of("edu.k12.math", "price") == (True, "own")
    assert snapshot.state_of("edu.adult", "price") == (True, "inherited from edu")


def test_every_change_writes_one_audit_row_with_actor_and_masked_values(platform):
    platform.enable("price", "edu", config={"amount": "10"}, actor="bob")
    platform.disable("price", "edu.k12", actor="carol")
    platform.set_status("edu.adult", "suspended", actor="dave")
    audit = platform.registry.audit()
    assert [(a.action, a.business, a.actor) for a in audit[:3]] == [
        ("business.suspend", "edu.adult", "dave"), ("plugin.disable", "edu.k12", "carol"),
        ("plugin.enable", "edu", "bob")]
    assert len(audit) == 4 + 3
    assert [a.revision for a in audit] == sorted((a.revision for a in audit), reverse=True)
    assert len({a.revision for a in audit}) == len(audit)


def test_invalid_config_is_refused_naming_the_field_and_writes_nothing(platform):
    refused(platform, lambda: platform.enable("price", "edu", config={"amount": "ten"}),
            ConfigError, r"config field 'amount': expected a decimal number")
    refused(platform, lambda: platform.enable("price", "edu", config={"colour": "red"}),
            ConfigError, r"unknown config key 'colour'")


def test_conflicting_priorities_on_a_first_point_are_refused(platform):
    platform.enable("price", "edu")
    refused(platform, lambda: platform.enable("other-price", "edu"), ConflictError,
            r"'other-price' and 'price' would both answer pricing.base_price at edu with priority 0")
    platform.enable("other-price", "edu", priority=1)
    platform.enable("other-price", "edu.k12")  # another level: the most specific answers


@pytest.mark.parametrize("code", ["EDU", "edu..k12", "-edu", "e" * 300, "edu.", ""])
def test_malformed_codes_are_refused(platform, code):
    refused(platform, lambda: platform.create_business(code), InvalidBusinessCode, "business code")


def test_unknowns_are_refused(platform):
    refused(platform, lambda: platform.create_business("nope.child"), NotFound, "parent business 'nope'")
    refused(platform, lambda: platform.enable("price", "mall"), NotFound, "unknown business 'mall'")
    refused(platform, lambda: platform.enable("nope", "edu"), NotFound, "unknown plugin 'nope'")
    refused(platform, lambda: platform.create_business("edu"), UserError, "already exists")
    with pytest.raises(NotFound, match="unknown extension point 'pricing.nope'"):
        platform.business("edu").call("pricing.nope")


def test_suspended_business_and_its_descendants_refuse_calls(platform):
    platform.enable("price", "edu")
    platform.set_status("edu.k12", "suspended")
    with pytest.raises(BusinessSuspended, match="edu.k12 is suspended"):
        price(platform, "edu.k12")
    with pytest.raises(BusinessSuspended, match="ancestor edu.k12 is suspended"):
        price(platform, "edu.k12.math")
    assert price(platform, "edu.adult").amount == 10
    platform.set_status("edu.k12", "active")
    assert price(platform, "edu.k12.math").amount == 10


def test_dry_run_reports_impact_on_descendants_and_writes_nothing(platform):
    before = all_rows(platform.registry.engine)
    report = platform.enable("price", "edu.k12", config={"amount": "5"}, dry_run=True)
    assert all_rows(platform.registry.engine) == before
    assert not report.applied
    assert [(i.business, i.added) for i in report.impact] == [
        ("edu.k12", ("price",)), ("edu.k12.math", ("price",))]


def test_a_second_platform_sees_changes_after_refresh(platform, registry_url, make_platform):
    other = make_platform(registry_url, discover=False)
    other.add_plugin(p.FixedPrice(), "price", config=p.PriceConfig)
    assert price(other, "edu") is None
    platform.enable("price", "edu", config={"amount": "7"})
    assert price(other, "edu").amount == 7  # refresh_interval=0: checked on the call
