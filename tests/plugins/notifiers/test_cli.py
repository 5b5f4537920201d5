"""``zhongtai notify``: thin commands over the library, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from zhongtai.core.cli.main import cli

from .conftest import SECRET, allow_loopback


def _run(url, *args):
    result = CliRunner().invoke(cli, ["--database-url", url, *args], catch_exceptions=False)
    return result


def test_send_worker_status_and_optout_from_the_command_line(sqlite_url, make_platform, sink):
    platform = make_platform(sqlite_url)
    platform.create_business("shop")
    allow_loopback(platform)
    platform.enable("notifiers.webhook", "shop", config={"secret": SECRET})

    sent = _run(sqlite_url, "notify", "send", "-b", "shop", "--kind", "notification", "--webhook", sink.url,
                "--body", "hello", "--key", "k1", "--json")
    assert sent.exit_code == 0, sent.output
    message_id = json.loads(sent.output)["id"]
    again = _run(sqlite_url, "notify", "send", "-b", "shop", "--kind", "notification", "--webhook", sink.url,
                 "--body", "hello", "--key", "k1")
    assert again.exit_code == 0 and f"{message_id} pending" in again.output and "already submitted" in again.output

    counts = _run(sqlite_url, "notify", "status", "--business", "shop")
    assert counts.exit_code == 0 and "shop      notification  pending  1" in counts.output

    work = _run(sqlite_url, "notify", "worker", "--once", "--quiet")
    assert work.exit_code == 0, work.output
    assert "claimed 1  sent 1" in work.output
    assert sink.ids() == [message_id]

    shown = _run(sqlite_url, "notify", "status", "--id", message_id)
    assert "sent  attempts 1" in shown.output and "notifiers.webhook  sent" in shown.output
    listed = _run(sqlite_url, "notify", "status", "--state", "sent", "--messages", "--json")
    assert [m["id"] for m in json.loads(listed.output)] == [message_id]

    opted = _run(sqlite_url, "notify", "optout", sink.url, "--business", "shop")
    assert opted.exit_code == 0 and f"webhook:{sink.url} opted out" in opted.output
    promo = _run(sqlite_url, "notify", "send", "-b", "shop", "--kind", "marketing", "--webhook", sink.url,
                 "--body", "sale")
    assert "suppressed" in promo.output and "opted out of marketing from shop" in promo.output


def test_bad_input_is_one_line_and_exit_1(sqlite_url, make_platform):
    make_platform(sqlite_url).create_business("shop")
    cases = [
        (["notify", "send", "-b", "shop", "--kind", "notification", "--phone", "138", "--body", "x"],
         "invalid phone number"),
        (["notify", "send", "-b", "nope", "--kind", "notification", "--phone", "13800138000", "--body", "x"],
         "unknown business 'nope'"),
        (["notify", "send", "-b", "shop", "--kind", "notification", "--phone", "13800138000", "--body", "x",
          "--after", "2025-06-01T09:00"], "--after needs a UTC offset"),
        (["notify", "send", "-b", "shop", "--kind", "notification", "--phone", "13800138000", "--body", "x",
          "--var", "novalue"], "--var expects key=value"),
        (["notify", "optout", "not-a-phone", "--business", "shop"], "invalid phone number"),
        (["notify", "status", "--id", "msg_missing"], "no message 'msg_missing'"),
    ]
    for args, message in cases:
        result = _run(sqlite_url, *args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_help_does_not_import_the_library():
    code = ("import sys; from zhongtai.core.cli.main import main\n"
            "try:\n    main(['notify', '--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('sqlalchemy', 'jinja2', 'httpx', 'zhongtai.plugins.notifiers.outbox') "
            "if m in sys.modules]\nprint('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "optout" in out.stdout and "HEAVY []" in out.stdout, out.stdout + out.stderr
