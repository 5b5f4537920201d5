"""Finding 4 of issue 12: ``export --include-secrets`` is for platform admins only, and audited."""

from __future__ import annotations

from typing import Any

from tests.helpers.registry_rows import all_rows

SECRET = "sk_live_do_not_leak_0123456789"


def test_finding_04_export_include_secrets_is_admin_only_and_audited(zt: Any) -> None:
    zt.ok("plugins", "enable", "test.price", "-b", "shop", "--set", f"api_key={SECRET}")
    zt.ok("--as", "boss", "access", "grant", "boss", "--admin")
    zt.ok("--as", "boss", "access", "grant", "ann", "--team", "shop-team")

    assert SECRET not in zt.ok("--as", "ann", "export").output  # a plain export stays open to readers
    before = all_rows(zt.url)
    refused = zt("--as", "ann", "export", "--include-secrets")
    assert refused.exit_code == 1
    assert refused.output.strip() == ("Error: ann may not export secret config values: only a platform admin may")
    assert SECRET not in refused.output
    assert all_rows(zt.url) == before

    exported = zt.ok("--as", "boss", "export", "--include-secrets")
    assert SECRET in exported.output
    audit = zt.json("audit", "--limit", "1")
    assert audit[0]["action"] == "registry.export-secrets" and audit[0]["actor"] == "boss"
    assert SECRET not in str(audit)
