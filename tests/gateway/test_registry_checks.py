"""The gateway checks the registry in the background: no answer waits for a check, and changes still arrive.

``Gateway.keep_current`` (run by the app's lifespan) polls the registry in a
worker thread every ``refresh_interval``; meanwhile requests are answered from
the current plans.  Before, the first requests after each interval each waited
for the check's round trip -- a stall every half second that set the p99.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import PRICE_INPUT, Seeded, in_process_app
from zhongtai.core.runtime.platform import Platform
from zhongtai.gateway.app import GatewayApp

PRICE = "/v1/points/pricing.base_price"
SLOW_CHECK = 1.5


@pytest.fixture
def app(module_registry: Seeded, gateway_plugins: Any) -> Iterator[GatewayApp]:
    with in_process_app(module_registry.url, gateway_plugins, rate_limit=0, refresh_interval=0.2) as gateway_app:
        yield gateway_app


def test_no_answer_waits_for_a_slow_registry_check_and_changes_still_arrive(app: GatewayApp,
                                                                              module_registry: Seeded) -> None:
    platform = app.state.gateway.platform
    checking = threading.Event()
    real_refresh = platform.refresh

    def slow_refresh() -> bool:  # a registry that takes SLOW_CHECK seconds to answer
        checking.set()
        time.sleep(SLOW_CHECK)
        return real_refresh()

    platform.refresh = slow_refresh  # type: ignore[method-assign]
    headers = {"Authorization": f"Bearer {module_registry.call_edu}", "X-Zhongtai-Business": "edu"}

    async def scenario() -> tuple[list[float], int, int]:
        checks = asyncio.create_task(app.state.gateway.keep_current())
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                first = (await client.post(PRICE, json=PRICE_INPUT, headers=headers)).headers["X-Zhongtai-Revision"]
                took: list[float] = []

                async def timed() -> None:
                    started = time.monotonic()
                    answer = await client.post(PRICE, json=PRICE_INPUT, headers=headers)
                    took.append(time.monotonic() - started)
                    assert answer.status_code == 200, answer.text

                deadline = time.monotonic() + 5
                while not checking.is_set() and time.monotonic() < deadline:  # until a (slow) check is under way
                    await timed()
                    await asyncio.sleep(0.01)
                assert checking.is_set(), "no registry check in 5 s"
                with closing(Platform(module_registry.url, discover=False, refresh_interval=0)) as other:
                    other.create_business("edu.checks-demo", actor="test")  # a change while the check is slow
                for _ in range(20):
                    await timed()
                deadline = time.monotonic() + 3 * SLOW_CHECK + 2
                latest = first
                while time.monotonic() < deadline and latest == first:
                    await asyncio.sleep(0.05)
                    latest = (await client.post(PRICE, json=PRICE_INPUT, headers=headers)).headers[
                        "X-Zhongtai-Revision"]
                return took, int(first), int(latest)
        finally:
            checks.cancel()
            await asyncio.gather(checks, return_exceptions=True)

    took, first, latest = asyncio.run(scenario())
    assert max(took) < SLOW_CHECK / 3, f"requests waited for the registry check: {max(took):.2f} s"
    assert latest > first, "the change never reached the answers"
    assert platform.checks_on_call, "calls check again once the background checks stop"
