"""Consent, quiet hours across time zones, rate limits, and templates."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from zhongtai.core.errors import ConfigError, UserError
from zhongtai.plugins.notifiers import outbox
from zhongtai.plugins.notifiers.channels.sms import fake_provider
from zhongtai.plugins.notifiers.policy import QuietHours
from zhongtai.plugins.notifiers.rendering import TemplateError
from zhongtai.plugins.notifiers.rules import release_time
from zhongtai.plugins.notifiers.worker import Worker
from zhongtai.sdk import Message, Recipient

from .conftest import Clock

# 14:00 UTC: 22:00 in Shanghai (UTC+8), 10:00 in New York (UTC-4 in June)
T0 = dt.datetime(2025, 6, 2, 14, 0, tzinfo=dt.UTC)
SHANGHAI = Recipient(phone="13800138000", timezone="Asia/Shanghai")
NEW_YORK = Recipient(phone="12125550123", timezone="America/New_York")


@pytest.fixture
def sms(shop):
    name = uuid.uuid4().hex
    shop.enable("notifiers.sms", "shop", config={"provider": "fake", "fake_name": name})
    return fake_provider(name)


@pytest.fixture
def sms_sqlite(shop_sqlite):
    name = uuid.uuid4().hex
    shop_sqlite.enable("notifiers.sms", "shop", config={"provider": "fake", "fake_name": name})
    return fake_provider(name)


def _deliver(platform, at):
    return Worker(platform, clock=lambda: at).run(once=True)


# -- consent -----------------------------------------------------------------------------
def test_opt_out_stops_marketing_only(shop, sms):
    assert outbox.opt_out(shop, "shop", "138 0013-8000").changed
    assert not outbox.opt_out(shop, "shop", "13800138000").changed  # same address, normalised
    promo = outbox.send(shop, "shop", kind="marketing", recipient=SHANGHAI, body="sale", now=T0)
    notice = outbox.send(shop, "shop", kind="notification", recipient=SHANGHAI, body="shipped", now=T0)
    code = outbox.send(shop, "shop", kind="verification", recipient=SHANGHAI, body="code 1", now=T0)
    other = outbox.send(shop, "shop", kind="marketing", recipient=NEW_YORK, body="sale", now=T0 + dt.timedelta(hours=2))
    assert promo.state == "suppressed" and promo.reason == "phone:13800138000 opted out of marketing from shop"
    _deliver(shop, T0 + dt.timedelta(hours=3))
    assert sorted(s.reference for s in sms.sent) == sorted([notice.id, code.id, other.id])


def test_opt_out_covers_sub_businesses_and_can_be_withdrawn(shop_sqlite, sms_sqlite):
    outbox.opt_out(shop_sqlite, "shop", "13800138000")
    sent = outbox.send(shop_sqlite, "shop.flagship", kind="marketing", recipient=SHANGHAI, body="x", now=T0)
    assert sent.state == "suppressed"
    assert outbox.opt_in(shop_sqlite, "shop", "13800138000").changed
    assert outbox.send(shop_sqlite, "shop.flagship", kind="marketing", recipient=NEW_YORK, body="x",
                       now=T0).state == "pending"


def test_opt_out_after_sending_is_still_honoured_at_delivery(shop, sms):
    promo = outbox.send(shop, "shop", kind="marketing", recipient=NEW_YORK, body="sale", now=T0)
    outbox.opt_out(shop, "shop", NEW_YORK.phone)
    assert _deliver(shop, T0).suppressed == 1
    assert outbox.message(shop, promo.id).state == "suppressed" and sms.sent == []


def test_direct_marketing_delivery_is_suppressed_by_the_channel_itself(shop_sqlite, sms_sqlite):
    outbox.opt_out(shop_sqlite, "shop", SHANGHAI.phone)
    message = Message(id="msg_direct", kind="marketing", recipient=SHANGHAI, body="sale")
    [result] = shop_sqlite.business("shop").call("notifiers.deliver", message=message)
    assert result.value.status == "suppressed" and sms_sqlite.sent == []


# -- quiet hours -------------------------------------------------------------------------
def test_quiet_hours_delay_marketing_in_the_recipients_time_zone(shop, sms):
    shop.enable("notifiers.policy", "shop", config={"quiet_hours": "21:00-08:00"})
    shanghai = outbox.send(shop, "shop", kind="marketing", recipient=SHANGHAI, body="sale", now=T0)
    new_york = outbox.send(shop, "shop", kind="marketing", recipient=NEW_YORK, body="sale", now=T0)
    code = outbox.send(shop, "shop", kind="verification", recipient=SHANGHAI, body="code", now=T0)

    assert shanghai.due_at == dt.datetime(2025, 6, 3, 0, 0, tzinfo=dt.UTC)  # 08:00 next day in Shanghai
    assert shanghai.reason == "deferred: quiet hours"
    assert new_york.due_at == T0 and code.due_at == T0

    clock = Clock(T0)
    worker = Worker(shop, clock=clock)
    assert worker.run(once=True).sent == 2
    assert sorted(s.reference for s in sms.sent) == sorted([new_york.id, code.id])
    clock.now = dt.datetime(2025, 6, 2, 23, 59, tzinfo=dt.UTC)
    assert worker.run(once=True).claimed == 0
    clock.now = shanghai.due_at
    assert worker.run(once=True).sent == 1
    assert outbox.message(shop, shanghai.id).state == "sent"


def test_marketing_that_comes_due_in_quiet_hours_waits_at_delivery(shop_sqlite, sms_sqlite):
    # sent before the business configured quiet hours: the worker still holds it back
    sent = outbox.send(shop_sqlite, "shop", kind="marketing", recipient=NEW_YORK, body="sale", now=T0)
    shop_sqlite.enable("notifiers.policy", "shop", config={"quiet_hours": "09:00-11:00"})
    assert _deliver(shop_sqlite, T0).deferred == 1
    info = outbox.message(shop_sqlite, sent.id)
    assert info.due_at == dt.datetime(2025, 6, 2, 15, 0, tzinfo=dt.UTC) and info.attempts == 0
    assert sms_sqlite.sent == []


def test_release_time_across_midnight_and_dst():
    quiet = QuietHours.parse("22:00-07:30")
    assert quiet is not None
    early = dt.datetime(2025, 1, 10, 20, 0, tzinfo=dt.UTC)  # 04:00 Shanghai
    assert release_time(early, "Asia/Shanghai", quiet) == dt.datetime(2025, 1, 10, 23, 30, tzinfo=dt.UTC)
    # New York, night of the spring-forward change (2025-03-09): 07:30 EDT is 11:30 UTC
    night = dt.datetime(2025, 3, 9, 5, 0, tzinfo=dt.UTC)  # 00:00 EST
    assert release_time(night, "America/New_York", quiet) == dt.datetime(2025, 3, 9, 11, 30, tzinfo=dt.UTC)
    noon = dt.datetime(2025, 1, 10, 4, 0, tzinfo=dt.UTC)
    assert release_time(noon, "Asia/Shanghai", quiet) == noon


def test_quiet_hours_config_is_validated(shop_sqlite):
    for bad in ("21:00", "25:00-08:00", "08:00-08:00"):
        with pytest.raises(ConfigError, match="quiet_hours"):
            shop_sqlite.enable("notifiers.policy", "shop", config={"quiet_hours": bad})


# -- rate limits -------------------------------------------------------------------------
def test_recipient_rate_limit_defers_to_the_next_window(shop, sms):
    shop.enable("notifiers.policy", "shop", config={
        "rate_limits": [{"per": "recipient", "limit": 2, "window_seconds": 3600}]})
    results = [outbox.send(shop, "shop", kind="notification", recipient=NEW_YORK, body=f"n{i}", now=T0)
               for i in range(5)]
    hour = dt.timedelta(hours=1)
    assert [r.due_at for r in results] == [T0, T0, T0 + hour, T0 + hour, T0 + 2 * hour]
    assert all(r.state == "pending" for r in results)
    assert results[2].reason.startswith("deferred: rate limit: 2 per 3600 s per recipient")
    assert outbox.send(shop, "shop", kind="notification", recipient=SHANGHAI, body="x", now=T0).due_at == T0
    assert _deliver(shop, T0).sent == 3
    assert _deliver(shop, T0 + 2 * hour).sent == 3


def test_rate_limit_refuses_verification_and_when_told_to_refuse(shop_sqlite):
    shop_sqlite.enable("notifiers.policy", "shop", config={
        "over_limit": "refuse",
        "rate_limits": [{"per": "recipient", "limit": 1, "window_seconds": 60, "kinds": ["verification"]},
                        {"per": "business", "limit": 3, "window_seconds": 60, "kinds": ["marketing"]}]})
    first = outbox.send(shop_sqlite, "shop", kind="verification", recipient=SHANGHAI, body="c1", now=T0)
    second = outbox.send(shop_sqlite, "shop", kind="verification", recipient=SHANGHAI, body="c2", now=T0)
    assert first.state == "pending"
    assert second.state == "refused" and "1 per 60 s per recipient" in second.reason
    promos = [outbox.send(shop_sqlite, "shop", kind="marketing", recipient=Recipient(phone=f"1380000000{i}"),
                          body="sale", now=T0) for i in range(4)]
    assert [p.state for p in promos] == ["pending", "pending", "pending", "refused"]
    assert "per business" in promos[3].reason
    states = {(c.kind, c.state): c.count for c in outbox.counts(shop_sqlite, business="shop")}
    assert states == {("verification", "pending"): 1, ("verification", "refused"): 1,
                      ("marketing", "pending"): 3, ("marketing", "refused"): 1}
    later = T0 + dt.timedelta(seconds=60)
    assert outbox.send(shop_sqlite, "shop", kind="verification", recipient=SHANGHAI, body="c3",
                       now=later).state == "pending"


def test_duplicates_and_refusals_do_not_use_up_the_limit(shop_sqlite):
    shop_sqlite.enable("notifiers.policy", "shop", config={
        "over_limit": "refuse", "rate_limits": [{"per": "recipient", "limit": 2, "window_seconds": 60}]})
    for _ in range(3):
        outbox.send(shop_sqlite, "shop", kind="notification", recipient=SHANGHAI, body="x", idempotency_key="k",
                    now=T0)
    assert outbox.send(shop_sqlite, "shop", kind="notification", recipient=SHANGHAI, body="y", now=T0).state \
        == "pending"
    assert outbox.send(shop_sqlite, "shop", kind="notification", recipient=SHANGHAI, body="z", now=T0).state \
        == "refused"


# -- templates ---------------------------------------------------------------------------
TEMPLATES = {
    "welcome": {"kind": "notification", "subject": "Welcome {{ name }}", "body": "Hi {{ name }}, welcome to Shop."},
    "code": {"kind": "verification", "body": "Your code is {{ code }}."},
}


def test_templates_are_inherited_per_template_and_rendered(shop, sms):
    shop.enable("notifiers.templates", "shop", config={"templates": TEMPLATES})
    shop.enable("notifiers.templates", "shop.flagship", config={"templates": {
        "welcome": {"kind": "notification", "body": "Flagship says hi, {{ name }}!"}}})
    outbox.send(shop, "shop.flagship", kind="notification", recipient=NEW_YORK, template="welcome",
                variables={"name": "Ann"}, now=T0)
    outbox.send(shop, "shop.flagship", kind="verification", recipient=NEW_YORK, template="code",
                variables={"code": "246810"}, now=T0)
    outbox.send(shop, "shop", kind="notification", recipient=NEW_YORK, template="welcome",
                variables={"name": "Bo"}, now=T0)
    _deliver(shop, T0)
    assert sorted(s.text for s in sms.sent) == ["Flagship says hi, Ann!", "Hi Bo, welcome to Shop.",
                                                 "Your code is 246810."]
    [welcome] = [m for m in outbox.messages(shop, business="shop") if m.business == "shop"]
    assert welcome.subject == "Welcome Bo"


def test_template_errors_are_clear_and_write_nothing(shop_sqlite):
    shop_sqlite.enable("notifiers.templates", "shop", config={"templates": {
        **TEMPLATES, "nosy": {"body": "{{ ''.__class__.__mro__ }}"}}})
    with pytest.raises(TemplateError, match=r"template 'welcome': missing variable \('name' is undefined\)"):
        outbox.send(shop_sqlite, "shop", kind="notification", recipient=SHANGHAI, template="welcome")
    with pytest.raises(UserError, match="is for verification messages, not marketing"):
        outbox.send(shop_sqlite, "shop", kind="marketing", recipient=SHANGHAI, template="code",
                    variables={"code": "1"})
    with pytest.raises(TemplateError, match="sandbox"):
        outbox.send(shop_sqlite, "shop", kind="notification", recipient=SHANGHAI, template="nosy")
    with pytest.raises(UserError, match="template or a body, not both"):
        outbox.send(shop_sqlite, "shop", kind="notification", recipient=SHANGHAI, template="welcome", body="x")
    assert outbox.counts(shop_sqlite) == []


def test_template_syntax_errors_are_refused_when_enabling(shop_sqlite):
    with pytest.raises(ConfigError, match="syntax error"):
        shop_sqlite.enable("notifiers.templates", "shop", config={"templates": {"bad": {"body": "{{ oops"}}})
