"""Email (real SMTP server), SMS (fake provider and HTTP gateway adapter), inbox, and channel isolation."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
import uuid

import pytest

from zhongtai.core.errors import ConfigError
from zhongtai.plugins.notifiers import outbox
from zhongtai.plugins.notifiers.channels.inbox import inbox, mark_read
from zhongtai.plugins.notifiers.channels.sms import fake_provider
from zhongtai.plugins.notifiers.signing import SignatureError, verify_unsubscribe_token
from zhongtai.plugins.notifiers.worker import RetryPolicy, Worker
from zhongtai.sdk import Delivery, Message, Recipient, hookimpl

from .conftest import SECRET, Clock

T0 = dt.datetime(2025, 3, 1, 6, 0, tzinfo=dt.UTC)  # 14:00 in Shanghai
UNSUBSCRIBE_SECRET = "unsubscribe-secret-for-tests"


def _email(platform, port, business="shop"):
    platform.enable("notifiers.email", business,
                    config={"sender": "news@shop.example", "host": "127.0.0.1", "port": port, "timeout_seconds": 5})


def _policy(platform, business="shop", **config):
    base = {"unsubscribe_url": "https://shop.example/unsubscribe", "unsubscribe_secret": UNSUBSCRIBE_SECRET}
    platform.enable("notifiers.policy", business, config={**base, **config})


def _sms(platform, business="shop"):
    name = uuid.uuid4().hex
    platform.enable("notifiers.sms", business, config={"provider": "fake", "fake_name": name})
    return fake_provider(name)


def test_notification_email_arrives_over_smtp_without_unsubscribe_headers(shop_sqlite, smtp):
    received, port = smtp
    _email(shop_sqlite, port)
    sent = outbox.send(shop_sqlite, "shop", kind="notification", recipient=Recipient(email="Ann@Example.com"),
                       subject="Your receipt", body="Thanks for your order.", now=T0)
    assert Worker(shop_sqlite, clock=lambda: T0).run(once=True).sent == 1
    [mail] = received.messages
    assert mail["To"] == "ann@example.com" and mail["Subject"] == "Your receipt"
    assert mail["Message-ID"] == f"<{sent.id}@shop.example>"
    assert mail.get_content().strip() == "Thanks for your order."
    assert mail["List-Unsubscribe"] is None


def test_marketing_email_carries_a_signed_one_click_unsubscribe_that_works(shop, smtp):
    received, port = smtp
    _email(shop, port)
    _policy(shop)
    outbox.send(shop, "shop", kind="marketing", recipient=Recipient(email="ann@example.com"),
                subject="Spring sale", body="20% off", now=T0)
    Worker(shop, clock=lambda: T0).run(once=True)
    [mail] = received.messages
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://shop.example/unsubscribe?token=")
    token = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["token"][0]
    claim = verify_unsubscribe_token(UNSUBSCRIBE_SECRET, token)
    assert (claim.business, claim.address) == ("shop", "email:ann@example.com")
    with pytest.raises(SignatureError):
        outbox.unsubscribe(shop, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))

    assert outbox.unsubscribe(shop, token).changed
    again = outbox.send(shop, "shop", kind="marketing", recipient=Recipient(email="ANN@example.com"),
                        body="30% off", now=T0)
    assert again.state == "suppressed" and "opted out" in again.reason


def test_marketing_email_without_an_unsubscribe_link_is_refused_not_sent(shop_sqlite, smtp):
    received, port = smtp
    _email(shop_sqlite, port)
    sent = outbox.send(shop_sqlite, "shop", kind="marketing", recipient=Recipient(email="ann@example.com"),
                       body="sale", now=T0)
    assert Worker(shop_sqlite, clock=lambda: T0).run_batch().dead == 1
    assert "needs unsubscribe_url" in outbox.message(shop_sqlite, sent.id).reason
    assert received.messages == []


def test_smtp_temporary_rejection_is_retried(shop_sqlite, smtp):
    received, port = smtp
    _email(shop_sqlite, port)
    received.reject_next = 1
    clock = Clock(T0)
    worker = Worker(shop_sqlite, clock=clock, retry=RetryPolicy(base_seconds=1, cap_seconds=1))
    sent = outbox.send(shop_sqlite, "shop", kind="notification", recipient=Recipient(email="a@b.example"),
                       body="x", now=T0)
    assert worker.run_batch().retried == 1
    assert "SMTP 451" in outbox.message(shop_sqlite, sent.id).reason
    clock.advance(5)
    assert worker.run_batch().sent == 1
    assert len(received.messages) == 1


def test_marketing_sms_carries_the_business_opt_out_text(shop_sqlite):
    fake = _sms(shop_sqlite)
    _policy(shop_sqlite, sms_opt_out_text="回复TD退订")
    outbox.send(shop_sqlite, "shop", kind="marketing", recipient=Recipient(phone="+86 138-0013-8000"),
                body="Spring sale!", now=T0)
    code = outbox.send(shop_sqlite, "shop", kind="verification", recipient=Recipient(phone="+8613800138000"),
                       body="Your code is 123456", now=T0)
    Worker(shop_sqlite, clock=lambda: T0).run(once=True)
    texts = {sms.reference: sms.text for sms in fake.sent}
    assert texts[code.id] == "Your code is 123456"
    assert sorted(texts.values()) == ["Spring sale! 回复TD退订", "Your code is 123456"]
    assert {sms.phone for sms in fake.sent} == {"+8613800138000"}


def test_sms_through_the_http_gateway_adapter(shop_sqlite, sink):
    shop_sqlite.enable("notifiers.sms", "shop", config={
        "provider": "http", "gateway_url": sink.url, "api_key": "k-123", "sender": "SHOP"})
    sent = outbox.send(shop_sqlite, "shop", kind="notification", recipient=Recipient(phone="13800138000"),
                       body="Parcel arrives today", now=T0)
    assert Worker(shop_sqlite, clock=lambda: T0).run(once=True).sent == 1
    [request] = sink.received
    assert request.headers["authorization"] == "Bearer k-123"
    assert json.loads(request.body) == {"to": "13800138000", "text": "Parcel arrives today",
                                        "reference": sent.id, "sender": "SHOP"}


def test_http_gateway_needs_a_url():
    from zhongtai.core.config import build_config
    from zhongtai.plugins.notifiers.channels.sms import SmsConfig

    with pytest.raises(ConfigError, match="gateway_url"):
        build_config(SmsConfig, {"provider": "http"}, plugin="notifiers.sms")


def test_inbox_keeps_each_message_once_and_tracks_reading(shop):
    shop.enable("notifiers.inbox", "shop")
    sent = outbox.send(shop, "shop", kind="notification", recipient=Recipient(user_id="u-7"),
                       subject="Welcome", body="Hello!", now=T0)
    Worker(shop, clock=lambda: T0).run(once=True)
    message = Message(id=sent.id, kind="notification", recipient=Recipient(user_id="u-7"), body="Hello!",
                      subject="Welcome")
    [again] = shop.business("shop").call("notifiers.deliver", message=message)  # a repeat delivery
    assert again.value.provider_response == "already in the inbox"
    [item] = inbox(shop, "shop", "u-7")
    assert (item.message_id, item.subject, item.body, item.read_at) == (sent.id, "Welcome", "Hello!", None)
    assert mark_read(shop, "shop", "u-7", [item.id]) == 1
    assert inbox(shop, "shop", "u-7", unread_only=True) == []


class Exploding:
    @hookimpl
    def notifiers_deliver(self, message, context):  # type: ignore[no-untyped-def]
        raise RuntimeError("provider SDK crashed")


def test_one_failing_channel_never_stops_the_others_and_a_retry_repeats_only_it(shop_sqlite, sink):
    shop = shop_sqlite
    fake = _sms(shop)
    shop.enable("notifiers.inbox", "shop")
    shop.enable("notifiers.webhook", "shop", config={"secret": SECRET})
    shop.add_plugin(Exploding(), "custom.exploding")
    shop.enable("custom.exploding", "shop.flagship")
    sink.fail_next = 1
    clock = Clock(T0)
    worker = Worker(shop, clock=clock, retry=RetryPolicy(max_attempts=2, base_seconds=1, cap_seconds=1))
    everyone = Recipient(phone="13800138000", webhook=sink.url, user_id="u-1")
    sent = outbox.send(shop, "shop.flagship", kind="notification", recipient=everyone, body="hi", now=T0)

    assert worker.run_batch().retried == 1
    first = outbox.message(shop, sent.id)
    assert {(a.channel, a.status) for a in first.history} == {
        ("notifiers.sms", "sent"), ("notifiers.inbox", "sent"), ("notifiers.webhook", "failed"),
        ("custom.exploding", "failed")}
    assert "RuntimeError: provider SDK crashed" in first.reason and "HTTP 503" in first.reason

    clock.advance(5)
    worker.run_batch()
    final = outbox.message(shop, sent.id)
    retried = {a.channel for a in final.history[len(first.history):]}
    assert retried == {"notifiers.webhook", "custom.exploding"}  # sms and inbox are not repeated
    assert final.state == "dead" and "custom.exploding" in final.reason and "webhook" not in final.reason
    assert len(fake.sent) == 1 and sink.ids() == [sent.id] and len(inbox(shop, "shop.flagship", "u-1")) == 1


def test_direct_delivery_call_for_verification_codes(shop_sqlite):
    fake = _sms(shop_sqlite)
    message = Message(id="msg_direct1", kind="verification", recipient=Recipient(phone="13800138000"),
                      body="Code 654321")
    result = shop_sqlite.business("shop").call("notifiers.deliver", message=message)
    assert [(c.plugin, c.value.status) for c in result] == [("notifiers.sms", "sent")]
    assert [(s.reference, s.text) for s in fake.sent] == [("msg_direct1", "Code 654321")]


def test_a_message_no_channel_can_reach_is_dead_with_the_reason(shop_sqlite):
    _sms(shop_sqlite)
    sent = outbox.send(shop_sqlite, "shop", kind="notification", recipient=Recipient(email="a@b.example"),
                       body="x", now=T0)
    assert Worker(shop_sqlite, clock=lambda: T0).run_batch().dead == 1
    assert outbox.message(shop_sqlite, sent.id).reason == "no enabled channel can reach this recipient"


class Custom:
    @hookimpl
    def notifiers_deliver(self, message, context):  # type: ignore[no-untyped-def]
        return Delivery(context.plugin, "sent", provider_response=f"pigeon for {message.recipient.user_id}")


def test_a_business_may_add_its_own_channel(shop_sqlite):
    shop_sqlite.add_plugin(Custom(), "shop.pigeon")
    shop_sqlite.enable("shop.pigeon", "shop")
    sent = outbox.send(shop_sqlite, "shop", kind="notification", recipient=Recipient(user_id="u"), body="x", now=T0)
    Worker(shop_sqlite, clock=lambda: T0).run(once=True)
    [attempt] = outbox.message(shop_sqlite, sent.id).history
    assert (attempt.channel, attempt.status, attempt.provider_response) == ("shop.pigeon", "sent", "pigeon for u")
