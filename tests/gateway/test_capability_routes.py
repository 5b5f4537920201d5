"""Routes the capability packages add through ``zhongtai.gateway.routes``: quote, theme CSS, decision, verification."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

CART = {"channel": "app", "lines": [{"sku": "math-101", "quantity": 3}]}
SUBJECT = {"user": "u-zhangsan", "phone": "13800000000", "name": "张三", "id_number": "11010519491231002X"}


@pytest.fixture
def server(shared_server):
    return shared_server


def test_a_quote_prices_the_whole_cart_for_the_business(server, module_registry):
    with server.client(module_registry.call_edu) as edu:
        k12 = edu.post("/v1/pricing/quote", json=CART, headers={"X-Zhongtai-Business": "edu.k12"})
        assert k12.status_code == 200, k12.text
        assert k12.json()["total"] == {"amount": "240.00", "currency": "CNY"}
        whole = edu.post("/v1/pricing/quote", json=CART, headers={"X-Zhongtai-Business": "edu"}).json()
        assert whole["total"]["amount"] == "300.00" and whole["lines"][0]["quantity"] == 3
        bad = edu.post("/v1/pricing/quote", json={"lines": "many"}, headers={"X-Zhongtai-Business": "edu"})
        assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


def test_theme_css_is_cacheable_by_registry_revision(server, module_registry):
    with server.client(module_registry.call_edu, **{"X-Zhongtai-Business": "edu"}) as edu:
        css = edu.get("/v1/theme.css")
        assert css.status_code == 200, css.text
        assert css.headers["content-type"].startswith("text/css") and ":root" in css.text
        etag = css.headers["ETag"]
        assert etag == f'"edu@{css.headers["X-Zhongtai-Revision"]}"'
        assert css.headers["Cache-Control"] == "private, max-age=60"
        again = edu.get("/v1/theme.css", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    with server.client(module_registry.call_edu, **{"X-Zhongtai-Business": "edu.k12"}) as k12:
        assert k12.get("/v1/theme.css", headers={"If-None-Match": etag}).status_code == 200  # another business


def test_a_permission_decision(server, module_registry):
    with server.client(module_registry.call_edu, **{"X-Zhongtai-Business": "edu"}) as edu:
        allowed = edu.post("/v1/channels/decision", json={"channel": "app", "action": "order.create",
                                                           "actor": {"roles": ["customer"]}})
        assert allowed.status_code == 200, allowed.text
        assert allowed.json()["allowed"] is True and allowed.json()["rule"] == "edu-customers-order"
        denied = edu.post("/v1/channels/decision", json={"channel": "pos", "action": "order.create",
                                                          "actor": {"roles": ["customer"]}})
        assert denied.json()["allowed"] is False


def test_verification_start_and_submit_within_the_tokens_subtree(server, module_registry):
    with server.client(module_registry.call_edu, **{"X-Zhongtai-Business": "edu"}) as edu, \
            server.client(module_registry.call_mall) as mall:
        started = edu.post("/v1/verification/sessions", json={"flow": "login", "subject": SUBJECT})
        assert started.status_code == 200, started.text
        session = started.json()
        assert session["business"] == "edu" and session["status"] == "open"
        assert "13800000000" not in started.text  # personal values are masked
        step = session["current"]
        wrong = edu.post(f"/v1/verification/sessions/{session['id']}/submit", json={"step": step, "value": "000000"})
        assert wrong.status_code == 200, wrong.text
        assert wrong.json()["accepted"] is False
        foreign = mall.post(f"/v1/verification/sessions/{session['id']}/submit",
                            json={"step": step, "value": "000000"})
        assert foreign.status_code == 403
        assert mall.get(f"/v1/verification/sessions/{session['id']}").status_code == 403
        assert edu.get(f"/v1/verification/sessions/{session['id']}").json()["id"] == session["id"]


def test_a_message_from_a_template_is_sent_once_per_idempotency_key(server, module_registry):
    body = {"kind": "verification", "recipient": {"phone": "13800000000"}, "template": "login_code",
            "variables": {"code": "123456"}}
    with server.client(module_registry.call_edu, **{"X-Zhongtai-Business": "edu"}) as edu:
        first = edu.post("/v1/notifiers/messages", json=body, headers={"Idempotency-Key": "login-42"})
        assert first.status_code == 202, first.text
        answer = first.json()
        assert answer["state"] == "pending" and answer["duplicate"] is False
        again = edu.post("/v1/notifiers/messages", json=body, headers={"Idempotency-Key": "login-42"})
        assert again.status_code == 202 and again.json()["id"] == answer["id"]
        unknown = edu.post("/v1/notifiers/messages", json={**body, "template": "no-such-template"})
        assert unknown.status_code in (400, 404, 422), unknown.text
        assert unknown.headers["content-type"] == "application/problem+json"
