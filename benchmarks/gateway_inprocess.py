"""The gateway's own cost per point call, in process, side by side with a bare Starlette app.

``benchmarks/gateway.py`` measures through uvicorn and wrk, where the HTTP
server, the kernel and the load generator (sharing the two cores) dominate and
vary.  This one calls the two ASGI apps directly -- the same request bytes,
the same answer, no server, no sockets -- alternating rounds, and prints the
microseconds per request of each and their ratio, then what a gateway point
call is made of: the parts every such call must do (parse the body, convert
it to the contract types, run the five plugins with and without metering)
measured alone, and the rest: what the gateway's pipeline costs around them.

    .venv/bin/python benchmarks/gateway_inprocess.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import timeit
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the five plugins are the gateway tests' distribution
sys.path.insert(0, str(HERE))

from databases import sqlite_url  # noqa: E402

from gateway import BODY, BUSINESS, PATH, seed  # noqa: E402
from tests.gateway.testplugins import install_gateway_test_plugins  # noqa: E402

App = Callable[[dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]],
               Awaitable[None]]


def scope_for(token: str, body: bytes) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode()), (b"authorization", f"Bearer {token}".encode()),
               (b"x-zhongtai-business", BUSINESS.encode())]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": PATH, "raw_path": PATH.encode(), "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}


async def per_request(app: App, scope: dict[str, Any], body: bytes, count: int) -> tuple[float, list[Any]]:
    """Microseconds per request of *count* requests, and the messages of the last answer."""
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    started = time.perf_counter()
    for _ in range(count):
        sent.clear()
        await app(dict(scope), receive, send)
    return (time.perf_counter() - started) / count * 1e6, list(sent)


async def start(app: Any) -> None:
    """Run the app's lifespan startup (the gateway loads the registry there)."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await queue.put({"type": "lifespan.startup"})
    done = asyncio.Event()

    async def send(message: dict[str, Any]) -> None:
        if message["type"].startswith("lifespan.startup"):
            done.set()

    asyncio.get_running_loop().create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                                               queue.get, send))
    await done.wait()


def parts(url: str, body: bytes, count: int) -> list[tuple[str, float]]:
    """Microseconds of the parts every gateway point call must do, each measured alone."""
    from zhongtai.core.runtime.platform import Platform

    measured: list[tuple[str, float]] = []
    for metrics in (False, True):
        platform = Platform(url, metrics=metrics, refresh_interval=3600)  # no registry checks while timing
        try:
            measured.extend(_parts_of(platform, body, count, metrics))
        finally:
            platform.close()
    return measured


def _parts_of(platform: Any, body: bytes, count: int, metered: bool) -> list[tuple[str, float]]:
    from zhongtai.core.documents import parse_body
    from zhongtai.core.jsonio import call_arguments, to_json

    point = platform.extension_point("pricing.base_price")
    data = parse_body(body, exact_numbers=True)
    arguments = call_arguments(point, data)
    value = platform.call(BUSINESS, point.name, dict(arguments), None)
    plugins = _time(lambda: platform.call(BUSINESS, point.name, dict(arguments), None), count)
    if metered:
        return [("run the 5 plugins, metered", plugins)]
    return [("parse the JSON body", _time(lambda: parse_body(body, exact_numbers=True), count)),
            ("convert it to the contract types", _time(lambda: call_arguments(point, data), count)),
            ("answer to JSON", _time(lambda: to_json(value), count)),
            ("run the 5 plugins", plugins)]


def _time(function: Callable[[], Any], count: int) -> float:
    return min(timeit.repeat(function, number=count, repeat=3)) / count * 1e6


async def measure(args: argparse.Namespace, url: str, token: str) -> int:
    from zhongtai.gateway.app import create_app
    from zhongtai.gateway.settings import GatewaySettings

    body = json.dumps(BODY).encode()
    scope = scope_for(token, body)
    gateway = create_app(url, settings=GatewaySettings(rate_limit=0))
    await start(gateway)
    _, answer = await per_request(gateway, scope, body, 1)
    if answer[0]["status"] != 200:
        print(f"the gateway answered {answer[0]['status']}: {answer[1]['body'][:300]!r}", file=sys.stderr)
        return 1
    os.environ["ZHONGTAI_BENCH_ANSWER"] = answer[1]["body"].decode()
    import gateway_bare

    bare = gateway_bare.app
    count, rounds = (2_000, 3) if args.quick else (20_000, 5)
    results: dict[str, list[float]] = {"bare": [], "gateway": []}
    for app in (bare, gateway):  # warm up
        await per_request(app, scope, body, count // 4)
    for _ in range(rounds):
        results["bare"].append((await per_request(bare, scope, body, count))[0])
        results["gateway"].append((await per_request(gateway, scope, body, count))[0])
    bare_us, gateway_us = statistics.median(results["bare"]), statistics.median(results["gateway"])
    print(f"POST {PATH} for {BUSINESS} (5 plugins), ASGI apps called in process, {rounds} alternating rounds "
          f"of {count} requests")
    print(f"  bare Starlette app  : {bare_us:6.1f} us per request")
    print(f"  gateway             : {gateway_us:6.1f} us per request")
    print(f"in-process cost ratio gateway/bare: {gateway_us / bare_us:.2f}x "
          f"(the gateway's own work: {gateway_us - bare_us:.1f} us per request)")
    print("what every gateway point call must do, each part alone:")
    floor = 0.0
    for label, micros in parts(url, body, count):
        print(f"  {label:38s}: {micros:6.2f} us")
        if label != "run the 5 plugins":
            floor += micros
    print(f"  the parts (plugins metered) add up to {floor:.1f} us; the rest of the gateway's {gateway_us:.1f} us "
          f"-- ASGI, authentication, business resolution, HTTP metrics, errors -- is {gateway_us - floor:.1f} us "
          f"(the bare app's {bare_us:.1f} us include Starlette's routing, request and response)")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (a few seconds)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, sqlite_url() as url:
        site = install_gateway_test_plugins(Path(tmp) / "site")
        sys.path.insert(0, str(site))
        token = seed(url)
        return asyncio.run(measure(args, url, token))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
