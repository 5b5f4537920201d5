"""Governance: owner teams manage their subtree, admins everything, production admits certified plugins."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.registry_rows import all_rows
from zhongtai.core import governance
from zhongtai.core.errors import PermissionDenied, UserError
from zhongtai.core.markers import hookimpl


class Sends:
    @hookimpl
    def notifiers_deliver(self, message: Any) -> None:
        return None


@pytest.fixture
def platform(registry_url, make_platform):
    platform = make_platform(registry_url, discover=False)
    platform.add_plugin(Sends(), "sends")
    platform.create_business("edu", owner="edu-team", actor="boot")
    platform.create_business("edu.k12", owner="k12-team", actor="boot")
    platform.create_business("mall", owner="mall-team", actor="boot")
    governance.grant(platform.registry, "alice", "admin", actor="boot")  # the first admin closes the registry
    governance.grant(platform.registry, "kate", "member", "k12-team", actor="alice")
    governance.grant(platform.registry, "ed", "member", "edu-team", actor="alice")
    return platform


def refused(platform, action, match):
    before = all_rows(platform.registry.engine)
    with pytest.raises(PermissionDenied, match=match):
        action()
    assert all_rows(platform.registry.engine) == before


def test_an_open_registry_lets_anyone_bootstrap(sqlite_url, make_platform):
    platform = make_platform(sqlite_url, discover=False)
    platform.create_business("anything", actor="whoever")
    governance.grant(platform.registry, "whoever", "admin", actor="whoever")
    refused(platform, lambda: platform.create_business("other", actor="stranger"),
            "stranger may not create the top-level business other: only a platform admin may")


def test_an_owner_team_manages_its_business_and_descendants_only(platform):
    platform.create_business("edu.k12.math", owner="k12-team", actor="kate")
    platform.enable("sends", "edu.k12.math", actor="kate")
    platform.set_status("edu.k12", "suspended", actor="kate")
    refused(platform, lambda: platform.enable("sends", "edu", actor="kate"),
            r"kate may not enable sends at edu: it is owned by edu-team")
    refused(platform, lambda: platform.enable("sends", "mall", actor="kate"), "owned by mall-team")
    refused(platform, lambda: platform.create_business("mall.kids", actor="kate"), "kate may not create")


def test_an_ancestors_owner_team_manages_the_whole_subtree(platform):
    platform.enable("sends", "edu.k12", actor="ed")


def test_admins_do_anything_and_only_admins_grant(platform):
    platform.enable("sends", "mall", actor="alice")
    refused(platform, lambda: governance.grant(platform.registry, "kate", "admin", actor="kate"),
            "kate may not grant roles: only a platform admin may")
    with pytest.raises(UserError, match="last platform admin"):
        governance.revoke(platform.registry, "alice", "admin", actor="alice")


def test_every_refusal_leaves_the_audit_log_as_it_was_and_changes_name_their_actor(platform):
    platform.enable("sends", "edu.k12", actor="kate")
    actors = [(a.action, a.actor) for a in platform.registry.audit(limit=3)]
    assert actors[0] == ("plugin.enable", "kate")
    assert ("access.grant", "alice") in actors


def test_production_mode_admits_only_certified_distributions(registry_url, make_platform):
    platform = make_platform(registry_url)  # the installed platform packages, really discovered
    info = platform.plugins.require("channels.rules")
    platform.create_business("shop", owner="shop-team")
    governance.grant(platform.registry, "alice", "admin", actor="alice")
    governance.set_mode(platform.registry, "production", actor="alice")
    refused(platform, lambda: platform.enable("channels.rules", "shop", actor="alice"),
            f"not admitted: the registry is in production mode and distribution {info.distribution} is not "
            "certified")
    governance.certify(platform.registry, info, "<0.0.1", actor="alice")
    refused(platform, lambda: platform.enable("channels.rules", "shop", actor="alice"),
            f"{info.distribution} {info.version} is outside its certified range <0.0.1")
    governance.certify(platform.registry, info, f"=={info.version}", actor="alice")
    platform.enable("channels.rules", "shop", actor="alice")
    refused(platform, lambda: governance.certify(platform.registry, info, ">=0", actor="kate"),
            "kate may not certify plugins")


def test_in_process_plugins_are_the_applications_own_and_need_no_certificate(platform):
    governance.set_mode(platform.registry, "production", actor="alice")
    with pytest.raises(UserError, match="only distributions are certified"):
        governance.certify(platform.registry, platform.plugins.require("sends"), ">=1.0", actor="alice")
    platform.enable("sends", "mall", actor="alice")
