"""The coupons routes of the gateway: templates through the admin API, issuing, wallet and redemption over HTTP."""

from __future__ import annotations

import pytest

from tests.gateway.conftest import seed, start, stop
from zhongtai.core.runtime import Platform

pytestmark = pytest.mark.slow

TERMS = {"kind": "amount", "value": "20.00", "min_spend": "100.00", "valid_days": 7, "max_issued": 100}


@pytest.fixture
def seeded_server(sqlite_url, tmp_path):
    seeded = seed(sqlite_url)
    server = start(sqlite_url, tmp_path, rate_limit=0)
    yield seeded, server
    stop(server)


def test_templates_issue_wallet_and_redemption_over_http(seeded_server, sqlite_url):
    seeded, server = seeded_server
    with server.client(seeded.manage_edu) as ops, server.client(seeded.call_edu) as front, \
            server.client(seeded.call_mall) as stranger:
        made = ops.post("/v1/admin/coupons/templates", json={"business": "edu", "name": "save20", "terms": TERMS})
        assert made.status_code == 200, made.text
        assert made.json()["applied"] and made.json()["template"]["version"] == 1
        assert ops.post("/v1/admin/coupons/templates", json={"business": "mall", "name": "x", "terms": TERMS}
                        ).status_code == 403  # outside the token's subtree
        bad = ops.post("/v1/admin/coupons/templates", json={"business": "edu", "name": "y",
                                                            "terms": {"kind": "amount", "value": "20.001"}})
        assert bad.status_code == 400 and "more decimals than CNY" in bad.json()["detail"]
        changed = ops.post("/v1/admin/coupons/templates/save20/change",
                           json={"business": "edu", "changes": {"max_issued": 200}, "expected_version": 1})
        assert changed.status_code == 200 and changed.json()["template"]["max_issued"] == 200
        listed = ops.get("/v1/admin/coupons/templates", params={"business": "edu.k12"})
        assert [t["name"] for t in listed.json()] == ["save20"]

        k12 = {"X-Zhongtai-Business": "edu.k12"}
        issue = {"template": "save20", "user": "u1", "request_id": "signup-u1"}
        assert front.post("/v1/coupons/issue", json=issue, headers=k12).status_code == 403  # call scope: no
        issued = ops.post("/v1/coupons/issue", json=issue, headers=k12)
        assert issued.status_code == 200, issued.text
        code = issued.json()["coupon"]["code"]
        assert ops.post("/v1/coupons/issue", json=issue, headers=k12).json()["duplicate"] is True

        page = front.get("/v1/coupons/wallet", params={"user": "u1"}, headers=k12).json()
        assert [c["code"] for c in page["coupons"]] == [code] and page["next_cursor"] is None
        assert stranger.get("/v1/coupons/wallet", params={"user": "u1"}, headers=k12).status_code == 403
        wrong = front.post("/v1/coupons/reserve", json={"code": code, "user": "u2", "order": "o1"}, headers=k12)
        assert wrong.status_code == 404 and wrong.json()["detail"] == "that code is not a coupon in your wallet here"
        held = front.post("/v1/coupons/reserve", json={"code": code, "user": "u1", "order": "o1"}, headers=k12)
        assert held.status_code == 200 and held.json()["state"] == "reserved", held.text
        used = front.post("/v1/coupons/confirm", json={"order": "o1"}, headers=k12)
        assert [c["state"] for c in used.json()] == ["used"]
        assert front.post("/v1/coupons/release", json={"order": "o1"}, headers=k12).json() == []
        retired = ops.post("/v1/admin/coupons/templates/save20/retire", json={"business": "edu"})
        assert retired.json()["template"]["status"] == "retired"
    platform = Platform(sqlite_url, refresh_interval=0)
    try:
        actors = {e.actor for e in platform.registry.audit("edu") if e.action.startswith("coupons.")}
        assert actors == {f"token:{seeded.manage_edu_id}/edu-ops"}
    finally:
        platform.close()
