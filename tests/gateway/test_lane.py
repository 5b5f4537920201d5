"""The gateway's fast lane for ``POST /v1/points/<name>`` answers exactly as the Starlette route does.

:class:`zhongtai.gateway.app.GatewayApp` sends point calls straight to the
pipeline; every other request, and every point call while middleware (CORS) is
configured, takes the Starlette route to the same pipeline.  Here the same
requests go both ways, in process, and must get the same status, headers and
body -- successes, traces, every kind of problem, Idempotency-Key replays.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.gateway.conftest import PRICE_INPUT, Seeded, in_process_app
from zhongtai.gateway.app import GatewayApp, create_app
from zhongtai.gateway.settings import GatewaySettings

PRICE = "/v1/points/pricing.base_price"


@pytest.fixture(scope="module")
def app(module_registry: Seeded, gateway_plugins: Any) -> Iterator[GatewayApp]:
    with in_process_app(module_registry.url, gateway_plugins, rate_limit=0) as gateway_app:
        yield gateway_app


def _both(app: GatewayApp, requests: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """Each request through the lane, then through the Starlette route: (status, headers, body) lists."""

    async def starlette_route(scope: Any, receive: Any, send: Any) -> None:
        await Starlette.__call__(app, scope, receive, send)

    async def run(target: Any) -> list[Any]:
        transport = httpx.ASGITransport(app=target)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            answers = []
            for request in requests:
                response = await client.request(**request)
                headers = {k: v for k, v in response.headers.items() if k != "date"}
                answers.append((response.status_code, headers, response.content))
            return answers

    return asyncio.run(run(app)), asyncio.run(run(starlette_route))


def _timeless(answer: Any) -> Any:
    """An answer without the trace's measured seconds (and so without its Content-Length)."""
    status, headers, body = answer
    if b'"seconds"' not in body:
        return answer
    document = json.loads(body)
    for step in document["trace"]:
        step.pop("seconds")
    return status, {k: v for k, v in headers.items() if k != "content-length"}, document


def test_the_lane_answers_exactly_like_the_starlette_route(app: GatewayApp, module_registry: Seeded) -> None:
    edu = {"Authorization": f"Bearer {module_registry.call_edu}", "X-Zhongtai-Business": "edu.k12"}
    assert PRICE in app.lane  # the lane is open: no middleware configured
    requests = [
        {"method": "POST", "url": PRICE, "json": PRICE_INPUT, "headers": edu},
        {"method": "POST", "url": PRICE + "?explain=true", "json": PRICE_INPUT, "headers": edu},
        {"method": "POST", "url": PRICE, "json": PRICE_INPUT, "headers": {**edu, "X-Zhongtai-Subject": "u-1"}},
        {"method": "POST", "url": PRICE, "json": PRICE_INPUT},  # 401
        {"method": "POST", "url": PRICE, "json": PRICE_INPUT, "headers": {**edu, "X-Zhongtai-Business": "mall"}},
        {"method": "POST", "url": PRICE, "json": {"sku": 7}, "headers": edu},  # 400 naming the field
        {"method": "POST", "url": PRICE, "content": b"sku=1", "headers": {**edu, "Content-Type": "text/plain"}},
        {"method": "POST", "url": PRICE, "json": PRICE_INPUT, "headers": {**edu, "X-Zhongtai-Business": "no.such"}},
        {"method": "POST", "url": PRICE, "json": PRICE_INPUT, "headers": {**edu, "X-Zhongtai-Subject": ""}},
        {"method": "POST", "url": "/v1/points/pricing.nope", "json": {}, "headers": edu},  # 404 from the route
        {"method": "POST", "url": PRICE, "json": PRICE_INPUT, "headers": {**edu, "Idempotency-Key": "k-1"}},
        {"method": "POST", "url": PRICE, "json": PRICE_INPUT, "headers": {**edu, "Idempotency-Key": "k-1"}},
    ]
    lane, route = _both(app, requests)
    statuses = [status for status, _, _ in lane]
    assert statuses == [200, 200, 200, 401, 403, 400, 415, 403, 400, 404, 200, 200]
    # the second pass replays the Idempotency-Key the first pass stored: the lane's first answer
    assert route[-2][1].pop("idempotent-replayed") == "true"
    assert [_timeless(answer) for answer in lane] == [_timeless(answer) for answer in route]
    assert lane[0][2] == (b'{"extension_point":"pricing.base_price","business":"edu.k12","revision":'
                          + lane[0][1]["x-zhongtai-revision"].encode()
                          + b',"result":{"amount":"80.00","currency":"CNY"}}')


def test_the_lane_is_closed_while_middleware_such_as_cors_is_configured(module_registry: Seeded,
                                                                        gateway_plugins: Any) -> None:
    sys.path.insert(0, str(gateway_plugins))
    try:
        app = create_app(module_registry.url,
                         settings=GatewaySettings(rate_limit=0, cors_origins=("https://shop.example",)))
    finally:
        sys.path.remove(str(gateway_plugins))
    app.state.gateway.platform.refresh()
    try:
        assert app.lane == {}

        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                return await client.post(PRICE, json=PRICE_INPUT, headers={
                    "Authorization": f"Bearer {module_registry.call_edu}", "X-Zhongtai-Business": "edu",
                    "Origin": "https://shop.example"})

        answer = asyncio.run(call())
        assert answer.status_code == 200, answer.text
        assert answer.headers["access-control-allow-origin"] == "https://shop.example"
    finally:
        app.state.gateway.platform.close()
