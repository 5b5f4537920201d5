"""``zhongtai channels matrix`` through the real root CLI, on a real SQLite registry."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from zhongtai.core.cli.main import cli


def _run(url: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--database-url", url, "channels", "matrix", *args])


def test_matrix_for_agents_at_the_echannel(telecom: Any, sqlite_url: str) -> None:
    result = _run(sqlite_url, "--business", "telecom.echannel", "--role", "agent",
                  "--channels", "echannel,app", "--actions", "order.create,order.refund,coupon.issue")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "channels.authorize at telecom.echannel for role agent"
    assert lines[2].split() == ["action", "echannel", "app"]
    assert lines[3].split() == ["order.create", "allow", "allow"]
    assert lines[4].split() == ["order.refund", "deny", "allow"]
    assert lines[5].split() == ["coupon.issue", "deny", "deny"]


def test_matrix_axes_default_to_the_names_in_the_rules(telecom: Any, sqlite_url: str) -> None:
    result = _run(sqlite_url, "--business", "telecom.echannel.pickup", "--role", "staff", "--store", "s1",
                  "--resource", "store=s1", "--json")
    assert result.exit_code == 0, result.output
    grid = json.loads(result.output)
    assert grid["channels"] == ["app", "echannel", "pickup"]
    assert grid["actions"] == ["coupon.issue", "order.create", "order.refund"]
    cells = {(c["channel"], c["action"]): c for c in grid["cells"]}
    assert cells["pickup", "order.refund"]["allowed"] is True
    assert cells["pickup", "order.refund"]["rule"] == "p-staff-own-store"
    assert cells["pickup", "order.refund"]["business"] == "telecom.echannel.pickup"
    assert cells["pickup", "coupon.issue"]["allowed"] is False
    assert cells["app", "order.create"]["rule"] == "p-no-app"


def test_matrix_explain_names_the_deciding_rule(telecom: Any, sqlite_url: str) -> None:
    result = _run(sqlite_url, "--business", "telecom.echannel", "--role", "agent", "--channels", "echannel",
                  "--actions", "order.refund,order.cancel", "--explain")
    assert result.exit_code == 0, result.output
    assert ("echannel order.refund: deny by rule 'e-no-agent-refund' of channels.rules at telecom.echannel: "
            "e-channel agents place orders for customers but do not refund them") in result.output
    assert ("echannel order.cancel: allow by rule 't-agent-orders' of channels.rules at telecom: "
            "rule 't-agent-orders' allows order.cancel through echannel") in result.output


def test_unknown_business_is_one_clear_error(telecom: Any, sqlite_url: str) -> None:
    result = _run(sqlite_url, "--business", "telecom.nope", "--role", "agent")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: unknown business 'telecom.nope'"


def test_no_axes_named_asks_for_the_option(sqlite_url: str, make_platform: Any) -> None:
    make_platform(sqlite_url).create_business("edu")
    result = _run(sqlite_url, "--business", "edu", "--role", "agent", "--channels", "app")
    assert result.exit_code == 1
    assert "no actions are named in the channels.rules rules of edu; give --actions" in result.output


def test_bad_resource_option_is_a_usage_error(telecom: Any, sqlite_url: str) -> None:
    result = _run(sqlite_url, "--business", "telecom", "--role", "agent", "--resource", "store")
    assert result.exit_code == 2
    assert "expected KEY=VALUE" in result.output
