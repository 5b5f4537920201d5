"""Finding 12 of issue 12: nothing a hostile party can store reaches the reader's terminal raw.

A business name with ``\\x1b[2J`` and a newline, forged rows in the notifier
outbox, a hostile error message: every human-readable output escapes them
through ``zhongtai.core.terminal.safe_text``.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from zhongtai.core.terminal import safe_text

HOSTILE = "Evil\x1b[2J\x1b]52;c;cGF5bG9hZA==\x07\r\nforged line\u202eevil\x9b31m"
RAW = ("\x1b", "\x07", "\r", "\u202e", "\x9b")


def assert_terminal_safe(text: str) -> None:
    for char in RAW:
        assert char not in text, (char, text)
    assert not any(line.startswith("forged line") for line in text.splitlines()), text


def test_safe_text_escapes_controls_but_keeps_ordinary_text() -> None:
    assert safe_text("中台 edu.k12 — ok") == "中台 edu.k12 — ok"
    assert safe_text("a\x1b[2Jb\nc\td") == "a\\u001b[2Jb\\nc\\td"
    assert safe_text("a\nb\tc\x1b", keep_newlines=True) == "a\nb\tc\\u001b"
    assert safe_text("\u202e\u2028\x9b\x7f") == "\\u202e\\u2028\\u009b\\u007f"
    assert json.loads(json.dumps(safe_text("x\x1by"))) == "x\\u001by"


def test_finding_12_business_list_tree_show_escape_hostile_names(zt: Any) -> None:
    zt.ok("business", "create", "shop.evil", "--name", HOSTILE, "--owner", HOSTILE)
    for args in (["business", "list"], ["business", "tree"], ["business", "show", "shop.evil"],
                 ["audit"], ["business", "list", "--json"]):
        out = zt.ok(*args).output
        assert "Evil" in out
        assert_terminal_safe(out)
    shown = zt.ok("business", "show", "shop.evil").output
    assert "Evil\\u001b[2J" in shown


def test_finding_12_notify_status_escapes_forged_rows(zt: Any) -> None:
    zt.ok("plugins", "enable", "notifiers.webhook", "-b", "shop", "--set", "secret=whsec_" + "k" * 32)
    sent = zt.ok("notify", "send", "-b", "shop", "--kind", "notification", "--webhook",
                 "https://hooks.example.com/x", "--body", "hi", "--json")
    message_id = json.loads(sent.output)["id"]
    with sqlite3.connect(zt.url.removeprefix("sqlite:///")) as db:  # a forged row, as anyone with the DB could
        db.execute("UPDATE zt_notify_outbox SET reason = ? WHERE id = ?", (HOSTILE, message_id))
        db.execute("INSERT INTO zt_notify_attempt (message_id, number, channel, status, provider_response, error, "
                   "worker, at) VALUES (?, 1, 'notifiers.webhook', 'failed', ?, ?, 'w', '2025-01-01 00:00:00')",
                   (message_id, HOSTILE, HOSTILE))
    for args in (["notify", "status", "--id", message_id], ["notify", "status", "--messages"],
                 ["notify", "status", "--id", message_id, "--json"]):
        out = zt.ok(*args).output
        assert "Evil" in out, out
        assert_terminal_safe(out)


def test_finding_12_error_lines_are_terminal_safe(zt: Any) -> None:
    result = zt("business", "show", "x\x1b[2J")
    assert result.exit_code == 1
    assert_terminal_safe(result.output)
    usage = zt("no-such-command\x1b[2J")
    assert usage.exit_code == 2
    assert_terminal_safe(usage.output)


@pytest.mark.parametrize("text", ["plain", "\x1b[31mred", "a\r\nb", "\u202eabc"])
def test_safe_text_output_is_one_line(text: str) -> None:
    assert "\n" not in safe_text(text) and "\r" not in safe_text(text)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_finding_12_export_on_a_terminal_is_safe_and_still_imports_exactly(zt: Any, tmp_path: Any, fmt: str) -> None:
    name = "Evil\x1b[2J\u202e\u200b\x9b 中台"
    zt.ok("business", "create", "shop.evil", "--name", name)
    printed = zt.ok("export", "--format", fmt).output
    assert_terminal_safe(printed)
    document = tmp_path / f"printed.{fmt}"
    document.write_text(printed, encoding="utf-8")
    from zhongtai.core.documents import read_document

    assert {b["code"]: b["name"] for b in read_document(document)["businesses"]}["shop.evil"] == name


def test_finding_12_command_modules_print_only_through_the_terminal_safe_helpers() -> None:
    """Every command module (packages' too) prints through cli.output (echo, tables, JSON), never raw click.echo."""
    import inspect
    import sys

    from tests.security.test_fuzz_cli import leaf_commands

    modules = {command.callback.__module__ for _, command in leaf_commands(include_all=True) if command.callback}
    raw = []
    for name in sorted(modules):
        for number, line in enumerate(inspect.getsource(sys.modules[name]).splitlines(), 1):
            if "click.echo(" in line and "safe_text(" not in line:
                raw.append(f"{name}:{number}: {line.strip()}")
    assert not raw, "use zhongtai.core.cli.output.echo (terminal-safe): " + "; ".join(raw)
