"""The gateway and issue 15: the X-Zhongtai-Subject header decides rollouts; POST /v1/events records outcomes."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.gateway.conftest import PRICE_INPUT, stop
from zhongtai.core.rollout import bucket
from zhongtai.core.rollouts import set_rollout
from zhongtai.core.runtime.platform import Platform

pytestmark = pytest.mark.slow

PRICE = "/v1/points/pricing.base_price"


def test_subject_header_rollout_and_events(module_serve, module_registry):
    platform = Platform(module_registry.url, refresh_interval=0)
    try:
        set_rollout(platform, "pricing.price-list", "mall", percent=50, actor="setup")
    finally:
        platform.close()
    inside = next(s for s in (f"u{i}" for i in range(100)) if bucket("mall:pricing.price-list", s) <= 5000)
    outside = next(s for s in (f"u{i}" for i in range(100)) if bucket("mall:pricing.price-list", s) > 5000)
    server = module_serve(module_registry.url, rate_limit=0)
    with server.client(module_registry.call_mall, **{"X-Zhongtai-Business": "mall"}) as client:
        served = client.post(PRICE, json=PRICE_INPUT, headers={"X-Zhongtai-Subject": inside})
        assert served.status_code == 200 and served.json()["result"]["amount"] == "55.00"
        left_out = client.post(PRICE + "?explain=true", json=PRICE_INPUT, headers={"X-Zhongtai-Subject": outside})
        assert left_out.json()["result"] is None
        assert left_out.json()["trace"][0]["outcome"] == "outside-rollout"
        assert client.post(PRICE, json=PRICE_INPUT).json()["result"] is None  # no subject
        bad = client.post(PRICE, json=PRICE_INPUT, headers={"X-Zhongtai-Subject": "x" * 300})
        assert bad.status_code == 400 and "subject" in bad.json()["detail"]
        for value in (10.5, 20):
            accepted = client.post("/v1/events", json={"event": "order.paid", "subject": inside, "value": value})
            assert accepted.status_code == 202, accepted.text
        refused = client.post("/v1/events", json={"event": "order.paid", "subject": ""})
        assert refused.status_code in (400, 422) and "Traceback" not in refused.text
        spec = client.get("/openapi.json").json()
        assert "/v1/events" in spec["paths"]
        parameters = spec["paths"][PRICE]["post"]["parameters"]
        assert any(p["name"] == "X-Zhongtai-Subject" and p["in"] == "header" for p in parameters)
    stop(server)  # events are buffered; shutting down writes them
    engine = create_engine(module_registry.url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT business, name, subject, value FROM zt_event ORDER BY value")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("mall", "order.paid", inside, 10.5), ("mall", "order.paid", inside, 20.0)]
