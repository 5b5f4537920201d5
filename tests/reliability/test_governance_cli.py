"""Governance through the CLI: --as names the actor; refusals are one line, exit 1, nothing written."""

from __future__ import annotations

from click.testing import CliRunner

from tests.helpers.registry_rows import all_rows
from zhongtai.core.cli.main import cli


def test_roles_and_production_mode_from_the_command_line(sqlite_url, monkeypatch):
    monkeypatch.setenv("ZHONGTAI_PLUGIN_PATH", "")  # no installed plugins needed here
    runner = CliRunner()

    def zt(actor, *args):
        return runner.invoke(cli, ["--database-url", sqlite_url, "--as", actor, *args])

    assert zt("boot", "business", "create", "edu", "--owner", "edu-team").exit_code == 0
    assert "OPEN" in zt("anyone", "access", "list").output
    assert zt("boot", "access", "grant", "alice", "--admin").exit_code == 0
    assert zt("alice", "access", "grant", "kate", "--team", "edu-team").exit_code == 0
    assert zt("kate", "business", "create", "edu.k12", "--owner", "k12-team").exit_code == 0

    before = all_rows(sqlite_url)
    refused = zt("mallory", "business", "create", "edu.hack")
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        "Error: mallory may not create businesses at edu: it is owned by edu-team, and mallory is not a member "
        "of that team (ask a platform admin)"]
    assert zt("kate", "access", "mode", "production").exit_code == 1
    assert all_rows(sqlite_url) == before

    assert zt("alice", "access", "mode", "production").exit_code == 0
    listing = zt("kate", "access", "list", "--json")
    assert '"mode": "production"' in listing.output and '"open": false' in listing.output
    usage = zt("alice", "access", "grant", "bob")
    assert usage.exit_code == 2 and "exactly one of --admin or --team" in usage.output
