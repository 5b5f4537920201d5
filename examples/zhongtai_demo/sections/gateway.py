"""The business gateway: ``zhongtai serve`` on a free loopback port, one HTTP request, two businesses.

Two front ends hold API tokens of their own subtrees (``edu`` and ``mall``) and
send the very same ``POST /v1/pricing/quote`` body; the gateway answers each from
its own business's plugins.  The server is stopped (SIGTERM) before the section ends.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

from zhongtai_demo import console, shell
from zhongtai_demo.errors import DemoError
from zhongtai_demo.scenario import CART, CUSTOMER
from zhongtai_demo.sections import Demo

TITLE = "The gateway: the same HTTP request, a different answer per business"
FRONT_ENDS = (("edu", "edu.k12"), ("mall", "mall.flagship"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(url: str, *, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_until_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoError(f"zhongtai serve exited with {process.returncode}")
        try:
            if request(base + "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise DemoError("zhongtai serve did not answer /healthz within 60 s")


def run(demo: Demo) -> None:
    from zhongtai.core import tokens

    bearers = {}
    for subtree, _ in FRONT_ENDS:
        issued = tokens.create(demo.platform, business=subtree, scope="call", name=f"{subtree}-front-end",
                               actor="demo")
        bearers[subtree] = issued.bearer
        console.say(f"API token {issued.token.id} ({issued.token.name}): calls for {subtree} and below only")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [str(shell.console_script()), "serve", "--port", str(port), "--no-access-log"]
    console.command(["serve", "--port", str(port)])
    env = {**os.environ, "ZHONGTAI_DATABASE_URL": demo.database_url}
    log = demo.output_dir / "gateway.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until_healthy(base, process)
        body = {"channel": "app", "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in CART],
                "customer": CUSTOMER}
        console.say(f"POST {base}/v1/pricing/quote  {json.dumps(body, ensure_ascii=False)}")
        rows, totals = [], []
        for subtree, business in FRONT_ENDS:
            status, answer = request(base + "/v1/pricing/quote", body=body, headers={
                "Authorization": f"Bearer {bearers[subtree]}", "X-Zhongtai-Business": business})
            if status != 200:
                raise DemoError(f"the gateway answered {status} for {business}: {answer}")
            total = f"{answer['total']['amount']} {answer['total']['currency']}"
            totals.append(total)
            rows.append([f"X-Zhongtai-Business: {business}", "->", f"total {total}",
                         f"({len(answer['adjustments'])} adjustments)"])
        console.table(rows, indent=4)
        status, refused = request(base + "/v1/pricing/quote", body=body, headers={
            "Authorization": f"Bearer {bearers['edu']}", "X-Zhongtai-Business": "mall.flagship"})
        console.say(f"The edu token asking for mall.flagship: {status} {refused.get('detail', '')}")
        if len(set(totals)) != len(totals) or status != 403:
            raise DemoError("the gateway did not answer each business from its own plugins")
        console.say(f"API reference: {base}/docs (while it runs); log: {log}")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
