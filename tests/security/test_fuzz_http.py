"""The hostile-input fuzz suite, HTTP side: every gateway operation, hostile bodies, paths, queries, headers.

The gateway (``zhongtai.gateway.app:create_app``) runs in-process (ASGI through
Starlette's test client, which re-raises any exception the app does not turn
into a response).  Operations are enumerated from the app, so new routes --
also those packages add through ``zhongtai.gateway.routes`` -- are fuzzed
without touching this file.  Every request, with an admin token (the most
privileged caller, so the hostile value reaches the deepest code), must:

* answer 2xx or 4xx, never 5xx and never an uncaught exception;
* when refused, answer a problem document whose ``detail`` is one terminal-safe line;
* when refused, leave every registry row as it was (call metrics and token use excepted);
* keep the process's peak memory within a bound.

``ZHONGTAI_FUZZ_EXAMPLES`` (examples per operation, default 5) raises the count.
"""

from __future__ import annotations

import os
import resource
import sqlite3
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.hostile import ALIAS_BOMB, DEEP_JSON, DEEP_OBJECT, HOSTILE_TEXT, RAW, TEN_MB

TestClient = pytest.importorskip("starlette.testclient").TestClient
pytest.importorskip("zhongtai.gateway")
#: Starlette's test client drives the ASGI app in-process; its httpx deprecation notice is not ours.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

EXAMPLES = int(os.environ.get("ZHONGTAI_FUZZ_EXAMPLES", "5"))
RSS_BUDGET_MIB = 700
#: Telemetry and bookkeeping a refused request may still write.
UNCOMPARED = {"zt_metric", "zt_token", "zt_gateway_idempotency"}

HOSTILE_BODIES: list[bytes] = [
    DEEP_JSON.encode(), DEEP_OBJECT.encode(), ALIAS_BOMB.encode(), b'{"a": NaN}', b"[1e999999999]",
    b'{"sku": "x", "request": {"channel": "app", "lines": [{"sku": "x", "quantity": 1e35}]}}',
    b'{"code": "x\\u001b[2J", "name": "\\u202e"}', b'{"config": {"prices": {"x": "1e999999999"}}}',
    b'{"config": {"api_key": "env:ZHONGTAI_DATABASE_URL"}}', b"\xff\xfe\x00", b"", b"null", b"[]",
    b'{"code": "' + b"9" * 5000 + b'"}', ('{"a": "' + TEN_MB + '"}').encode(), b"9" * 5000,
]

TRIED: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rows(path: str) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as db:
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {n: sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
                for n in names if n not in UNCOMPARED}
    db.close()
    return rows


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, str]]:
    from zhongtai.core import tokens
    from zhongtai.core.runtime.platform import Platform
    from zhongtai.gateway.app import create_app

    tmp = tmp_path_factory.mktemp("fuzz-http")
    path = str(tmp / "registry.db")
    url = f"sqlite:///{path}"
    setup = Platform(url)
    for code in ("shop", "shop.x"):
        setup.create_business(code, actor="fuzzer")
    setup.enable("pricing.price-list", "shop", config={"prices": {"math-101": "10"}}, actor="fuzzer")
    bearer = tokens.create(setup, business=None, scope="admin", actor="fuzzer").bearer
    setup.close()
    app = create_app(url)
    with TestClient(app, raise_server_exceptions=True) as client:
        yield client, path, bearer
    print(f"\nHTTP fuzz: {sum(TRIED.values())} requests over {len(TRIED)} operations; "
          f"statuses {dict(sorted(STATUSES.items()))}; peak RSS {_peak_mib():.0f} MiB")


def _operations() -> list[tuple[str, str]]:
    from zhongtai.core.runtime.platform import Platform
    from zhongtai.gateway.app import create_app

    app = create_app(platform=Platform("sqlite://"))
    found = {(op.method, op.path) for op in app.state.gateway.operations}
    # one enable/disable pair stands for all plugins (same handler); every other operation as it is
    plugin_ops = sorted(p for p in found if p[1].startswith("/v1/admin/plugins/"))
    kept = {p for p in found if not p[1].startswith("/v1/admin/plugins/")} | set(plugin_ops[:2])
    return sorted(kept | {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/openapi.json")})


OPERATIONS = _operations()
texts = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=30))
header_safe = st.sampled_from(["shop", "shop.x", "nope", "x" * 300, "..", "SHOP", "shop;x", "%1b[2J", "9" * 200])


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_fuzz_every_http_operation_with_hostile_values(gateway: tuple[Any, str, str], method: str,
                                                       path: str, data: st.DataObject) -> None:
    client, db_path, bearer = gateway
    url = path.replace("{code}", data.draw(st.one_of(st.sampled_from(["shop", "nope"]), texts).map(
        lambda t: quote(t[:2000], safe="") or "x")))  # hostile, but a URL (percent-encoded) as a client sends
    query = data.draw(st.dictionaries(st.sampled_from(["explain", "limit", "business", "cursor"]),
                                      texts.map(lambda t: t[:2000]), max_size=3))
    headers = {"Authorization": f"Bearer {bearer}", "X-Zhongtai-Business": data.draw(header_safe)}
    if data.draw(st.booleans()):
        headers["Idempotency-Key"] = data.draw(header_safe)
    body = data.draw(st.sampled_from(HOSTILE_BODIES)) if method == "POST" else b""
    before = _rows(db_path)
    start_peak = _peak_mib()
    headers["Content-Type"] = data.draw(st.sampled_from(["application/json"] * 4 + ["text/plain", "application/yaml"]))
    response = client.request(method, url, params=query, content=body, headers=headers)
    TRIED[f"{method} {path}"] += 1
    STATUSES[response.status_code] += 1
    shown = (method, url[:80], {k: v[:40] for k, v in query.items()}, body[:60])
    assert response.status_code < 500, (shown, response.status_code, response.text[:1000])
    assert "Traceback" not in response.text
    if response.status_code >= 400:
        problem = response.json()
        detail = str(problem.get("detail", ""))
        assert "\n" not in detail and not any(ch in detail for ch in RAW), (shown, detail)
        assert _rows(db_path) == before, shown
    assert _peak_mib() - start_peak < RSS_BUDGET_MIB, shown
