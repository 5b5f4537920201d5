"""The outbox and the webhook channel, end to end against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from zhongtai.core.errors import ConfigError, NotFound, UserError
from zhongtai.plugins.notifiers import outbox
from zhongtai.plugins.notifiers.signing import SignatureError, sign_webhook, verify_webhook
from zhongtai.plugins.notifiers.worker import RetryPolicy, Worker
from zhongtai.sdk import Recipient

from .conftest import SECRET, Clock

T0 = dt.datetime(2025, 3, 1, 6, 0, tzinfo=dt.UTC)


def test_signature_matches_the_standard_webhooks_vector(vectors):
    v = vectors["standard_webhooks_signature"]
    assert sign_webhook(v["secret"], v["msg_id"], v["timestamp"], v["payload"]) == v["signature"]
    headers = {"Webhook-Id": v["msg_id"], "Webhook-Timestamp": str(v["timestamp"]),
               "Webhook-Signature": f"v1,bm90LXRoaXM= {v['signature']}"}
    assert verify_webhook(v["secret"], headers, v["payload"], now=v["timestamp"] + 10) == v["msg_id"]


def test_verification_refuses_tampering_and_replays(vectors):
    v = vectors["standard_webhooks_signature"]
    headers = {"webhook-id": v["msg_id"], "webhook-timestamp": str(v["timestamp"]),
               "webhook-signature": v["signature"]}
    with pytest.raises(SignatureError, match="no webhook signature matches"):
        verify_webhook(v["secret"], headers, v["payload"].replace("2432", "2433"), now=v["timestamp"])
    with pytest.raises(SignatureError, match="outside the tolerance"):
        verify_webhook(v["secret"], headers, v["payload"], now=v["timestamp"] + 3600)
    with pytest.raises(SignatureError, match="missing"):
        verify_webhook(v["secret"], {}, v["payload"], now=v["timestamp"])


def _enable_webhook(platform, business="shop", **extra):
    platform.enable("notifiers.webhook", business, config={"secret": SECRET, "timeout_seconds": 5, **extra})


def test_sent_message_reaches_the_webhook_signed_and_is_recorded(shop, sink):
    _enable_webhook(shop)
    shop.enable("notifiers.templates", "shop", config={"templates": {"shipped": {
        "kind": "notification", "subject": "Order shipped", "body": "Your order {{ order }} is on its way."}}})
    result = outbox.send(shop, "shop", kind="notification", recipient=Recipient(webhook=sink.url),
                         template="shipped", variables={"order": 42}, now=T0)
    assert result.state == "pending" and result.id.startswith("msg_") and not result.duplicate

    stats = Worker(shop, clock=lambda: T0).run(once=True)

    assert (stats.claimed, stats.sent) == (1, 1)
    [got] = sink.received
    assert got.verified == result.id and got.error is None
    assert got.headers["webhook-id"] == result.id
    payload = json.loads(got.body)
    assert payload["type"] == "message.notification"
    assert payload["data"]["body"] == "Your order 42 is on its way."
    info = outbox.message(shop, result.id)
    assert info.state == "sent" and info.attempts == 1
    assert [(a.channel, a.status) for a in info.history] == [("notifiers.webhook", "sent")]
    assert info.history[0].provider_response == "200 OK"  # the status, never the receiver's body


def test_idempotency_key_sends_once_however_often_submitted(shop, sink):
    _enable_webhook(shop)
    first = outbox.send(shop, "shop", kind="notification", recipient=Recipient(webhook=sink.url),
                        body="hello", idempotency_key="order-42-shipped", now=T0)
    repeats = [outbox.send(shop, "shop", kind="notification", recipient=Recipient(webhook=sink.url),
                           body="hello", idempotency_key="order-42-shipped", now=T0) for _ in range(3)]
    assert {r.id for r in repeats} == {first.id} and all(r.duplicate for r in repeats)
    other = outbox.send(shop, "shop.flagship", kind="notification", recipient=Recipient(webhook=sink.url),
                        body="hello", idempotency_key="order-42-shipped", now=T0)
    assert other.id != first.id  # keys are per business

    Worker(shop, clock=lambda: T0).run(once=True)
    Worker(shop, clock=lambda: T0).run(once=True)
    assert sorted(sink.ids()) == sorted([first.id, other.id])


def test_failing_receiver_is_retried_with_backoff_then_delivered(shop, sink):
    _enable_webhook(shop)
    sink.fail_next = 2
    clock = Clock(T0)
    worker = Worker(shop, clock=clock, retry=RetryPolicy(max_attempts=5, base_seconds=10, cap_seconds=600),
                    rng=random.Random(7))
    sent = outbox.send(shop, "shop", kind="notification", recipient=Recipient(webhook=sink.url), body="x", now=T0)

    assert worker.run_batch().retried == 1
    first = outbox.message(shop, sent.id)
    assert first.state == "pending" and "HTTP 503" in first.reason
    assert T0 + dt.timedelta(seconds=5) <= first.due_at <= T0 + dt.timedelta(seconds=10)
    assert worker.run_batch().claimed == 0  # not due yet: backoff is honoured

    clock.now = first.due_at
    assert worker.run_batch().retried == 1
    second = outbox.message(shop, sent.id)
    assert dt.timedelta(seconds=10) <= second.due_at - clock.now <= dt.timedelta(seconds=20)

    clock.now = second.due_at
    assert worker.run_batch().sent == 1
    final = outbox.message(shop, sent.id)
    assert final.state == "sent" and final.attempts == 3
    assert [a.status for a in final.history] == ["failed", "failed", "sent"]
    assert sink.ids() == [sent.id]


def test_receiver_failing_past_the_limit_makes_the_message_dead_with_the_reason(shop, sink):
    _enable_webhook(shop)
    sink.fail_next = 100
    clock = Clock(T0)
    worker = Worker(shop, clock=clock, retry=RetryPolicy(max_attempts=3, base_seconds=1, cap_seconds=1))
    sent = outbox.send(shop, "shop", kind="notification", recipient=Recipient(webhook=sink.url), body="x", now=T0)
    for _ in range(3):
        worker.run_batch()
        clock.advance(2)
    info = outbox.message(shop, sent.id)
    assert info.state == "dead" and info.attempts == 3
    assert info.reason.startswith("gave up after 3 attempts") and "HTTP 503" in info.reason
    assert worker.run_batch().claimed == 0
    assert sink.arrived == 3


def test_a_4xx_answer_is_final(shop, sink):
    _enable_webhook(shop)
    sink.fail_next, sink.fail_status = 1, 404
    sent = outbox.send(shop, "shop", kind="notification", recipient=Recipient(webhook=sink.url), body="x", now=T0)
    assert Worker(shop, clock=lambda: T0).run_batch().dead == 1
    assert outbox.message(shop, sent.id).reason.startswith("permanent failure: notifiers.webhook: HTTP 404")


def test_bad_input_is_one_clear_error_and_writes_nothing(shop_sqlite, sink):
    shop = shop_sqlite
    _enable_webhook(shop)
    cases = [
        (dict(kind="spam", recipient=Recipient(webhook=sink.url), body="x"), "unknown message kind"),
        (dict(kind="notification", recipient=Recipient(), body="x"), "no address"),
        (dict(kind="notification", recipient=Recipient(webhook="ftp://x"), body="x"), "invalid webhook"),
        (dict(kind="notification", recipient=Recipient(webhook=sink.url, timezone="Mars/Base"), body="x"),
         "unknown time zone"),
        (dict(kind="notification", recipient=Recipient(webhook=sink.url)), "needs a template or a body"),
        (dict(kind="notification", recipient=Recipient(webhook=sink.url), template="nope"), "no template"),
        (dict(kind="notification", recipient=Recipient(webhook=sink.url), body="x",
              send_after=dt.datetime(2025, 1, 1)), "timezone-aware"),
    ]
    for kwargs, message in cases:
        with pytest.raises(UserError, match=message):
            outbox.send(shop, "shop", **kwargs)
    with pytest.raises(NotFound, match="unknown business"):
        outbox.send(shop, "nope", kind="notification", recipient=Recipient(webhook=sink.url), body="x")
    assert outbox.counts(shop) == []


def test_webhook_secret_must_be_a_whsec_secret(shop_sqlite):
    with pytest.raises(ConfigError, match="whsec_"):
        shop_sqlite.enable("notifiers.webhook", "shop", config={"secret": "whsec_!!not base64!!"})


def test_suspended_business_cannot_send_and_its_queued_messages_wait(shop_sqlite, sink):
    shop = shop_sqlite
    _enable_webhook(shop)
    queued = outbox.send(shop, "shop.flagship", kind="notification", recipient=Recipient(webhook=sink.url),
                         body="x", now=T0)
    shop.set_status("shop", "suspended")
    with pytest.raises(UserError, match="suspended"):
        outbox.send(shop, "shop.flagship", kind="notification", recipient=Recipient(webhook=sink.url), body="y")
    stats = Worker(shop, clock=lambda: T0).run_batch()
    assert stats.deferred == 1 and sink.received == []
    info = outbox.message(shop, queued.id)
    assert info.state == "pending" and info.attempts == 0 and "suspended" in info.reason


def test_concurrent_submissions_of_one_key_write_one_message(shop, sink):
    from concurrent.futures import ThreadPoolExecutor

    _enable_webhook(shop)
    outbox.send(shop, "shop", kind="notification", recipient=Recipient(webhook=sink.url), body="warm-up", now=T0)

    def submit(_: int) -> str:
        return outbox.send(shop, "shop", kind="notification", recipient=Recipient(webhook=sink.url), body="x",
                           idempotency_key="race", now=T0).id

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = set(pool.map(submit, range(12)))
    assert len(ids) == 1
    assert sum(c.count for c in outbox.counts(shop)) == 2


def test_send_many_validates_everything_first_then_accepts_in_order(shop, sink):
    _enable_webhook(shop)
    ok = outbox.Outgoing(kind="notification", recipient=Recipient(webhook=sink.url), body="x")
    bad = outbox.Outgoing(kind="notification", recipient=Recipient(phone="12"), body="x")
    with pytest.raises(UserError, match="message 2: invalid phone number"):
        outbox.send_many(shop, "shop", [ok, ok, bad, ok], now=T0)
    assert outbox.counts(shop) == []

    batch = [outbox.Outgoing(kind="notification", recipient=Recipient(webhook=sink.url), body=f"m{i}",
                             idempotency_key=f"campaign-1:{i % 5}") for i in range(8)]
    results = outbox.send_many(shop, "shop", batch, now=T0, chunk_size=3)
    assert [r.duplicate for r in results] == [False] * 5 + [True] * 3
    assert [r.id for r in results[5:]] == [r.id for r in results[:3]]
    again = outbox.send_many(shop, "shop", batch, now=T0)  # a retry after a failure is safe
    assert [r.id for r in again] == [r.id for r in results] and all(r.duplicate for r in again)
    assert Worker(shop, clock=lambda: T0).run(once=True).sent == 5
    assert sorted(sink.ids()) == sorted(r.id for r in results[:5])


def test_deliver_now_sends_one_message_at_once_and_leaves_the_rest(shop_sqlite, sink):
    from zhongtai.plugins.notifiers.worker import deliver_now

    _enable_webhook(shop_sqlite)
    other = outbox.send(shop_sqlite, "shop", kind="notification", recipient=Recipient(webhook=sink.url), body="later")
    code = outbox.send(shop_sqlite, "shop", kind="verification", recipient=Recipient(webhook=sink.url),
                       body="code 123456", idempotency_key="login:u1:1")
    assert deliver_now(shop_sqlite, code.id).sent == 1
    assert deliver_now(shop_sqlite, code.id).claimed == 0  # already sent: nothing happens
    assert sink.ids() == [code.id]
    assert outbox.message(shop_sqlite, other.id).state == "pending"
