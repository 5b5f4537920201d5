"""Finding 1: ``env:NAME`` secret references resolve only names a platform admin allow-listed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from zhongtai.core.errors import ConfigError

from .conftest import ADMIN, MEMBER, OUTSIDER, Actors

SMS = ("plugins", "enable", "notifiers.sms", "--business", "edu", "--set", "provider=http",
       "--set", "gateway_url=https://sms.example.com/gw")


def _sms_config(platform: Any, business: str) -> Any:
    platform.refresh()
    plan = platform.plan(business, "notifiers.deliver")
    (entry,) = [e for e in plan.entries if e.plugin == "notifiers.sms"]
    return entry


def test_finding_01_env_reference_outside_allow_list_is_refused(governed_db: tuple[Any, Actors],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    platform, zt = governed_db
    line = zt.refused(MEMBER, *SMS, "--set", "api_key=env:ZHONGTAI_DATABASE_URL", match="not allow-listed for edu")
    assert "zhongtai access secrets allow ZHONGTAI_DATABASE_URL --business edu" in line
    zt.refused(MEMBER, *SMS, "--set", "api_key=env:BAD-NAME", match="not an env:NAME reference")
    # only a platform admin keeps the allow-list
    zt.refused(MEMBER, "access", "secrets", "allow", "SMS_GATEWAY_KEY", "--business", "edu",
               match="only a platform admin may")
    zt.refused(ADMIN, "access", "secrets", "allow", "NOT A NAME", "--business", "edu", match="not an environment")
    zt.refused(ADMIN, "access", "secrets", "allow", "X", "--business", "nowhere", match="unknown business")
    zt.ok(ADMIN, "access", "secrets", "allow", "SMS_GATEWAY_KEY", "--business", "edu")
    zt.refused(ADMIN, "access", "secrets", "allow", "SMS_GATEWAY_KEY", "--business", "edu", match="already allowed")
    audit = json.loads(zt.ok(ADMIN, "audit", "--limit", "1", "--json").stdout)[0]
    assert (audit["action"], audit["business"], audit["actor"]) == ("access.secrets.allow", "edu", ADMIN)
    listed = json.loads(zt.ok(OUTSIDER, "access", "secrets", "list", "--business", "edu.k12", "--json").stdout)
    assert [(e["business"], e["secrets"], e["allowed_by"]) for e in listed] == [("edu", "SMS_GATEWAY_KEY", ADMIN)]

    # the allowed name is accepted, for edu and (inherited) edu.k12, and resolves at call time
    zt.ok(MEMBER, *SMS, "--set", "api_key=env:SMS_GATEWAY_KEY")
    monkeypatch.setenv("SMS_GATEWAY_KEY", "the-gateway-key")
    assert _sms_config(platform, "edu.k12").context.config.api_key == "the-gateway-key"
    # another business cannot borrow edu's allowance
    zt.refused(OUTSIDER, *SMS[:4], "mall", *SMS[5:], "--set", "api_key=env:SMS_GATEWAY_KEY",
               match="not allow-listed for mall")

    # defence in depth: once denied, a stored reference no longer resolves (running platforms notice)
    zt.ok(ADMIN, "access", "secrets", "deny", "SMS_GATEWAY_KEY", "--business", "edu")
    entry = _sms_config(platform, "edu.k12")
    assert entry.context.config is None
    with pytest.raises(ConfigError, match="'SMS_GATEWAY_KEY', which is not allow-listed for edu.k12"):
        entry.function()
    doctor = zt("alice", "doctor")
    assert doctor.exit_code == 1 and "not allow-listed for edu" in doctor.output


def test_finding_01_allow_list_below_does_not_cover_above(governed: tuple[Any, Actors]) -> None:
    _, zt = governed
    zt.ok(ADMIN, "access", "secrets", "allow", "K12_KEY", "--business", "edu.k12")
    zt.refused(MEMBER, *SMS, "--set", "api_key=env:K12_KEY", match="not allow-listed for edu")
    zt.ok(MEMBER, *SMS[:4], "edu.k12", *SMS[5:], "--set", "api_key=env:K12_KEY")


def test_the_allow_list_commands_of_docs_security_md_run_as_shown(governed: tuple[Any, Actors]) -> None:
    import shlex
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    commands = []
    for title in ("### Secret references", "### Outbound requests"):
        section = page.split(title, 1)[1].split("\n### ", 1)[0]
        for block in section.split("```sh")[1:]:
            commands += [shlex.split(line.split("#")[0]) for line in block.split("```")[0].splitlines()
                         if line.startswith("zhongtai ")]
    assert len(commands) == 6
    _, zt = governed
    for command in commands:
        actor = command[2] if command[1] == "--as" else OUTSIDER
        zt.ok(actor, *(command[3:] if command[1] == "--as" else command[1:]))
