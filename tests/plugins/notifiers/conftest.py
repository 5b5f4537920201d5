"""Real servers on 127.0.0.1 for the notifier tests: a webhook sink and an SMTP server."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.helpers.vectors import vector_file

ROOT = Path(__file__).resolve().parents[3]
VECTORS = vector_file("verification.json")
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def wait_for(predicate: Callable[[], bool], *, timeout: float = 20.0, what: str = "condition") -> None:
    """Poll *predicate* until true; fail after *timeout* seconds (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


@attrs.frozen
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: str | None  # webhook-id if the signature verified, else None
    error: str | None


class WebhookSink:
    """A real HTTP server that receives webhooks and verifies their Standard Webhooks signatures.

    ``fail_next`` answers the next n requests with 503; ``hold`` (an Event)
    makes every request wait until it is set (to kill a worker mid-delivery).
    """

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.received: list[Received] = []
        self.fail_next = 0
        self.fail_status = 503
        self.hold: threading.Event | None = None
        self.arrived = 0
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                status = sink._handle(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                payload = b"ok" if status == 200 else b"unavailable"
                self.send_response(status)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        from zhongtai.plugins.notifiers.signing import SignatureError, verify_webhook

        with self._lock:
            self.arrived += 1
            hold = self.hold
        if hold is not None:
            hold.wait(30)
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.fail_status
            try:
                verified: str | None = verify_webhook(self.secret, headers, body, now=int(time.time()))
                error = None
            except SignatureError as exc:
                verified, error = None, exc.message
            self.received.append(Received(path, headers, body, verified, error))
        return 200

    def ids(self) -> list[str]:
        with self._lock:
            return [json.loads(r.body)["data"]["id"] for r in self.received]

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    server = WebhookSink()
    yield server
    server.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpInbox:
    """What the real SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.reject_next = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd
        with self._lock:
            if self.reject_next > 0:
                self.reject_next -= 1
                return "451 try again later"
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpInbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def vectors() -> dict[str, Any]:
    assert VECTORS.is_file(), f"public test vectors missing at {VECTORS}"
    data: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return data


def allow_loopback(platform: Any, business: str = "shop") -> None:
    """What a platform admin does so that *business* may reach receivers on 127.0.0.1
    (``zhongtai access network allow 127.0.0.1/32 --business shop``)."""
    from zhongtai.core import allowances

    allowances.allow(platform, "network", "127.0.0.1/32", business)


@pytest.fixture
def shop(registry_url: str, make_platform: Callable[..., Any]) -> Any:
    """A platform on each backend with business ``shop`` (and ``shop.flagship``) and the installed plugins.

    ``shop`` may reach the loopback receivers (the admin allowed 127.0.0.1/32 for it).
    """
    platform = make_platform(registry_url)
    platform.create_business("shop", name="Shop")
    platform.create_business("shop.flagship", name="Flagship store")
    allow_loopback(platform)
    return platform


@pytest.fixture
def shop_sqlite(sqlite_url: str, make_platform: Callable[..., Any]) -> Any:
    """Like ``shop``, on SQLite only (for tests whose subject is not the database)."""
    platform = make_platform(sqlite_url)
    platform.create_business("shop", name="Shop")
    platform.create_business("shop.flagship", name="Flagship store")
    allow_loopback(platform)
    return platform


def fill_outbox(platform: Any, sink: WebhookSink, count: int) -> list[str]:
    """Business ``shop`` (allowed to reach the loopback *sink*) with *count* signed webhook messages accepted."""
    from zhongtai.plugins.notifiers import outbox
    from zhongtai.sdk import Recipient

    platform.create_business("shop")
    allow_loopback(platform)
    platform.enable("notifiers.webhook", "shop", config={"secret": SECRET})
    platform.enable("notifiers.templates", "shop", config={"templates": {
        "numbered": {"kind": "notification", "body": "message {{ n }}"}}})  # composed by the platform: signed
    batch = [outbox.Outgoing(kind="notification", recipient=Recipient(webhook=sink.url), template="numbered",
                             variables={"n": i}, idempotency_key=f"k{i}") for i in range(count)]
    return [result.id for result in outbox.send_many(platform, "shop", batch)]


def outbox_states(platform: Any) -> dict[str, int]:
    """How many outbox messages are in each state."""
    from sqlalchemy import func, select

    from zhongtai.plugins.notifiers.models import OutboxRow, engine_of

    with engine_of(platform).connect() as connection:
        rows = connection.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state)).all()
    return {state: int(n) for state, n in rows}
