"""The database goes away: keep serving the last good plans, say so, refuse changes, catch up after."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from tests.registry.plugins import add_price_plugin, price
from tests.registry.proxy import TcpProxy
from zhongtai.core.errors import RegistryError


def _poll(predicate, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def proxy():
    proxy = TcpProxy(("127.0.0.1", 5432))
    proxy.start()
    yield proxy
    proxy.stop()


def test_a_process_cut_off_from_postgresql_serves_on_then_catches_up(pg_url, proxy, make_platform):
    writer = make_platform(pg_url, discover=False)
    add_price_plugin(writer)
    writer.create_business("edu")
    writer.create_business("edu.k12")
    writer.enable("price", "edu", config={"amount": "10"}, actor="setup")

    reader = make_platform(pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"), discover=False,
                           refresh_interval=0.05)
    add_price_plugin(reader)
    assert price(reader, "edu.k12") == Decimal("10")
    assert _poll(lambda: reader.status().listening)

    proxy.stop()
    assert _poll(lambda: price(reader, "edu.k12") == Decimal("10") and not reader.status().live)
    status = reader.status()
    assert "cannot reach the registry" in (status.error or "")
    assert status.describe().startswith(f"serving registry revision {status.revision} from the last good plans since")
    print(f"\nstatus while cut off: {status.describe()}")
    with pytest.raises(RegistryError, match=r"cannot reach the registry at .*; nothing was changed"):
        reader.enable("price", "edu.k12", config={"amount": "1"}, actor="ops")

    writer.enable("price", "edu", config={"amount": "20"}, actor="ops")  # a change the reader cannot see yet
    for _ in range(50):
        assert price(reader, "edu.k12") == Decimal("10")

    proxy.start()
    started = time.monotonic()
    assert _poll(lambda: price(reader, "edu.k12") == Decimal("20"))
    print(f"caught up {time.monotonic() - started:.2f} s after the database came back")
    assert _poll(lambda: reader.status().live and reader.status().listening)
    assert reader.enable("price", "edu.k12", config={"amount": "1"}, actor="ops").applied


def test_a_process_that_starts_while_postgresql_is_away_says_so_then_starts_listening(pg_url, proxy, make_platform):
    writer = make_platform(pg_url, discover=False)
    add_price_plugin(writer)
    writer.create_business("edu")
    writer.enable("price", "edu", config={"amount": "10"}, actor="setup")
    proxy.stop()
    reader = make_platform(pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"), discover=False,
                           refresh_interval=0.05)
    add_price_plugin(reader)
    with pytest.raises(RegistryError, match="cannot reach the registry"):
        price(reader, "edu")
    assert reader.status().describe().startswith("registry not loaded yet: cannot reach the registry")
    proxy.start()
    assert price(reader, "edu") == Decimal("10")
    assert _poll(lambda: price(reader, "edu") == Decimal("10") and reader.status().listening)
