"""Finding 16 of issue 12: secret config values never leave the kernel through plugin errors.

The ``zt-leaky`` test plugins (tests/security/leaky.py) put their secret token
into exception messages, delivery details and provider responses.  Whether the
token was given directly or as an allowed ``env:NAME``, nothing the kernel
prints, returns or stores shows it.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from zhongtai.core import scrubbing

SECRET = "sk_live_9f8e7d6c5b4a3210"
ENV_SECRET = "resolved-from-env-Zq1w2e3r4t5y"
REQUEST = json.dumps({"sku": "math-101", "request": {"channel": "app", "lines": [{"sku": "math-101"}]}})


@pytest.fixture(params=["direct", "env"])
def token(request: pytest.FixtureRequest, leaky: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """(the --set value, the secret value the plugin sees)."""
    if request.param == "direct":
        return SECRET, SECRET
    monkeypatch.setenv("LEAKY_TOKEN", ENV_SECRET)
    leaky.ok("access", "secrets", "allow", "LEAKY_TOKEN", "--business", "shop")
    return "env:LEAKY_TOKEN", ENV_SECRET


def test_finding_16_secret_in_plugin_exception_is_scrubbed_from_call_errors(leaky: Any,
                                                                           token: tuple[str, str]) -> None:
    given, secret = token
    leaky.ok("plugins", "enable", "leaky.price", "-b", "shop", "--set", f"token={given}")
    for args in (["call", "pricing.base_price", "-b", "shop", "--input", REQUEST],
                 ["call", "pricing.base_price", "-b", "shop", "--input", REQUEST, "--explain", "--json"],
                 ["pricing", "quote", "-b", "shop", "--cart", '[{"sku": "math-101"}]']):
        result = leaky(*args)
        assert result.exit_code == 1, result.output
        assert secret not in result.output
        assert "upstream rejected token ******** for math-101" in result.output, result.output


def test_finding_16_plugin_call_error_keeps_no_secret_in_its_cause(leaky: Any) -> None:
    from zhongtai.core.errors import PluginCallError
    from zhongtai.core.jsonio import call_arguments
    from zhongtai.core.runtime.platform import Platform

    leaky.ok("plugins", "enable", "leaky.price", "-b", "shop", "--set", f"token={SECRET}")
    platform = Platform(leaky.url)
    try:
        arguments = call_arguments(platform.extension_point("pricing.base_price"), json.loads(REQUEST))
        with pytest.raises(PluginCallError) as caught:
            platform.business("shop").call("pricing.base_price", **arguments)
        import traceback

        printed = "".join(traceback.format_exception(caught.value))
        assert SECRET not in printed and "********" in printed
    finally:
        platform.close()


def test_finding_16_stored_provider_responses_and_errors_are_scrubbed(leaky: Any, token: tuple[str, str]) -> None:
    given, secret = token
    leaky.ok("plugins", "enable", "leaky.channel", "-b", "shop", "--set", f"token={given}")
    ids = []
    for body in ("hello", "raise"):
        sent = leaky.ok("notify", "send", "-b", "shop", "--kind", "notification", "--webhook",
                        "https://hooks.example.com/in", "--body", body, "--json")
        ids.append(json.loads(sent.output)["id"])
    leaky.ok("notify", "worker", "--once", "--quiet")
    with sqlite3.connect(leaky.url.removeprefix("sqlite:///")) as db:
        stored = db.execute("SELECT provider_response, error FROM zt_notify_attempt").fetchall()
        reasons = db.execute("SELECT reason FROM zt_notify_outbox").fetchall()
    db.close()
    assert stored and reasons
    text = json.dumps([stored, reasons])
    assert secret not in text
    assert "401 invalid key ********" in text and "gateway said: bad key ********" in text
    for message_id in ids:
        shown = leaky.ok("notify", "status", "--id", message_id, "--json").output
        assert secret not in shown


def test_scrub_masks_longest_first_and_ignores_short_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scrubbing, "_known", set())  # this test's values stay out of the process-wide set
    monkeypatch.setattr(scrubbing, "_pattern", None)
    scrubbing.remember(["q7-secret-long", "q7-s", "xy"])
    assert scrubbing.scrub("a q7-secret-long b q7-s c xy") == "a ******** b ******** c xy"
