"""The gateway serves and documents package extension points like the kernel's (real ``zhongtai serve``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.gateway.conftest import start, stop

pytestmark = pytest.mark.slow


def test_gateway_openapi_and_call_of_a_package_point(tmp_path: Path, loyalty_site: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from zhongtai.core import tokens
    from zhongtai.core.runtime.platform import Platform

    url = f"sqlite:///{tmp_path}/registry.db"
    monkeypatch.syspath_prepend(str(loyalty_site))
    platform = Platform(url, refresh_interval=0, plugin_path=[str(loyalty_site)])
    try:
        platform.create_business("shop", actor="setup")
        platform.enable("loyalty.double", "shop", config={"rate": "4"}, actor="setup")
        bearer = tokens.create(platform, business="shop", scope="call", name="shop-app", actor="setup").bearer
    finally:
        platform.close()
    pythonpath = os.pathsep.join(filter(None, [str(loyalty_site), os.environ.get("PYTHONPATH", "")]))
    server = start(url, tmp_path, env={"PYTHONPATH": pythonpath}, rate_limit=0)
    try:
        with server.client(bearer) as client:
            document = client.get("/openapi.json").json()
            operation = document["paths"]["/v1/points/loyalty.earn"]["post"]
            assert operation["summary"] == "Points *order* earns its member."
            assert "loyalty" in operation["tags"]
            assert "OrderInput" in document["components"]["schemas"]
            answer = client.post("/v1/points/loyalty.earn", headers={"X-Zhongtai-Business": "shop"},
                                 json={"order": {"order_id": "o-9", "amount": "2.5", "member": "m"}})
            assert answer.status_code == 200, answer.text
            assert answer.json()["result"] == {"points": 10, "reason": "x4 at shop"}
    finally:
        stop(server)
