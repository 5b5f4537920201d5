"""A full CLI session with secret config values: no output but an explicit export shows them.

Runs the real console script against the really installed platform packages
(zhongtai-verification and zhongtai-notifiers carry secret fields), captures
stdout and stderr of every command, and greps them for the secret values.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SERVER_KEY = "sk-LEAKCANARY-0f1e2d3c4b5a69788"
TOTP_KEY = "tk-LEAKCANARY-a1b2c3d4e5f60718"
REFUSED = "rk-LEAKCANARY-ffeeddccbbaa9988"
WEBHOOK = "whsec_TEVBS0NBTkFSWS13ZWJob29rLXNlY3JldA=="

ZHONGTAI = str(Path(sys.executable).with_name("zhongtai"))


def run(db: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ZHONGTAI, "--database-url", db, "--as", "secops", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


@pytest.mark.slow
def test_no_command_output_contains_a_secret(tmp_path: Path) -> None:
    pytest.importorskip("zhongtai.plugins.verification")
    pytest.importorskip("zhongtai.plugins.notifiers")
    db = f"sqlite:///{tmp_path / 'registry.db'}"
    session = [
        ("business", "create", "acme", "--name", "Acme", "--owner", "acme-team"),
        ("business", "create", "acme.shop"),
        ("plugins", "enable", "verification.standard", "--business", "acme",
         "--set", f"server_key={SERVER_KEY}", "--set", f"totp_key={TOTP_KEY}"),
        ("plugins", "enable", "verification.standard", "--business", "acme.shop", "--dry-run",
         "--set", f"server_key={SERVER_KEY}x"),
        ("plugins", "enable", "verification.standard", "--business", "acme.shop",
         "--set", f"server_key={REFUSED}", "--set", "no_such_field=1"),
        ("plugins", "enable", "verification.standard", "--business", "acme.shop",
         "--set", f"server_key={REFUSED}", "--set", "code_length=not-a-number"),
        ("plugins", "enable", "notifiers.webhook", "--business", "acme", "--set", f"secret={WEBHOOK}"),
        ("plugins", "config", "verification.standard", "--business", "acme.shop"),
        ("plugins", "config", "notifiers.webhook", "--business", "acme", "--json"),
        ("plugins", "show", "verification.standard"),
        ("plugins", "show", "verification.standard", "--json"),
        ("plugins", "list", "--business", "acme.shop", "--json"),
        ("business", "show", "acme.shop"),
        ("business", "show", "acme.shop", "--json"),
        ("capabilities", "--business", "acme.shop", "--format", "json"),
        ("call", "verification.components", "--business", "acme.shop", "--input", "{}", "--explain"),
        ("call", "verification.flow", "--business", "acme.shop", "--input", '{"flow": "signup"}', "--json"),
        ("audit",),
        ("audit", "--json"),
        ("export",),
        ("export", "--format", "json"),
        ("doctor",),
        ("plugins", "disable", "notifiers.webhook", "--business", "acme"),
        ("audit", "--limit", "1", "--json"),
    ]
    outputs = {" ".join(args): (lambda r: r.stdout + r.stderr)(run(db, *args)) for args in session}
    everything = "\n".join(outputs.values())  # outputs only: the command lines hold the secrets
    for command, output in outputs.items():
        for secret in (SERVER_KEY, TOTP_KEY, REFUSED, WEBHOOK, WEBHOOK.removeprefix("whsec_")):
            assert secret not in output, f"secret leaked by `zhongtai {command}`:\n{output}"
    assert "LEAKCANARY" not in everything
    # the commands really ran (a session of errors would prove nothing)
    assert "acme.shop" in everything and "verification.standard" in everything
    assert everything.count("********") >= 3

    # Positive control: the one explicit way to get secrets out does show them.
    explicit = run(db, "export", "--include-secrets")
    assert explicit.returncode == 0
    assert SERVER_KEY in explicit.stdout and TOTP_KEY in explicit.stdout
