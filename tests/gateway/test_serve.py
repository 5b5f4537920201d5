"""``zhongtai serve`` end to end: a real uvicorn process on a loopback port, driven with httpx."""

from __future__ import annotations

import pytest

from tests.gateway.conftest import PRICE_INPUT

pytestmark = pytest.mark.slow


def _price(client, business=None, **headers):
    if business:
        headers["X-Zhongtai-Business"] = business
    return client.post("/v1/points/pricing.base_price", json=PRICE_INPUT, headers=headers)


def test_the_same_request_is_answered_per_business(serve, seeded):
    server = serve(seeded.url)
    with server.client(seeded.call_edu) as edu, server.client(seeded.call_mall) as mall:
        answer = _price(edu, "edu.k12")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["result"] == {"amount": "80.00", "currency": "CNY"}
        assert (body["business"], body["extension_point"]) == ("edu.k12", "pricing.base_price")
        assert answer.headers["X-Zhongtai-Revision"] == str(body["revision"])
        assert _price(edu, "edu").json()["result"]["amount"] == "100.00"
        assert _price(mall, "mall").json()["result"]["amount"] == "55.00"
        explained = edu.post("/v1/points/pricing.base_price?explain=true", json=PRICE_INPUT,
                             headers={"X-Zhongtai-Business": "edu.k12"}).json()
        assert [step["plugin"] for step in explained["trace"]] == ["pricing.price-list"]
