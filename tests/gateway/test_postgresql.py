"""The gateway on PostgreSQL: two gateway processes share a registry; an outage is served from the last plans."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import postgresql_schema_url
from tests.gateway.conftest import PRICE_INPUT, seed
from tests.registry.proxy import TcpProxy

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]

PRICE = "/v1/points/pricing.base_price"


@pytest.fixture
def pg_url():
    yield from postgresql_schema_url("gw")


def test_a_change_through_one_gateway_is_served_by_the_other_within_a_second(module_serve, pg_url):
    seeded = seed(pg_url)
    first = module_serve(pg_url, rate_limit=0)
    second = module_serve(pg_url, rate_limit=0)
    with first.client(seeded.manage_edu) as ops, second.client(seeded.call_edu) as reader:
        before = reader.post(PRICE, json=PRICE_INPUT, headers={"X-Zhongtai-Business": "edu.k12"})
        assert before.json()["result"]["amount"] == "80.00"
        changed = ops.post("/v1/admin/plugins/pricing.price-list/enable",
                           json={"business": "edu.k12", "config": {"prices": {"math-101": "66.00"}}})
        assert changed.status_code == 200, changed.text
        committed = time.monotonic()
        amount = None
        while time.monotonic() - committed < 1.0:
            amount = reader.post(PRICE, json=PRICE_INPUT,
                                 headers={"X-Zhongtai-Business": "edu.k12"}).json()["result"]["amount"]
            if amount == "66.00":
                break
            time.sleep(0.02)
        assert amount == "66.00", f"the other gateway still answered {amount} after 1 s"


def test_a_registry_outage_serves_the_last_good_plans_and_says_so(module_serve, pg_url):
    seeded = seed(pg_url)
    parsed = make_url(pg_url)
    proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
    proxy.start()
    try:
        server = module_serve(parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
                              rate_limit=0)
        with server.client(seeded.call_edu) as client:
            assert client.post(PRICE, json=PRICE_INPUT, headers={"X-Zhongtai-Business": "edu"}).status_code == 200
            proxy.stop()
            deadline = time.monotonic() + 20
            answer = None
            while time.monotonic() < deadline:
                answer = client.post(PRICE, json=PRICE_INPUT, headers={"X-Zhongtai-Business": "edu"})
                if "X-Zhongtai-Stale-Since" in answer.headers:
                    break
                time.sleep(0.2)
            assert answer is not None and answer.status_code == 200, answer
            assert answer.json()["result"]["amount"] == "100.00"
            assert "X-Zhongtai-Stale-Since" in answer.headers
            ready = client.get("/readyz").json()
            assert ready["ready"] and not ready["live"] and ready["stale_since"]
            proxy.start()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not client.get("/readyz").json()["live"]:
                time.sleep(0.2)
            assert client.get("/readyz").json()["live"]
    finally:
        proxy.stop()
