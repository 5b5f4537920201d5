"""Pilot businesses of incubating plugins and ``plugins promote``: Python API (both backends) and CLI."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import registry_rows
from zhongtai.core import governance, pilots
from zhongtai.core.errors import NotFound, PermissionDenied, UserError

TRIAL = "loyalty.trial"  # incubating (tests/specs/loyalty.py)


@pytest.fixture
def governed(make_platform, registry_url, loyalty_site, monkeypatch):
    """A registry with a platform admin (root), businesses edu, edu.k12, mall; alice is no admin."""
    monkeypatch.syspath_prepend(str(loyalty_site))
    platform = make_platform(registry_url, plugin_path=[str(loyalty_site)])
    governance.grant(platform.registry, "root", "admin", actor="root")
    for code in ("edu", "edu.k12", "mall"):
        platform.create_business(code, actor="root")
    return platform


def test_incubating_plugins_only_at_pilots_until_promoted(governed):
    platform = governed
    with pytest.raises(PermissionDenied, match=r"incubating and edu.k12 is not one of its pilot businesses "
                                               r"\(none yet\)"):
        platform.enable(TRIAL, "edu.k12", actor="root")
    with pytest.raises(PermissionDenied, match="alice may not add pilot businesses of loyalty.trial"):
        pilots.add(platform, TRIAL, "edu", actor="alice")
    assert pilots.add(platform, TRIAL, "edu", actor="root", dry_run=True).business == "edu"
    assert pilots.pilots(platform) == []  # the dry run wrote nothing
    added = pilots.add(platform, TRIAL, "edu", actor="root")
    assert (added.plugin, added.business, added.added_by) == (TRIAL, "edu", "root")
    with pytest.raises(UserError, match="edu is already a pilot business of loyalty.trial"):
        pilots.add(platform, TRIAL, "edu", actor="root")

    platform.enable(TRIAL, "edu.k12", actor="root")  # a pilot covers its subtree
    with pytest.raises(PermissionDenied, match=r"mall is not one of its pilot businesses \(edu\)"):
        platform.enable(TRIAL, "mall", actor="root")
    with pytest.raises(UserError, match="enabled at edu.k12, which only the pilot edu covers; disable it there"):
        pilots.remove(platform, TRIAL, "edu", actor="root")

    with pytest.raises(PermissionDenied, match="alice may not promote"):
        pilots.promote(platform, TRIAL, actor="alice")
    pilots.promote(platform, TRIAL, actor="root", dry_run=True)
    assert pilots.promotions(platform) == {}
    promotion = pilots.promote(platform, TRIAL, actor="root")
    assert promotion.promoted_by == "root" and set(pilots.promotions(platform)) == {TRIAL}
    platform.enable(TRIAL, "mall", actor="root")  # everywhere now
    with pytest.raises(UserError, match="already promoted"):
        pilots.promote(platform, TRIAL, actor="root")
    with pytest.raises(UserError, match="already promoted"):
        pilots.add(platform, TRIAL, "mall", actor="root")
    pilots.remove(platform, TRIAL, "edu", actor="root")  # promoted: nothing depends on the pilot any more

    actions = [(r.action, r.business, r.plugin) for r in _audit_rows(platform)]
    assert actions[-5:] == [("plugin.pilot.add", "edu", TRIAL), ("plugin.enable", "edu.k12", TRIAL),
                            ("plugin.promote", None, TRIAL), ("plugin.enable", "mall", TRIAL),
                            ("plugin.pilot.remove", "edu", TRIAL)]


def _audit_rows(platform):
    from sqlalchemy import select

    from zhongtai.core.registry.models import AuditRow

    with platform.registry.session() as session:
        return list(session.scalars(select(AuditRow).order_by(AuditRow.revision, AuditRow.id)))


def test_pilot_rules_refuse_bad_requests(governed):
    platform = governed
    with pytest.raises(UserError, match="'loyalty.double' is active, not incubating"):
        pilots.add(platform, "loyalty.double", "edu", actor="root")
    with pytest.raises(UserError, match="not incubating: it needs no promotion"):
        pilots.promote(platform, "loyalty.double", actor="root")
    with pytest.raises(NotFound, match="unknown plugin 'nope.x'"):
        pilots.add(platform, "nope.x", "edu", actor="root")
    with pytest.raises(NotFound, match="unknown business 'shop'"):
        pilots.add(platform, TRIAL, "shop", actor="root")
    with pytest.raises(NotFound, match="edu is not a pilot business of loyalty.trial"):
        pilots.remove(platform, TRIAL, "edu", actor="root")
    pilots.add(platform, TRIAL, "edu", actor="root")
    pilots.add(platform, TRIAL, "edu.k12", actor="root")
    platform.enable(TRIAL, "edu.k12", actor="root")
    pilots.remove(platform, TRIAL, "edu", actor="root")  # edu.k12 is still covered by its own pilot
    assert [(p.plugin, p.business) for p in pilots.pilots(platform, TRIAL)] == [(TRIAL, "edu.k12")]


def test_an_open_registry_enforces_no_pilot_rule_and_doctor_warns_once_governed(make_platform, sqlite_url,
                                                                                 loyalty_site, monkeypatch):
    from zhongtai.core.health import diagnose

    monkeypatch.syspath_prepend(str(loyalty_site))
    platform = make_platform(sqlite_url, plugin_path=[str(loyalty_site)])
    platform.create_business("edu", actor="anyone")
    platform.enable(TRIAL, "edu", actor="anyone")  # no admin yet: governance is not enforced
    assert not [f for f in diagnose(platform) if f.check == "outside-pilots"]
    governance.grant(platform.registry, "root", "admin", actor="anyone")
    warned = [f for f in diagnose(platform) if f.check == "outside-pilots"]
    assert [(f.severity, f.subject, f.business) for f in warned] == [("warning", TRIAL, "edu")]
    pilots.add(platform, TRIAL, "edu", actor="root")
    assert not [f for f in diagnose(platform) if f.check == "outside-pilots"]


def test_cli_pilots_and_promote(loyalty_cli, unchanged_rows):
    cli = loyalty_cli()
    cli.ok("--as", "root", "access", "grant", "root", "--admin")
    for code in ("edu", "mall"):
        cli.ok("--as", "root", "business", "create", code)
    with unchanged_rows(cli.url):
        refused = cli("--as", "root", "plugins", "enable", TRIAL, "--business", "edu")
        assert refused.exit_code == 1 and len(refused.output.strip().splitlines()) == 1
        assert "zhongtai plugins pilots add loyalty.trial --business edu" in refused.output
        denied = cli("--as", "alice", "plugins", "pilots", "add", TRIAL, "--business", "edu")
        assert denied.exit_code == 1 and "only a platform admin may" in denied.output
        dry = cli.ok("--as", "root", "plugins", "pilots", "add", TRIAL, "--business", "edu", "--dry-run")
        assert dry.output.startswith("Would list edu")
    added = cli.ok("--as", "root", "plugins", "pilots", "add", TRIAL, "--business", "edu")
    assert added.output == "edu and its subtree are now pilot businesses of loyalty.trial.\n"
    cli.ok("--as", "root", "plugins", "enable", TRIAL, "--business", "edu")
    listed = cli.json("plugins", "pilots", "list", TRIAL)
    assert [(p["plugin"], p["business"], p["added_by"], p["promoted"]) for p in listed["pilots"]] == [
        (TRIAL, "edu", "root", False)]
    assert "loyalty.trial  edu" in cli.ok("plugins", "pilots", "list").output
    with unchanged_rows(cli.url):
        assert cli.ok("--as", "root", "plugins", "promote", TRIAL, "--dry-run").output.startswith("Would promote")
    assert cli.ok("--as", "root", "plugins", "promote", TRIAL).output == (
        "Promoted loyalty.trial: it may now be enabled at every business.\n")
    cli.ok("--as", "root", "plugins", "enable", TRIAL, "--business", "mall")
    assert cli.json("plugins", "pilots", "list")["promoted"][0]["plugin"] == TRIAL
    again = cli("--as", "root", "plugins", "promote", TRIAL)
    assert again.exit_code == 1 and again.output == "Error: plugin 'loyalty.trial' is already promoted\n"
    audit = json.loads(cli.ok("audit", "--json").output)
    assert {"plugin.pilot.add", "plugin.promote"} <= {row["action"] for row in audit}


@pytest.fixture
def unchanged_rows():
    from contextlib import contextmanager

    @contextmanager
    def check(url):
        before = registry_rows(url)
        yield
        assert registry_rows(url) == before, "a refused or dry-run command changed the registry"

    return check
