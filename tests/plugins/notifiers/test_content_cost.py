"""Content control and cost: template registry, SMS signatures and accounts, segments, prices, budgets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from click.testing import CliRunner

from zhongtai.core import governance
from zhongtai.core.cli.main import cli
from zhongtai.core.errors import PermissionDenied, UserError
from zhongtai.plugins.notifiers import accounts, content, costs, outbox
from zhongtai.plugins.notifiers.channels.sms import fake_provider
from zhongtai.plugins.notifiers.segments import count_segments
from zhongtai.plugins.notifiers.worker import Worker
from zhongtai.sdk import Recipient

NOW = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai: no quiet hours in play
PHONE = Recipient(phone="13800138000")


# -- segments -----------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "encoding", "segments"), [
    ("", "GSM-7", 1),
    ("a" * 160, "GSM-7", 1),
    ("a" * 161, "GSM-7", 2),
    ("a" * 306, "GSM-7", 2),
    ("a" * 307, "GSM-7", 3),
    ("{" * 80, "GSM-7", 1),  # extension characters take two septets
    ("{" * 81, "GSM-7", 2),
    ("中" * 70, "UCS-2", 1),
    ("中" * 71, "UCS-2", 2),
    ("中" * 134, "UCS-2", 2),
    ("中" * 135, "UCS-2", 3),
    ("a" * 66 + "😀", "UCS-2", 1),  # 68 code units: one segment
    ("a" * 66 + "😀" + "a" * 3, "UCS-2", 2),
    ("a" * 66 + "😀" + "a" * 66, "UCS-2", 3),  # the emoji pair does not fit after 66 units of 67 ... and is never split
])
def test_segments_follow_gsm7_and_ucs2_limits(text, encoding, segments):
    counted = count_segments(text)
    assert (counted.encoding, counted.segments) == (encoding, segments)


# -- template registry ---------------------------------------------------------------------
@pytest.fixture
def governed(sqlite_url, make_platform):
    """shop (and shop.flagship) owned by team 'shop-team' (member carol); admin ann."""
    platform = make_platform(sqlite_url)
    platform.create_business("shop", owner="shop-team", actor="ann")
    platform.create_business("shop.flagship", actor="ann")
    governance.grant(platform.registry, "ann", "admin", actor="ann")
    governance.grant(platform.registry, "carol", "member", "shop-team", actor="ann")
    platform.enable("notifiers.sms", "shop", config={"provider": "fake", "fake_name": "content"}, actor="ann")
    fake_provider("content").clear()
    return platform


def test_templates_go_draft_approved_retired_by_the_right_people_and_are_audited(governed):
    platform = governed
    draft = content.draft_template(platform, "shop", "sale", kind="marketing", body="{{ name }}，冬季特卖",
                                   actor="carol")
    assert (draft.version, draft.status, draft.created_by) == (1, "draft", "carol")
    with pytest.raises(PermissionDenied, match="only a platform admin"):
        content.approve_template(platform, "shop", "sale", actor="carol")
    with pytest.raises(PermissionDenied):
        content.draft_template(platform, "shop", "x", kind="marketing", body="hi", actor="mallory")
    approved = content.approve_template(platform, "shop", "sale", actor="ann")
    assert (approved.status, approved.reviewed_by) == ("approved", "ann")

    content.draft_template(platform, "shop", "sale", kind="marketing", body="v2 {{ name }}", actor="carol")
    content.approve_template(platform, "shop", "sale", actor="ann")
    versions = {t.version: t.status for t in content.templates(platform, business="shop", name="sale")}
    assert versions == {1: "retired", 2: "approved"}

    result = outbox.send(platform, "shop.flagship", kind="marketing", recipient=PHONE, template="sale",
                         variables={"name": "张三"}, now=NOW)
    assert outbox.message(platform, result.id).body == "v2 张三"  # inherited from shop

    assert content.retire_template(platform, "shop", "sale", actor="ann") == 1
    actions = [e.action for e in platform.registry.audit("shop") if e.plugin == "notifiers"]
    assert actions == ["notify.template.retire", "notify.template.approve", "notify.template.draft",
                       "notify.template.approve", "notify.template.draft"]
    with pytest.raises(UserError, match="no template 'sale'"):
        outbox.send(platform, "shop", kind="marketing", recipient=PHONE, template="sale", variables={"name": "x"})


def test_in_production_marketing_goes_only_from_approved_templates(governed):
    platform = governed
    platform.enable("notifiers.templates", "shop", actor="ann",
                    config={"templates": {"cfg": {"kind": "marketing", "body": "free text"}}})
    content.draft_template(platform, "shop", "sale", kind="marketing", body="冬季特卖", actor="carol")
    governance.set_mode(platform.registry, "production", actor="ann")
    platform.refresh()

    with pytest.raises(UserError, match="only from approved templates, not a literal body"):
        outbox.send(platform, "shop", kind="marketing", recipient=PHONE, body="anything")
    with pytest.raises(UserError, match="'cfg' has no approved version"):
        outbox.send(platform, "shop", kind="marketing", recipient=PHONE, template="cfg")
    with pytest.raises(UserError, match="'sale' has no approved version"):  # a draft is not enough
        outbox.send(platform, "shop", kind="marketing", recipient=PHONE, template="sale")
    content.approve_template(platform, "shop", "sale", actor="ann")
    assert outbox.send(platform, "shop", kind="marketing", recipient=PHONE, template="sale").state == "pending"
    # notifications may still use a literal body
    assert outbox.send(platform, "shop", kind="notification", recipient=PHONE, body="order 42").state == "pending"


# -- SMS signature and provider accounts ---------------------------------------------------
def test_sms_carries_the_approved_signature_and_production_needs_signature_and_account(governed, monkeypatch):
    platform = governed
    with pytest.raises(UserError, match="bad SMS signature"):
        content.approve_signature(platform, "shop", "【x】", actor="ann")
    with pytest.raises(PermissionDenied):
        content.approve_signature(platform, "shop", "【小店】", actor="carol")
    outbox.send(platform, "shop.flagship", kind="notification", recipient=PHONE, body="no signature yet", now=NOW)
    Worker(platform, clock=lambda: NOW).run(once=True)
    content.approve_signature(platform, "shop", "小店", actor="ann")
    outbox.send(platform, "shop.flagship", kind="notification", recipient=PHONE, body="您的订单已发货", now=NOW)
    Worker(platform, clock=lambda: NOW).run(once=True)
    assert [m.text for m in fake_provider("content").sent] == ["no signature yet", "【小店】您的订单已发货"]

    governance.set_mode(platform.registry, "production", actor="ann")
    platform.refresh()
    blocked = outbox.send(platform, "shop", kind="notification", recipient=PHONE, body="x", now=NOW)
    Worker(platform, clock=lambda: NOW).run(once=True)
    info = outbox.message(platform, blocked.id)
    assert info.state == "dead" and "only through a platform provider account" in info.reason

    with pytest.raises(UserError, match="env:NAME"):
        accounts.add_account(platform, "sms-main", channel="sms", provider="fake", settings={}, secret="s3cr3t",
                             actor="ann")
    with pytest.raises(PermissionDenied):
        accounts.add_account(platform, "sms-main", channel="sms", provider="fake", settings={}, actor="carol")
    accounts.add_account(platform, "sms-main", channel="sms", provider="fake",
                         settings={"fake_name": "account"}, businesses=["shop"], actor="ann")
    governance.set_mode(platform.registry, "development", actor="ann")  # config changes go through admission in production
    platform.enable("notifiers.sms", "shop", config={"account": "sms-main"}, actor="ann")
    governance.set_mode(platform.registry, "production", actor="ann")
    platform.refresh()
    fake_provider("account").clear()
    sent = outbox.send(platform, "shop", kind="notification", recipient=PHONE, body="您好", now=NOW)
    Worker(platform, clock=lambda: NOW).run(once=True)
    assert outbox.message(platform, sent.id).state == "sent"
    assert [m.text for m in fake_provider("account").sent] == ["【小店】您好"]


def test_email_goes_through_a_platform_account_and_production_requires_one(governed, smtp, monkeypatch):
    from zhongtai.core import allowances

    inbox, port = smtp
    platform = governed
    allowances.allow(platform, "network", "127.0.0.1/32", "shop", actor="ann")  # the mail server is local
    monkeypatch.setenv("ZT_TEST_SMTP_PASSWORD", "not-used-by-the-test-server")
    accounts.add_account(platform, "mail-main", channel="email", provider="smtp", actor="ann",
                         settings={"host": "127.0.0.1", "port": port, "sender": "news@shop.example"})
    platform.enable("notifiers.email", "shop", config={"account": "mail-main"}, actor="ann")
    governance.set_mode(platform.registry, "production", actor="ann")
    platform.refresh()
    ann = Recipient(email="ann@example.com")
    sent = outbox.send(platform, "shop", kind="notification", recipient=ann, body="Your order shipped", now=NOW)
    Worker(platform, clock=lambda: NOW).run(once=True)
    assert outbox.message(platform, sent.id).state == "sent"
    assert [m["From"] for m in inbox.messages] == ["news@shop.example"]

    governance.set_mode(platform.registry, "development", actor="ann")
    platform.enable("notifiers.email", "shop", config={"account": "", "sender": "diy@shop.example", "host": "127.0.0.1",
                                                       "port": port}, actor="ann")
    governance.set_mode(platform.registry, "production", actor="ann")
    platform.refresh()
    blocked = outbox.send(platform, "shop", kind="notification", recipient=ann, body="x", now=NOW)
    Worker(platform, clock=lambda: NOW).run(once=True)
    info = outbox.message(platform, blocked.id)
    assert info.state == "dead" and "email goes only through a platform provider account" in info.reason
    assert len(inbox.messages) == 1


# -- prices and budgets ----------------------------------------------------------------------
def test_cost_is_estimated_and_budgets_hold_or_refuse_with_a_status_and_one_audit_row(governed):
    platform = governed
    with pytest.raises(PermissionDenied):
        costs.set_price(platform, "notifiers.sms", "0.05", actor="carol")
    costs.set_price(platform, "notifiers.sms", "0.05", actor="ann")
    costs.set_budget(platform, "shop", "notifiers.sms", "day", "0.25", over="hold", actor="ann")

    long_text = "中" * 71  # two UCS-2 segments: 0.10
    results = [outbox.send(platform, "shop.flagship", kind="notification", recipient=PHONE, body=long_text, now=NOW)
               for _ in range(3)]
    assert [r.state for r in results] == ["pending", "pending", "held"]
    assert "over budget: shop's daily notifiers.sms budget is 0.25 (spent 0.2" in results[2].reason
    assert outbox.message(platform, results[0].id).cost == Decimal("0.1")
    assert [s.amount for s in costs.spend(platform, "shop.flagship", at=NOW)] == [Decimal("0.2")]

    again = outbox.send(platform, "shop", kind="notification", recipient=PHONE, body=long_text, now=NOW)
    assert again.state == "held"
    exceeded = [e for e in platform.registry.audit("shop") if e.action == "notify.budget.exceeded"]
    assert len(exceeded) == 1 and exceeded[0].after["channel"] == "notifiers.sms"

    # the budget day is NOW's (in Shanghai), not the day the test happens to run on
    assert costs.release_held(platform, "shop", actor="ann", now=NOW) == (0, 2)
    costs.set_budget(platform, "shop", "notifiers.sms", "day", "0.35", over="refuse", actor="ann")
    assert costs.release_held(platform, "shop", actor="ann", now=NOW) == (1, 1)
    refused = outbox.send(platform, "shop", kind="notification", recipient=PHONE, body=long_text, now=NOW)
    assert refused.state == "refused" and "over budget" in refused.reason


def test_the_cli_manages_templates_prices_budgets_accounts_with_one_line_errors(governed, sqlite_url):
    def run(*args, actor="ann"):
        return CliRunner().invoke(cli, ["--database-url", sqlite_url, "--as", actor, "notify", *args])

    drafted = run("template", "draft", "promo", "-b", "shop", "--kind", "marketing", "--body", "hello {{ n }}",
                  actor="carol")
    assert drafted.exit_code == 0, drafted.output
    denied = run("template", "approve", "promo", "-b", "shop", actor="carol")
    assert denied.exit_code != 0 and "only a platform admin" in denied.output and "Traceback" not in denied.output
    assert run("template", "approve", "promo", "-b", "shop").exit_code == 0
    listed = run("template", "list", "-b", "shop")
    assert "promo" in listed.output and "approved" in listed.output
    assert run("signature", "approve", "【小店】", "-b", "shop").exit_code == 0
    assert run("price", "set", "notifiers.sms", "0.045").exit_code == 0
    bad = run("price", "set", "notifiers.sms", "cheap")
    assert bad.exit_code != 0 and "must be a decimal number" in bad.output and "Traceback" not in bad.output
    assert run("budget", "set", "-b", "shop", "--channel", "notifiers.sms", "--period", "month",
               "--limit", "100").exit_code == 0
    assert "notifiers.sms" in run("budget", "list", "-b", "shop").output
    added = run("account", "add", "sms-main", "--channel", "sms", "--provider", "http",
                "--setting", "url=https://sms.example.com/send", "--secret", "env:SMS_KEY")
    assert added.exit_code == 0, added.output
    assert "env:SMS_KEY" in run("account", "list").output
    assert run("budget", "release", "-b", "shop").exit_code == 0


def test_the_commands_in_the_docs_run_as_shown(sqlite_url, make_platform):
    import shlex
    from pathlib import Path

    page = (Path(__file__).resolve().parents[3] / "docs" / "notifiers.md").read_text(encoding="utf-8")
    block = page.split("## Content control and cost", 1)[1].split("```", 2)[1]
    commands = [shlex.split(line) for line in block.splitlines() if line.startswith("zhongtai ")]
    assert len(commands) >= 7
    make_platform(sqlite_url).create_business("shop")
    for command in commands:
        result = CliRunner().invoke(cli, ["--database-url", sqlite_url, *command[1:]])
        assert result.exit_code == 0, (command, result.output)
