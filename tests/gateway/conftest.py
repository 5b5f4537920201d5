"""A real gateway: ``zhongtai serve`` as a subprocess on a free loopback port, driven with httpx.

``serve(url, **settings)`` starts one (extra ``ZHONGTAI_GATEWAY_*`` settings as
keyword arguments) and waits for ``/healthz``; every server is stopped with
SIGTERM after the test.  ``seeded`` is a registry with two businesses answering
``pricing.base_price`` differently, and tokens for them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

SCRIPT = str(Path(sys.executable).with_name("zhongtai"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@attrs.define
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, token: str | None = None, **headers: str) -> httpx.Client:
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.base, headers=headers, timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start(url: str, tmp_path: Path, *args: str, env: dict[str, str] | None = None, **settings: Any) -> Server:
    port = free_port()
    log = tmp_path / f"gateway-{port}.log"
    environ = {**os.environ, "ZHONGTAI_DATABASE_URL": url, **(env or {})}
    for key, value in settings.items():
        environ[f"ZHONGTAI_GATEWAY_{key.upper()}"] = str(value)
    with log.open("wb") as sink:
        process = subprocess.Popen([SCRIPT, "serve", "--port", str(port), "--no-access-log", *args],
                                   stdout=sink, stderr=subprocess.STDOUT, env=environ)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the gateway exited with {process.returncode}:\n{server.output()}")
        try:
            if httpx.get(server.base + "/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    stop(server)
    raise AssertionError(f"the gateway did not start within 60 s:\n{server.output()}")


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def run(url: str, *args: str, **settings: Any) -> Server:
        server = start(url, tmp_path, *args, **settings)
        servers.append(server)
        return server

    yield run
    for server in servers:
        stop(server)


@attrs.frozen
class Seeded:
    url: str
    call_edu: str  # call token for the edu subtree
    manage_edu: str  # manage token for the edu subtree
    call_mall: str  # call token for mall
    admin: str  # platform-wide admin token
    manage_edu_id: str
    call_telecom: str  # call token for telecom.echannel (identity resolution by channel)


PRICE_INPUT = {"sku": "math-101", "request": {"channel": "app", "lines": [{"sku": "math-101"}]}}


def seed(url: str) -> Seeded:
    """edu (100.00), edu.k12 (80.00), mall (55.00), telecom.echannel.wap (30.00, by channel), tokens."""
    from zhongtai.core import tokens
    from zhongtai.core.runtime.platform import Platform

    platform = Platform(url, refresh_interval=0)
    try:
        for code in ("edu", "edu.k12", "mall", "telecom", "telecom.echannel", "telecom.echannel.wap"):
            platform.create_business(code, actor="setup")
        for code, price in (("edu", "100.00"), ("edu.k12", "80.00"), ("mall", "55.00"),
                            ("telecom.echannel", "40.00"), ("telecom.echannel.wap", "30.00")):
            platform.enable("pricing.price-list", code, config={"prices": {"math-101": price}}, actor="setup")
        platform.enable("theming.base", "edu", actor="setup")
        platform.enable("theming.base", "mall", actor="setup")
        platform.enable("channels.rules", "edu", config={"rules": [
            {"id": "edu-customers-order", "effect": "allow", "channels": ["app", "h5"], "actions": "order.*",
             "roles": "customer"}]}, actor="setup")
        platform.enable("verification.standard", "edu", config={"server_key": "test-only-not-a-secret-0123456789"},
                        actor="setup")
        platform.enable("notifiers.sms", "edu", config={"provider": "fake", "fake_name": "gateway-tests"},
                        actor="setup")
        platform.enable("notifiers.templates", "edu", config={"templates": {"login_code": {
            "kind": "verification", "body": "Your code is {{ code }}"}}}, actor="setup")
        platform.enable("telecom-echannel.resolver", "telecom.echannel",
                        config={"routes": {"wap": "telecom.echannel.wap"}}, actor="setup")
        manage = tokens.create(platform, business="edu", scope="manage", name="edu-ops", actor="setup")
        return Seeded(
            url,
            tokens.create(platform, business="edu", scope="call", name="edu-h5", actor="setup").bearer,
            manage.bearer,
            tokens.create(platform, business="mall", scope="call", name="mall-app", actor="setup").bearer,
            tokens.create(platform, business=None, scope="admin", name="root", actor="setup").bearer,
            manage.token.id,
            tokens.create(platform, business="telecom.echannel", scope="call", name="tel", actor="setup").bearer,
        )
    finally:
        platform.close()


@pytest.fixture(scope="session")
def gateway_plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installed test distribution (see tests/gateway/testplugins.py)."""
    from tests.gateway.testplugins import install_gateway_test_plugins

    return install_gateway_test_plugins(tmp_path_factory.mktemp("gateway-plugins") / "site")


@pytest.fixture(scope="module")
def module_serve(tmp_path_factory: pytest.TempPathFactory, gateway_plugins: Path) -> Iterator[Callable[..., Server]]:
    """Like ``serve``, for servers shared by a module's tests; the test plugins are importable."""
    servers: list[Server] = []
    tmp = tmp_path_factory.mktemp("gateway")
    env = {"PYTHONPATH": os.pathsep.join([str(gateway_plugins), os.environ.get("PYTHONPATH", "")])}

    def run(url: str, *args: str, **settings: Any) -> Server:
        server = start(url, tmp, *args, env=env, **settings)
        servers.append(server)
        return server

    yield run
    for server in servers:
        stop(server)


@pytest.fixture(scope="module")
def module_registry(tmp_path_factory: pytest.TempPathFactory, gateway_plugins: Path) -> Iterator[Seeded]:
    """A seeded SQLite registry shared by one module's tests (the test plugins importable while seeding).

    Per module on purpose: modules change their registry in their own ways (notifier accounts,
    campaigns ...) and must not see each other's changes.
    """
    sys.path.insert(0, str(gateway_plugins))
    try:
        yield seed(f"sqlite:///{tmp_path_factory.mktemp('registry')}/registry.db")
    finally:
        sys.path.remove(str(gateway_plugins))


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory, gateway_plugins: Path,
                  module_registry: Seeded) -> Iterator[Server]:
    """One gateway (no rate limit) on ``module_registry``, shared by a module's tests that need no own settings."""
    env = {"PYTHONPATH": os.pathsep.join([str(gateway_plugins), os.environ.get("PYTHONPATH", "")])}
    server = start(module_registry.url, tmp_path_factory.mktemp("shared-gateway"), env=env, rate_limit=0)
    yield server
    stop(server)


@contextlib.contextmanager
def in_process_app(url: str, plugins: Path, **settings: Any) -> Iterator[Any]:
    """The gateway's ASGI app for *url*, called in process, its plans loaded as the lifespan would load them."""
    from zhongtai.gateway.app import create_app
    from zhongtai.gateway.settings import GatewaySettings

    sys.path.insert(0, str(plugins))
    app = create_app(url, settings=GatewaySettings(**settings))
    app.state.gateway.platform.refresh()  # what the lifespan does at startup
    try:
        yield app
    finally:
        app.state.gateway.platform.close()
        sys.path.remove(str(plugins))
