"""Coupon templates: every kind, validated terms, audited changes, inheritance down the business tree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zhongtai.core.errors import ConflictError, NotFound, PermissionDenied, StaleWrite, UserError
from zhongtai.plugins.coupons import templates
from zhongtai.plugins.coupons.terms import parse_terms

from .conftest import make_template


def test_every_kind_is_created_audited_and_listed(mall):
    specs = {
        "amt": {"kind": "amount", "value": "20.00", "min_spend": "100.00", "stacking_group": "site"},
        "pct": {"kind": "percent", "value": "15", "skus": ["math-101"], "channels": ["app"]},
        "mj": {"kind": "threshold", "value": "30", "min_spend": "300", "repeat": True, "categories": ["books"]},
        "pen": {"kind": "free_item", "free_sku": "pen", "valid_days": 30},
        "yen": {"kind": "amount", "value": "500", "currency": "JPY", "max_issued": 10, "max_value": "3000"},
    }
    for name, terms in specs.items():
        change = templates.create(mall, "mall", name, terms, actor="tester")
        assert change.applied and change.template.version == 1
    listed = {t.name: t for t in templates.list_templates(mall, "mall")}
    assert sorted(listed) == sorted(specs)
    assert listed["mj"].terms.describe() == "30 CNY off every 300"
    assert listed["pen"].terms.describe() == "one pen free"
    assert listed["yen"].terms.max_value == Decimal("3000") and listed["yen"].terms.currency == "JPY"
    audit = [e for e in mall.registry.audit("mall") if e.action.startswith("coupons.")]
    assert [e.action for e in audit] == ["coupons.template.create"] * 5
    assert audit[0].actor == "tester" and audit[0].after["name"] == "yen"


@pytest.mark.parametrize(("terms", "message"), [
    ({"kind": "gift"}, "kind must be one of"),
    ({"kind": "amount", "value": "20.001"}, "more decimals than CNY allows"),
    ({"kind": "amount", "value": "500.5", "currency": "JPY"}, "more decimals than JPY allows (0)"),
    ({"kind": "amount", "value": 20.5}, "not 20.5"),
    ({"kind": "amount", "value": "1e30"}, "must be from 0 to"),
    ({"kind": "amount", "value": "NaN"}, "decimal number"),
    ({"kind": "percent", "value": "120"}, "at most 100 percent"),
    ({"kind": "threshold", "value": "30"}, "needs a positive min_spend"),
    ({"kind": "amount", "value": "5", "repeat": True}, "threshold coupons only"),
    ({"kind": "free_item"}, "needs free_sku"),
    ({"kind": "amount", "value": "5", "currency": "XXQ"}, "currency"),
    ({"kind": "amount", "value": "5", "valid_from": "2025-06-18T00:00"}, "needs a UTC offset"),
    ({"kind": "amount", "value": "5", "valid_from": "2025-06-19T00:00+08:00",
      "valid_until": "2025-06-18T00:00+08:00"}, "before valid_until"),
    ({"kind": "amount", "value": "5", "valid_days": 0}, "valid_days"),
    ({"kind": "amount", "value": "5", "per_user_limit": 10**6}, "per_user_limit"),
    ({"kind": "amount", "value": "5", "skus": ["x"] * 1001}, "the limit is 1000"),
    ({"kind": "amount", "value": "5", "channels": ["Not A Slug"]}, "lowercase slug"),
    ({"kind": "amount", "value": "5", "owner": "me"}, "unknown template field"),
])
def test_bad_terms_are_one_clear_line(terms, message):
    with pytest.raises(UserError) as caught:
        parse_terms(terms)
    assert message in caught.value.message and "\n" not in caught.value.message


def test_a_refused_template_writes_nothing(mall):
    revision = mall.registry.revision()
    with pytest.raises(UserError, match="at most 100 percent"):
        templates.create(mall, "mall", "bad", {"kind": "percent", "value": "120"}, actor="tester")
    with pytest.raises(UserError, match="template name"):
        templates.create(mall, "mall", "Bad Name", {"kind": "percent", "value": "10"}, actor="tester")
    assert templates.list_templates(mall, "mall", retired=True) == [] and mall.registry.revision() == revision


def test_fixed_window_or_days_from_issue():
    issued = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    fixed = parse_terms({"kind": "amount", "value": "5", "valid_from": "2025-06-18T00:00+08:00",
                         "valid_until": "2025-06-19T00:00+08:00"})
    assert fixed.window(issued) == (dt.datetime(2025, 6, 17, 16, tzinfo=dt.UTC),
                                    dt.datetime(2025, 6, 18, 16, tzinfo=dt.UTC))
    days = parse_terms({"kind": "amount", "value": "5", "valid_days": 7})
    assert days.window(issued) == (issued, issued + dt.timedelta(days=7))
    capped = parse_terms({"kind": "amount", "value": "5", "valid_days": 7, "valid_until": "2025-06-03T00:00Z"})
    assert capped.window(issued)[1] == dt.datetime(2025, 6, 3, tzinfo=dt.UTC)


def test_inherited_down_the_tree_and_overridden_by_a_child(mall):
    make_template(mall, "save20")
    seen = templates.get(mall, "mall.flagship", "save20")
    assert seen.business == "mall" and seen.terms.value == Decimal("20.00")
    make_template(mall, "save20", business="mall.flagship", value="25.00")
    assert templates.get(mall, "mall.flagship", "save20").terms.value == Decimal("25.00")
    assert templates.get(mall, "mall", "save20").terms.value == Decimal("20.00")
    assert [t.business for t in templates.list_templates(mall, "mall.flagship")] == ["mall.flagship"]
    assert templates.list_templates(mall, "mall.flagship", inherited=False)[0].business == "mall.flagship"
    with pytest.raises(NotFound, match=r"no coupon template 'nope' at mall\.flagship or above"):
        templates.get(mall, "mall.flagship", "nope")


def test_change_and_retire_are_audited_with_before_and_after(mall):
    make_template(mall, "save20", max_issued=100)
    with pytest.raises(ConflictError, match="already has a coupon template 'save20'"):
        make_template(mall, "save20")
    change = templates.change(mall, "mall", "save20", {"max_issued": 200, "title": "Gift"}, actor="ops",
                              expected_version=1)
    assert change.template.terms.max_issued == 200 and change.template.version == 2
    with pytest.raises(StaleWrite, match="you expected 1"):
        templates.change(mall, "mall", "save20", {"title": "Other"}, expected_version=1)
    with pytest.raises(NotFound, match="has no coupon template 'save20' of its own"):
        templates.change(mall, "mall.flagship", "save20", {"title": "x"})
    retired = templates.retire(mall, "mall", "save20", actor="ops")
    assert retired.template.status == "retired"
    assert templates.list_templates(mall, "mall") == []
    assert [t.name for t in templates.list_templates(mall, "mall", retired=True)] == ["save20"]
    actions = [(e.action, e.before, e.after) for e in mall.registry.audit("mall") if e.action.startswith("coupons.")]
    assert actions[0] == ("coupons.template.retire", {"name": "save20", "status": "active"},
                          {"name": "save20", "status": "retired"})
    assert actions[1] == ("coupons.template.change", {"name": "save20", "max_issued": 100, "title": ""},
                          {"name": "save20", "max_issued": 200, "title": "Gift"})


def test_dry_run_writes_nothing(mall):
    before = mall.registry.revision()
    change = templates.create(mall, "mall", "save20", {"kind": "amount", "value": "20"}, dry_run=True)
    assert not change.applied and change.template.name == "save20"
    assert templates.list_templates(mall, "mall") == [] and mall.registry.revision() == before


def test_only_owners_and_admins_manage_templates(mall):
    from zhongtai.core import governance

    governance.grant(mall.registry, "root", "admin", actor="root")
    governance.grant(mall.registry, "ann", "member", "mall-team", actor="root")
    templates.create(mall, "mall.flagship", "ok", {"kind": "amount", "value": "5"}, actor="ann")
    with pytest.raises(PermissionDenied, match="mallory may not create coupon templates at mall"):
        templates.create(mall, "mall", "evil", {"kind": "amount", "value": "5"}, actor="mallory")
    assert [t.name for t in templates.list_templates(mall, "mall.flagship")] == ["ok"]


def test_what_a_coupon_is_worth_is_fixed_once_issued(mall):
    from zhongtai.plugins.coupons.issuing import issue

    make_template(mall, "save20", max_issued=5)
    issue(mall, "mall", "save20", "u1", request_id="r1")
    issue(mall, "mall", "save20", "u2", request_id="r2")
    with pytest.raises(UserError, match="value cannot change after coupons were issued"):
        templates.change(mall, "mall", "save20", {"value": "30.00"})
    with pytest.raises(UserError, match="max_issued 1 is below the 2 already issued"):
        templates.change(mall, "mall", "save20", {"max_issued": 1})
    assert templates.change(mall, "mall", "save20", {"max_issued": 2}).template.terms.max_issued == 2
