"""Finding 2 (outbound requests reach internal addresses, answers come back, anything gets signed)
and finding 13 (header/URL injection accepted as pending): the channels go through the one guard."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest

from tests.helpers.receivers import TOKEN
from zhongtai.core.specs.notifiers import Message, Recipient
from zhongtai.plugins.notifiers.models import AttemptRow, OutboxRow, engine_of

from .conftest import ADMIN, MEMBER, OUTSIDER, Actors

WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ALLOW = ("access", "network", "allow", "127.0.0.1/32", "--business", "edu")


def _stored_text(platform: Any) -> str:
    """Every outbox and attempt row, as text (what `notify status` could ever show)."""
    from sqlalchemy import select

    with engine_of(platform).connect() as connection:
        rows = [*connection.execute(select(OutboxRow)), *connection.execute(select(AttemptRow))]
    return "\n".join(repr(tuple(r)) for r in rows)


def _deliver_direct(zt: Actors, actor: str, url: str, **extra: Any) -> dict[str, Any]:
    message = {"id": "msg_forged", "kind": "notification", "recipient": {"webhook": url}, "body": "caller text",
               **extra}
    done = zt.ok(actor, "call", "notifiers.deliver", "-b", "edu", "--input", json.dumps({"message": message}),
                 "--json")
    [value] = [r["value"] for r in json.loads(done.stdout)["result"] if r["plugin"] == "notifiers.webhook"]
    return dict(value)


def test_finding_02_outbound_requests_to_internal_addresses_are_refused(governed: tuple[Any, Actors],
                                                                        receiver: Any) -> None:
    platform, zt = governed
    zt.ok(MEMBER, "plugins", "enable", "notifiers.webhook", "-b", "edu", "--set", f"secret={WHSEC}")
    # a direct delivery call to loopback: refused before connecting
    refused = _deliver_direct(zt, OUTSIDER, receiver.url)
    assert refused["status"] == "failed" and "refused to connect to 127.0.0.1: a loopback address" in refused["detail"]
    assert "zhongtai access network allow 127.0.0.1/32 --business edu" in refused["detail"]
    for url in (f"http://localhost:{receiver.port}/x", f"http://2130706433:{receiver.port}/x",
                f"http://0177.0.0.1:{receiver.port}/x", f"http://[::ffff:127.0.0.1]:{receiver.port}/x",
                "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://10.0.0.1/",
                "http://100.100.100.200/"):
        assert "refused to connect" in _deliver_direct(zt, OUTSIDER, url)["detail"], url
    # the outbox route: the worker refuses too, finally (no retries), and records no answer
    zt.ok(MEMBER, "notify", "send", "-b", "edu", "--kind", "notification", "--webhook", receiver.url, "--body", "x")
    zt.ok(MEMBER, "notify", "worker", "--once", "--quiet")
    assert receiver.requests == []
    status = zt.ok(OUTSIDER, "notify", "status", "--state", "dead", "--messages", "--json").stdout
    assert "a loopback address" in status

    # only a platform admin may open the way, audited
    zt.refused(MEMBER, *ALLOW, match="only a platform admin may")
    zt.refused(ADMIN, "access", "network", "allow", "10.0.0.1/8", "--business", "edu", match="host bits set")
    zt.ok(ADMIN, *ALLOW)
    audit = json.loads(zt.ok(ADMIN, "audit", "--limit", "1", "--json").stdout)[0]
    assert (audit["action"], audit["business"], audit["after"]) == ("access.network.allow", "edu",
                                                                    {"network": "127.0.0.1/32"})
    sent = _deliver_direct(zt, OUTSIDER, receiver.url, template="welcome")
    assert (sent["status"], sent["provider_response"]) == ("sent", "200 OK")  # the status, never the body
    # a caller's text to a caller's URL is never signed with the business's key (even claiming a template)
    (_, headers, body) = receiver.requests[-1]
    assert b"caller text" in body and not any(h.startswith("webhook-") for h in headers)

    zt.ok(MEMBER, "notify", "send", "-b", "edu", "--kind", "notification", "--webhook", receiver.url, "--body", "y")
    done = zt.ok(MEMBER, "notify", "worker", "--once")
    assert TOKEN not in done.output
    for message in json.loads(zt.ok(OUTSIDER, "notify", "status", "--messages", "--json").stdout):
        shown = zt.ok(OUTSIDER, "notify", "status", "--id", message["id"]).output
        assert TOKEN not in shown and "\x1b" not in shown
    assert TOKEN not in _stored_text(platform) and "forged" not in _stored_text(platform)
    # another business does not inherit edu's allowance
    zt.ok(OUTSIDER, "plugins", "enable", "notifiers.webhook", "-b", "mall", "--set", f"secret={WHSEC}")
    mall = zt.ok(OUTSIDER, "call", "notifiers.deliver", "-b", "mall", "--input", json.dumps({"message": {
        "id": "m2", "kind": "notification", "recipient": {"webhook": receiver.url}, "body": "x"}}), "--json")
    assert "refused to connect" in mall.stdout


def test_finding_02_only_platform_composed_messages_are_signed(governed: tuple[Any, Actors], receiver: Any) -> None:
    from zhongtai.plugins.notifiers import outbox
    from zhongtai.plugins.notifiers.signing import verify_webhook

    platform, zt = governed
    zt.ok(ADMIN, *ALLOW)
    zt.ok(MEMBER, "plugins", "enable", "notifiers.webhook", "-b", "edu", "--set", f"secret={WHSEC}")
    zt.ok(MEMBER, "plugins", "enable", "notifiers.templates", "-b", "edu", "--set",
          'templates={"shipped": {"kind": "notification", "body": "Order {{ n }} shipped"}}')
    platform.refresh()
    composed = outbox.send(platform, "edu", kind="notification", recipient=Recipient(webhook=receiver.url),
                           template="shipped", variables={"n": 7})
    raw = outbox.send(platform, "edu", kind="notification", recipient=Recipient(webhook=receiver.url),
                      body="anything the caller likes")
    zt.ok(MEMBER, "notify", "worker", "--once", "--quiet")
    by_id = {json.loads(body)["data"]["id"]: (headers, body) for _, headers, body in receiver.requests}
    headers, body = by_id[composed.id]
    assert verify_webhook(WHSEC, headers, body, now=int(time.time())) == composed.id
    assert not any(h.startswith("webhook-") for h in by_id[raw.id][0])
    # a forged message reusing a composed message's id but not its text is not signed either
    forged = Message(id=composed.id, kind="notification", recipient=Recipient(webhook=receiver.url),
                     body="forged", template="shipped")
    platform.business("edu").call("notifiers.deliver", message=forged)
    assert not any(h.startswith("webhook-") for h in receiver.requests[-1][1])


def test_finding_02_sms_gateway_and_smtp_host_go_through_the_guard(governed: tuple[Any, Actors],
                                                                   receiver: Any) -> None:
    from aiosmtpd.controller import Controller

    platform, zt = governed

    class Inbox:
        received = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            Inbox.received += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        zt.ok(MEMBER, "plugins", "enable", "notifiers.sms", "-b", "edu", "--set", "provider=http",
              "--set", f"gateway_url={receiver.url}")
        zt.ok(MEMBER, "plugins", "enable", "notifiers.email", "-b", "edu", "--set", "sender=edu@example.com",
              "--set", "host=127.0.0.1", "--set", f"port={port}")
        message = Message(id="m3", kind="notification", recipient=Recipient(phone="13800138000",
                                                                            email="ann@example.com"), body="hi")
        platform.refresh()
        results = {r.plugin: r.value for r in platform.business("edu").explain("notifiers.deliver",
                                                                              message=message).trace}
        assert results["notifiers.sms"].status == "failed" and "loopback" in results["notifiers.sms"].detail
        assert results["notifiers.email"].status == "failed" and "loopback" in results["notifiers.email"].detail
        assert receiver.requests == [] and Inbox.received == 0
        zt.ok(ADMIN, *ALLOW)
        platform.refresh()
        results = {r.plugin: r.value for r in platform.business("edu").explain("notifiers.deliver",
                                                                              message=message).trace}
        assert results["notifiers.sms"].status == "sent" and results["notifiers.sms"].provider_response == "200 OK"
        assert results["notifiers.email"].status == "sent" and Inbox.received == 1
        assert len(receiver.requests) == 1
    finally:
        controller.stop()


@pytest.mark.parametrize(("option", "value", "match"), [
    ("--subject", "Hi\r\nBcc: x@example.com", "must be one line"),
    ("--subject", "Hi\nBcc: x@example.com", "must be one line"),
    ("--subject", "Hi\x00", "control character"),
    ("--webhook", "http://[::1", "invalid webhook endpoint"),
    ("--webhook", "http://x/\r\nX: y", "invalid webhook endpoint"),
    ("--webhook", "http://x/\nX: y", "invalid webhook endpoint"),
    ("--webhook", "http://user:pw@example.com/", "invalid webhook endpoint"),
    ("--webhook", "javascript:alert(1)", "invalid webhook endpoint"),
])
def test_finding_13_header_and_url_injection_is_refused_before_anything_is_written(
        governed: tuple[Any, Actors], option: str, value: str, match: str) -> None:
    platform, zt = governed
    recipient = () if option == "--webhook" else ("--email", "ann@example.com")
    zt.refused(MEMBER, "notify", "send", "-b", "edu", "--kind", "notification", *recipient, option, value,
               "--body", "x", match=match)
    assert _stored_text(platform) == ""


def test_finding_13_the_python_api_refuses_the_same(governed: tuple[Any, Actors]) -> None:
    from zhongtai.core.errors import UserError
    from zhongtai.plugins.notifiers import outbox

    platform, _ = governed
    cases = [
        (dict(recipient=Recipient(email="a@example.com"), subject="Hi\r\nBcc: x"), "must be one line"),
        (dict(recipient=Recipient(email="a@example.com"), headers={"X-Tag": "a\r\nBcc: x"}), "must be one line"),
        (dict(recipient=Recipient(email="a@example.com"), headers={"Bad Name:": "v"}), "header field name"),
        (dict(recipient=Recipient(webhook="http://[::1")), "invalid webhook endpoint"),
        (dict(recipient=Recipient(webhook="http://x/\r\nX: y")), "invalid webhook endpoint"),
    ]
    for kwargs, match in cases:
        with pytest.raises(UserError, match=match):
            outbox.send(platform, "edu", kind="notification", body="x", **kwargs)  # type: ignore[arg-type]
    assert _stored_text(platform) == ""
