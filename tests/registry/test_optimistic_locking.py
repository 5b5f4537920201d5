"""Read-then-write across think time: the loser gets "changed by X at T, retry", never a lost update."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.helpers.registry_rows import all_rows
from tests.registry.plugins import add_price_plugin, price
from zhongtai.core.errors import StaleWrite
from zhongtai.core.registry.models import BusinessRow


@pytest.fixture
def operators(registry_url, make_platform):
    """Two operators' platforms on one registry with edu and edu.k12 and price enabled at edu."""
    alice, bob = make_platform(registry_url, discover=False), make_platform(registry_url, discover=False)
    for platform in (alice, bob):
        add_price_plugin(platform)
    alice.create_business("edu", actor="alice")
    alice.create_business("edu.k12", actor="alice")
    alice.enable("price", "edu", config={"amount": "10"}, actor="alice")
    return alice, bob


def _audit_count(platform) -> int:
    return len(platform.registry.audit())


def test_versions_are_shown_in_snapshots_and_reports(operators):
    alice, _ = operators
    row = alice.snapshot.enablements["edu"]["price"]
    assert row.version == 1 and row.updated_by == "alice"
    report = alice.enable("price", "edu", config={"amount": "11"}, actor="alice", expected_version=1)
    assert report.version == 2
    assert alice.snapshot.enablements["edu"]["price"].version == 2
    assert alice.set_status("edu.k12", "suspended", actor="alice", expected_version=1).version == 2
    assert alice.snapshot.businesses["edu.k12"].version == 2


def test_the_second_of_two_edits_from_the_same_version_is_refused_and_writes_nothing(operators, registry_url):
    alice, bob = operators
    seen = bob.snapshot.enablements["edu"]["price"].version  # both read version 1, then think
    alice.enable("price", "edu", config={"amount": "12"}, actor="alice", expected_version=seen)
    before, audited = all_rows(registry_url), _audit_count(alice)

    with pytest.raises(StaleWrite, match=r"price at edu was changed by alice at \S+ \(now version 2, you expected 1\); "
                                         r"reload and retry"):
        bob.enable("price", "edu", config={"amount": "13"}, actor="bob", expected_version=seen)

    assert all_rows(registry_url) == before and _audit_count(alice) == audited
    assert price(bob, "edu.k12") == Decimal("12")
    retried = bob.enable("price", "edu", config={"amount": "13"}, actor="bob",
                         expected_version=bob.snapshot.enablements["edu"]["price"].version)
    assert retried.version == 3 and price(alice, "edu.k12") == Decimal("13")


def test_disable_and_status_changes_check_versions_too(operators):
    alice, bob = operators
    alice.enable("price", "edu", config={"amount": "12"}, actor="alice")
    with pytest.raises(StaleWrite, match="price at edu was changed by alice"):
        bob.disable("price", "edu", actor="bob", expected_version=1)
    alice.set_status("edu.k12", "suspended", actor="alice", expected_version=1)
    with pytest.raises(StaleWrite, match=r"business edu.k12 was changed by alice .*now version 2, you expected 1"):
        bob.set_status("edu.k12", "active", actor="bob", expected_version=1)


def test_expected_version_zero_means_nobody_created_the_row_meanwhile(operators):
    alice, bob = operators
    alice.enable("price", "edu.k12", config={"amount": "5"}, actor="alice", expected_version=0)
    with pytest.raises(StaleWrite, match=r"price at edu\.k12 was changed by alice"):
        bob.enable("price", "edu.k12", config={"amount": "6"}, actor="bob", expected_version=0)


def test_changes_without_expected_versions_are_serialised_and_merge_rather_than_lose(operators):
    alice, bob = operators
    alice.enable("price", "edu", config={"note": "from alice"}, actor="alice")
    bob.enable("price", "edu", config={"amount": "20"}, actor="bob")  # read inside bob's own transaction
    alice.refresh()
    assert dict(alice.snapshot.enablements["edu"]["price"].config) == {"amount": "20", "note": "from alice"}
    assert [e.actor for e in alice.registry.audit(business="edu", include_descendants=False)][:2] == ["bob", "alice"]

def test_a_change_that_writes_rows_its_audit_does_not_name_is_refused_whole(operators, registry_url):
    alice, _ = operators
    before = all_rows(registry_url)
    refused = pytest.raises(RuntimeError, match=r"wrote rows of \['edu.k12'\] without an audit row naming them")
    with refused, alice.registry.change("mallory") as tx:
        row = tx.session.get(BusinessRow, "edu.k12")
        row.name = "renamed quietly"
        tx.record("business.rename", business="edu", note="names the wrong business")
    assert all_rows(registry_url) == before


def test_a_stale_edit_is_refused_as_stale_even_when_someone_made_the_same_edit(operators):
    alice, bob = operators
    alice.enable("price", "edu", config={"amount": "12"}, actor="alice", expected_version=1)
    with pytest.raises(StaleWrite, match="price at edu was changed by alice"):
        bob.enable("price", "edu", config={"amount": "12"}, actor="bob", expected_version=1)
    alice.disable("price", "edu", actor="alice", expected_version=2)
    with pytest.raises(StaleWrite, match="price at edu was changed by alice"):
        bob.disable("price", "edu", actor="bob", expected_version=2)


def test_a_registry_wide_record_does_not_excuse_unnamed_business_rows(operators, registry_url):
    alice, _ = operators
    before = all_rows(registry_url)
    refused = pytest.raises(RuntimeError, match=r"wrote rows of \['edu'\] without an audit row naming them")
    with refused, alice.registry.change("mallory") as tx:
        tx.require_business("edu").owner = "mallory"
        tx.record("registry.note", note="a registry-wide record names no business")
    assert all_rows(registry_url) == before
