"""One trace from the front end through the plugins to the message sent.

The gateway runs in this process under a real uvicorn server on a loopback port (a
thread), because the SDK's in-memory exporter -- what these tests read spans from --
lives in one process; everything between the HTTP client and the spans is the real
stack (uvicorn, Starlette, the gateway pipeline, worker threads, the registry on a
SQLite file, the notifiers' outbox and worker).  ``zhongtai serve`` itself configures
tracing through ``OTEL_TRACES_EXPORTER`` (tests/core/test_observability_docs.py runs that).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from tests.gateway.conftest import PRICE_INPUT, Seeded, free_port, seed
from tests.helpers.tracing import Spans, spans  # noqa: F401  (fixture)

INCOMING = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TRACE_ID = int("0af7651916cd43dd8448eb211c80319c", 16)
PARENT_ID = int("b7ad6b7169203331", 16)


@pytest.fixture
def gateway(tmp_path, monkeypatch) -> Iterator[tuple[str, Seeded, Any]]:
    from zhongtai.gateway.app import create_app
    from zhongtai.gateway.settings import GatewaySettings

    monkeypatch.setenv("ZHONGTAI_CONSOLE_SECRET_KEY", "tracing-tests-" + "k" * 40)
    seeded = seed(f"sqlite:///{tmp_path}/registry.db")
    app = create_app(seeded.url, settings=GatewaySettings(rate_limit=0))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the gateway did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", seeded, app.state.gateway.platform
    finally:
        server.should_exit = True
        thread.join(30)


def _in_trace(spans: Spans, trace_id: int) -> list[Any]:
    return [s for s in spans.all() if s.context.trace_id == trace_id]


def test_a_request_with_a_traceparent_is_one_trace_naming_the_business_and_each_plugin(gateway, spans):
    base, seeded, _ = gateway
    headers = {"Authorization": f"Bearer {seeded.call_edu}", "X-Zhongtai-Business": "edu.k12",
               "traceparent": INCOMING}
    answer = httpx.post(base + "/v1/points/pricing.base_price", json=PRICE_INPUT, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text

    trace = _in_trace(spans, TRACE_ID)
    server = next(s for s in trace if s.name == "POST /v1/points/pricing.base_price")
    assert server.parent is not None and server.parent.span_id == PARENT_ID and server.parent.is_remote
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["http.route"] == "/v1/points/pricing.base_price"
    assert server.attributes["zhongtai.business"] == "edu.k12"
    call = next(s for s in trace if s.name == "zhongtai.call pricing.base_price")
    assert call.parent.span_id == server.context.span_id
    assert call.attributes["zhongtai.business"] == "edu.k12" and call.attributes["zhongtai.plugin.count"] == 1
    plugins = [(s.attributes["zhongtai.plugin"], s.attributes["zhongtai.plugin.level"],
                s.attributes["zhongtai.outcome"]) for s in trace if s.name.startswith("zhongtai.plugin ")]
    assert plugins == [("pricing.price-list", "edu.k12", "answered")]
    assert len(spans.all()) == len(trace)  # nothing of this request left the trace

    spans.clear()  # without a traceparent the gateway starts a trace of its own
    del headers["traceparent"]
    assert httpx.post(base + "/v1/points/pricing.base_price", json=PRICE_INPUT, headers=headers,
                      timeout=30).status_code == 200
    root = spans.one("POST /v1/points/pricing.base_price")
    assert root.parent is None and root.context.trace_id != TRACE_ID


def test_a_queued_message_delivered_by_the_worker_links_back_to_the_request(gateway, spans):
    from zhongtai.plugins.notifiers.worker import Worker

    base, seeded, platform = gateway
    headers = {"Authorization": f"Bearer {seeded.call_edu}", "X-Zhongtai-Business": "edu", "traceparent": INCOMING}
    body = {"kind": "verification", "recipient": {"phone": "13800000000"}, "template": "login_code",
            "variables": {"code": "123456"}}
    accepted = httpx.post(base + "/v1/notifiers/messages", json=body, headers=headers, timeout=30)
    assert accepted.status_code == 202, accepted.text
    message_id = accepted.json()["id"]
    queued = spans.one("send outbox")
    assert queued.context.trace_id == TRACE_ID
    assert queued.attributes["messaging.message.id"] == message_id
    assert queued.attributes["zhongtai.business"] == "edu"

    stats = Worker(platform, name="tracing-test").run_batch()
    assert stats.claimed == 1 and stats.sent == 1, stats
    delivery = spans.one("process outbox")
    assert delivery.context.trace_id != TRACE_ID  # a trace of its own, linked to the request's
    assert [(link.context.trace_id, link.context.span_id) for link in delivery.links] == [
        (TRACE_ID, queued.context.span_id)]
    assert delivery.attributes["messaging.message.id"] == message_id
    assert delivery.attributes["zhongtai.business"] == "edu"
    channels = spans.children(delivery)
    assert [(c.attributes["zhongtai.plugin"], c.attributes["zhongtai.outcome"]) for c in channels] == [
        ("notifiers.sms", "answered")]
    assert "13800000000" not in repr([dict(s.attributes) for s in spans.all()])  # no personal data in spans


def test_a_verification_step_links_back_to_the_request_that_started_the_session(gateway, spans):
    base, seeded, _ = gateway
    auth = {"Authorization": f"Bearer {seeded.call_edu}", "X-Zhongtai-Business": "edu"}
    subject = {"user": "u-zhangsan", "phone": "13800000000", "name": "张三", "id_number": "11010519491231002X"}
    started = httpx.post(base + "/v1/verification/sessions", json={"flow": "login", "subject": subject},
                         headers={**auth, "traceparent": INCOMING}, timeout=30)
    assert started.status_code == 200, started.text
    session = started.json()
    opened = spans.one("verification start")
    assert opened.context.trace_id == TRACE_ID
    assert opened.attributes["zhongtai.verification.session"] == session["id"]
    assert opened.attributes["zhongtai.business"] == "edu"

    later = "00-11111111111111111111111111111111-2222222222222222-01"
    submitted = httpx.post(base + f"/v1/verification/sessions/{session['id']}/submit",
                           json={"step": session["current"], "value": "000000"},
                           headers={**auth, "traceparent": later}, timeout=30)
    assert submitted.status_code == 200, submitted.text
    step = spans.one("verification submit")
    assert format(step.context.trace_id, "032x") == "1" * 32  # the submitting request's trace ...
    assert [(link.context.trace_id, link.context.span_id) for link in step.links] == [
        (TRACE_ID, opened.context.span_id)]  # ... linked to the one that started the session
    assert step.attributes["zhongtai.outcome"] == "rejected"
    everything = repr([dict(s.attributes) for s in spans.all()])
    assert "13800000000" not in everything and "'000000'" not in everything  # no personal data, no codes


@pytest.mark.slow
def test_zhongtai_serve_logs_json_and_exports_spans_configured_by_the_environment(tmp_path):
    """The real console script: OTEL_TRACES_EXPORTER and ZHONGTAI_LOG_FORMAT reach the uvicorn worker."""
    import json

    from tests.gateway.conftest import start, stop

    seeded = seed(f"sqlite:///{tmp_path}/registry.db")
    server = start(seeded.url, tmp_path, env={"OTEL_TRACES_EXPORTER": "console", "ZHONGTAI_LOG_FORMAT": "json",
                                              "OTEL_SERVICE_NAME": "gateway-under-test"})
    try:
        headers = {"Authorization": f"Bearer {seeded.call_edu}", "X-Zhongtai-Business": "edu.k12",
                   "traceparent": INCOMING}
        with server.client() as client:
            assert client.post("/v1/points/pricing.base_price", json=PRICE_INPUT, headers=headers).status_code == 200
    finally:
        stop(server)  # spans are flushed when the process exits
    text, decoder, objects = server.output(), json.JSONDecoder(), []
    position = text.find("{")
    while position != -1:
        found, end = decoder.raw_decode(text, position)
        objects.append(found)
        position = text.find("{", end)
    logs = [o for o in objects if "logger" in o]
    assert any(o["logger"] == "uvicorn.error" and "startup complete" in o["message"] for o in logs), text
    spans = {o["name"]: o for o in objects if "context" in o}
    server_span = spans["POST /v1/points/pricing.base_price"]
    assert server_span["context"]["trace_id"] == "0x0af7651916cd43dd8448eb211c80319c"
    assert server_span["parent_id"] == "0xb7ad6b7169203331"
    assert server_span["resource"]["attributes"]["service.name"] == "gateway-under-test"
    plugin = spans["zhongtai.plugin pricing.price-list"]
    assert plugin["context"]["trace_id"] == server_span["context"]["trace_id"]
    assert plugin["attributes"]["zhongtai.outcome"] == "answered"
