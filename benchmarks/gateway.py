"""The gateway's cost per request, side by side with a bare Starlette endpoint.

``POST /v1/points/pricing.base_price`` through ``zhongtai serve`` for a business
served by 5 plugins (four pass, the fifth answers: every one runs), against
``benchmarks/gateway_bare.py`` -- the same framework and server (uvicorn with
httptools and uvloop, no access log), one route returning the same JSON bytes.
Both are loaded by the same generator (wrk, from Debian's packages: ``apt-get
install -y wrk``) with the same connections and duration, alternating bare and
gateway rounds so machine noise hits both; the median round of each is compared.

Prints, from one run: throughput ratio gateway/bare (target >= 0.7), p99 latency
ratio gateway/bare (target <= 1.5), and the gateway's requests/s with 1 and 2
workers.  The five plugins are a real installed distribution
(tests/gateway/testplugins.py); the registry is a temporary SQLite file.

    .venv/bin/python benchmarks/gateway.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the five plugins are the gateway tests' distribution

from databases import sqlite_url  # noqa: E402

from tests.gateway.testplugins import ANSWER, PASSERS, install_gateway_test_plugins  # noqa: E402

BIN = Path(sys.executable).parent
PATH = "/v1/points/pricing.base_price"
BODY = {"sku": "math-101", "request": {"channel": "app", "lines": [{"sku": "math-101"}]}}
BUSINESS = "bench.shop"
LUA = """
wrk.method = "POST"
wrk.body = '{body}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["X-Zhongtai-Business"] = "{business}"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(url: str) -> str:
    """The business with the five plugins, and a call token for it."""
    from zhongtai.core import tokens
    from zhongtai.core.runtime.platform import Platform

    platform = Platform(url, refresh_interval=0)
    try:
        platform.create_business("bench", actor="bench")
        platform.create_business(BUSINESS, actor="bench")
        for priority, name in enumerate(reversed(PASSERS), start=2):  # passers first (higher priority)
            platform.enable(name, BUSINESS, priority=priority * 10, actor="bench")
        platform.enable(ANSWER, BUSINESS, config={"price": "9.90"}, priority=10, actor="bench")
        return tokens.create(platform, business="bench", scope="call", name="bench", actor="bench").bearer
    finally:
        platform.close()


def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not start")


def start(kind: str, workers: int, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    if kind == "gateway":
        command = [str(BIN / "zhongtai"), "serve", "--port", str(port), "--workers", str(workers),
                   "--no-access-log"]
    else:  # the same uvicorn defaults zhongtai serve uses: httptools, uvloop, no access log, no server header
        command = [sys.executable, "-m", "uvicorn", "gateway_bare:app", "--app-dir", str(HERE), "--port", str(port),
                   "--workers", str(workers), "--no-access-log", "--no-server-header", "--log-level", "warning"]
    with log.open("ab") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    wait_ready(port, process)
    return process, port


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _seconds(value: str, unit: str) -> float:
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def load(port: int, script: Path, seconds: int, connections: int) -> tuple[float, float]:
    """(requests/s, p99 seconds) of one wrk round; any non-2xx answer aborts the benchmark."""
    done = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
                           f"http://127.0.0.1:{port}{PATH}"], capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout
    if done.returncode != 0 or "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk reported errors:\n{out}{done.stderr}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", out)
    assert p99 is not None, out
    return rps, _seconds(p99.group(1), p99.group(2))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short rounds (about 40 s in all)")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    seconds, rounds = (3, 3) if args.quick else (8, 5)
    with tempfile.TemporaryDirectory() as tmp, sqlite_url() as url:
        work = Path(tmp)
        site = install_gateway_test_plugins(work / "site")
        sys.path.insert(0, str(site))
        token = seed(url)
        env = {**os.environ, "ZHONGTAI_DATABASE_URL": url, "ZHONGTAI_GATEWAY_RATE_LIMIT": "0",
               "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
        env.pop("ZHONGTAI_PLUGIN_PATH", None)
        log = work / "servers.log"
        gateway, port = start("gateway", 1, env, log)
        answer = httpx.post(f"http://127.0.0.1:{port}{PATH}", json=BODY, timeout=30,
                            headers={"Authorization": f"Bearer {token}", "X-Zhongtai-Business": BUSINESS})
        if answer.status_code != 200:
            raise SystemExit(f"the gateway answered {answer.status_code}: {answer.text}")
        env["ZHONGTAI_BENCH_ANSWER"] = answer.text
        bare, bare_port = start("bare", 1, env, log)
        script = work / "post.lua"
        script.write_text(LUA.format(body=json.dumps(BODY), token=token, business=BUSINESS))
        print(f"POST {PATH} for {BUSINESS} (5 plugins), wrk -t1 -c{args.connections}, "
              f"{rounds} alternating rounds of {seconds} s each, 1 worker", flush=True)
        results: dict[str, list[tuple[float, float]]] = {"bare": [], "gateway": []}
        try:
            load(port, script, 1, args.connections)  # warm up both
            load(bare_port, script, 1, args.connections)
            for _ in range(rounds):
                results["bare"].append(load(bare_port, script, seconds, args.connections))
                results["gateway"].append(load(port, script, seconds, args.connections))
        finally:
            stop(bare)
            stop(gateway)
        two, two_port = start("gateway", 2, env, log)
        try:
            load(two_port, script, 1, args.connections)
            two_rps = statistics.median(load(two_port, script, seconds, args.connections)[0] for _ in range(2))
        finally:
            stop(two)
    bare_rps = statistics.median(r for r, _ in results["bare"])
    gw_rps = statistics.median(r for r, _ in results["gateway"])
    bare_p99 = statistics.median(p for _, p in results["bare"])
    gw_p99 = statistics.median(p for _, p in results["gateway"])
    print(f"  bare Starlette endpoint : {bare_rps:9.0f} req/s   p99 {bare_p99 * 1000:7.2f} ms")
    print(f"  gateway, 1 worker       : {gw_rps:9.0f} req/s   p99 {gw_p99 * 1000:7.2f} ms")
    print(f"  gateway, 2 workers      : {two_rps:9.0f} req/s")
    print(f"throughput ratio gateway/bare: {gw_rps / bare_rps:.2f}x (target >= 0.7)")
    print(f"p99 latency ratio gateway/bare: {gw_p99 / bare_p99:.2f}x (target <= 1.5)")
    print(f"requests/s: 1 worker {gw_rps:.0f}, 2 workers {two_rps:.0f} ({two_rps / gw_rps:.2f}x; "
          f"{os.cpu_count()} CPUs shared with the load generator)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
