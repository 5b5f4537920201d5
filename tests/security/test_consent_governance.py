"""Finding 5: consent changes (`notify optout`, `--undo`) are governed like config changes and audited."""

from __future__ import annotations

import json
from typing import Any

from .conftest import ADMIN, MEMBER, OUTSIDER, Actors


def test_finding_05_consent_changes_need_the_right_to_manage_and_are_audited(
        governed_db: tuple[Any, Actors]) -> None:
    platform, zt = governed_db
    zt.ok(MEMBER, "notify", "optout", "13800138000", "--business", "edu")
    # a member of another team can neither withdraw edu's opt-out nor add one
    zt.refused(OUTSIDER, "notify", "optout", "13800138000", "--business", "edu", "--undo",
               match="mallory may not withdraw an opt-out at edu")
    zt.refused(OUTSIDER, "notify", "optout", "ann@example.com", "--business", "edu.k12",
               match="mallory may not change marketing consent at edu.k12")
    entries = json.loads(zt.ok(ADMIN, "audit", "--business", "edu", "--json").stdout)
    [entry] = [e for e in entries if e["action"].startswith("notify.")]
    assert (entry["action"], entry["actor"], entry["business"]) == ("notify.optout", MEMBER, "edu")
    assert entry["after"] == {"address": "phone:138****8000", "source": "cli"} and entry["at"]
    assert "13800138000" not in json.dumps(entries)

    # the owner team may withdraw it; audited with the address masked
    zt.ok(MEMBER, "notify", "optout", "13800138000", "--business", "edu", "--undo")
    latest = json.loads(zt.ok(ADMIN, "audit", "--limit", "1", "--json").stdout)[0]
    assert (latest["action"], latest["actor"], latest["after"]["address"]) == ("notify.optin", MEMBER,
                                                                               "phone:138****8000")
    # a no-op writes nothing, not even an audit row
    again = zt.ok(MEMBER, "notify", "optout", "13800138000", "--business", "edu", "--undo")
    assert "nothing changed" in again.output
    assert json.loads(zt.ok(ADMIN, "audit", "--limit", "1", "--json").stdout)[0]["id"] == latest["id"]


def test_finding_05_a_signed_unsubscribe_link_needs_no_role_but_is_audited(governed: tuple[Any, Actors],
                                                                          monkeypatch: Any) -> None:
    from zhongtai.core import allowances
    from zhongtai.plugins.notifiers import outbox
    from zhongtai.plugins.notifiers.signing import make_unsubscribe_token

    platform, zt = governed
    allowances.allow(platform, "secrets", "EDU_UNSUB", "edu", actor=ADMIN)
    monkeypatch.setenv("EDU_UNSUB", "unsubscribe-secret-0123456789")
    zt.ok(MEMBER, "plugins", "enable", "notifiers.policy", "-b", "edu", "--set",
          "unsubscribe_url=https://edu.example/unsub", "--set", "unsubscribe_secret=env:EDU_UNSUB")
    platform.refresh()
    token = make_unsubscribe_token("unsubscribe-secret-0123456789", "edu", "email:ann@example.com")
    assert outbox.unsubscribe(platform, token).changed
    latest = json.loads(zt.ok(ADMIN, "audit", "--limit", "1", "--json").stdout)[0]
    assert (latest["action"], latest["actor"], latest["after"]) == (
        "notify.optout", "unsubscribe-link", {"address": "email:a***@example.com", "source": "unsubscribe"})
