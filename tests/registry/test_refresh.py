"""Catching up: incremental refreshes from the change log, only affected plans recompiled, LISTEN wake-ups."""

from __future__ import annotations

import random
import time
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.registry.plugins import PriceConfig, add_price_plugin, price
from zhongtai.core.markers import hookimpl
from zhongtai.core.registry.snapshot import Snapshot
from zhongtai.core.specs.pricing import Money

POINT = "pricing.base_price"


def _make_tree(make_platform, url):
    """A writer platform with edu{.k12{.math,.art},.college} and shop; price enabled at edu and shop."""
    writer = make_platform(url, discover=False)
    add_price_plugin(writer)
    for code in ("edu", "edu.k12", "edu.k12.math", "edu.k12.art", "edu.college", "shop"):
        writer.create_business(code, actor="setup")
    writer.enable("price", "edu", config={"amount": "10"}, actor="setup")
    writer.enable("price", "shop", config={"amount": "99"}, actor="setup")
    return writer


@pytest.fixture
def tree(registry_url, make_platform):
    return _make_tree(make_platform, registry_url)


def _reader(make_platform, url, **kwargs):
    reader = make_platform(url, discover=False, **kwargs)
    add_price_plugin(reader)
    return reader


def _same_rows(a: Snapshot, b: Snapshot) -> bool:
    return (a.revision, a.mode, a.businesses, a.enablements) == (b.revision, b.mode, b.businesses, b.enablements)


def test_only_the_changed_business_and_its_descendants_are_recompiled(tree, registry_url, make_platform):
    reader = _reader(make_platform, registry_url)
    codes = ["edu", "edu.k12", "edu.k12.math", "edu.k12.art", "edu.college", "shop"]
    plans = {code: reader.plan(code, POINT) for code in codes}

    tree.enable("price", "edu.k12", config={"amount": "7"}, actor="ops")
    refreshed = reader.registry.refreshed(reader.snapshot)
    assert refreshed.touched == frozenset({"edu.k12"})
    assert reader.refresh()

    again = {code: reader.plan(code, POINT) for code in codes}
    recompiled = {code for code in codes if again[code] is not plans[code]}
    assert recompiled == {"edu.k12", "edu.k12.math", "edu.k12.art"}
    assert [price(reader, code) for code in codes] == [Decimal(n) for n in ("10", "7", "7", "7", "10", "99")]
    assert _same_rows(reader.snapshot, reader.registry.snapshot())


def test_incremental_snapshots_always_equal_a_full_reload(tree, registry_url, make_platform):
    reader = _reader(make_platform, registry_url)
    rng = random.Random(8)
    codes = ["edu", "edu.k12", "edu.k12.math", "edu.k12.art", "edu.college", "shop"]
    created = 0
    for step in range(30):
        action = rng.choice(["enable", "disable", "status", "create"])
        code = rng.choice(codes)
        try:
            if action == "enable":
                tree.enable("price", code, config={"amount": str(step)}, actor="ops")
            elif action == "disable":
                tree.disable("price", code, actor="ops")
            elif action == "status":
                status = "active" if tree.snapshot.businesses[code].status == "suspended" else "suspended"
                tree.set_status(code, status, actor="ops")
            else:
                created += 1
                tree.create_business(f"{code}.new{created}", actor="ops")
                codes.append(f"{code}.new{created}")
        except Exception as exc:  # noqa: BLE001 - refused changes (already disabled ...) are fine here
            assert "already" in str(exc) or "not enabled" in str(exc) or "levels" in str(exc), exc
        if step % 3 == 0:
            reader.refresh()
            assert _same_rows(reader.snapshot, reader.registry.snapshot())
    reader.refresh()
    assert _same_rows(reader.snapshot, reader.registry.snapshot())


def test_a_gap_in_the_change_log_falls_back_to_a_full_reload(tree, registry_url, make_platform):
    reader = _reader(make_platform, registry_url)
    assert price(reader, "edu.k12") == Decimal("10")
    tree.enable("price", "edu.k12", config={"amount": "3"}, actor="ops")
    engine = create_engine(registry_url)
    with engine.begin() as connection:  # an operator pruned the audit log
        connection.execute(text("DELETE FROM zt_audit WHERE revision = (SELECT MAX(revision) FROM zt_audit)"))
    engine.dispose()
    assert reader.registry.refreshed(reader.snapshot).touched is None
    assert reader.refresh()
    assert price(reader, "edu.k12.math") == Decimal("3")


def test_a_registry_wide_change_touches_no_business_and_reloads_nothing(tree, registry_url, make_platform):
    reader = _reader(make_platform, registry_url)
    plan = reader.plan("edu.k12", POINT)
    with tree.registry.change("admin") as tx:
        tx.record("access.grant", after={"actor": "bob", "role": "admin", "team": ""})
    refreshed = reader.registry.refreshed(reader.snapshot)
    assert refreshed.touched == frozenset() and refreshed.snapshot.revision == tree.registry.revision()
    reader.refresh()
    assert reader.plan("edu.k12", POINT) is plan


def test_the_call_path_checks_at_most_every_refresh_interval(tree, registry_url, make_platform):
    reader = _reader(make_platform, registry_url, refresh_interval=3600, listen=False)
    assert price(reader, "edu") == Decimal("10")
    tree.enable("price", "edu", config={"amount": "11"}, actor="ops")
    assert price(reader, "edu") == Decimal("10")  # not checked yet: the old plan serves
    reader.refresh()
    assert price(reader, "edu") == Decimal("11")


def test_status_says_live_and_how_changes_arrive(tree, registry_url, make_platform):
    reader = _reader(make_platform, registry_url, refresh_interval=3600, listen=False)
    assert reader.status().revision is None
    price(reader, "edu")
    status = reader.status()
    assert status.live and not status.listening and status.revision == tree.snapshot.revision
    assert status.describe() == f"live at registry revision {status.revision} (checking for changes on calls)"


def _poll(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_postgresql_listen_delivers_changes_without_any_polling(pg_url, make_platform):
    tree = _make_tree(make_platform, pg_url)
    reader = _reader(make_platform, pg_url, refresh_interval=3600, listen=True)
    assert price(reader, "edu.k12") == Decimal("10")  # the first call starts listening
    assert _poll(lambda: reader.status().listening)

    started = time.monotonic()
    tree.enable("price", "edu", config={"amount": "42"}, actor="ops")
    assert _poll(lambda: price(reader, "edu.k12") == Decimal("42"))
    print(f"\nLISTEN/NOTIFY propagation in-process: {(time.monotonic() - started) * 1000:.1f} ms")
    assert reader.status().describe().endswith("(listening for changes)")


def test_sqlite_has_no_listener_and_relies_on_the_call_path(sqlite_url, make_platform):
    reader = make_platform(sqlite_url, discover=False, refresh_interval=0.5, listen=True)
    reader.create_business("edu")
    reader.business("edu")
    assert reader.registry.watch(lambda revision: None) is None
    assert not reader.status().listening


class _Other:
    """A second pricing plugin, so plans hold several entries to keep or recompile."""

    @hookimpl
    def pricing_base_price(self, sku: str, context: Any) -> Money | None:
        return None


def _entries(plan: Any) -> list[tuple[Any, ...]]:
    return [(e.plugin, e.level, e.priority, e.context.config) for e in plan.entries]


def test_plans_recompiled_from_their_old_selves_equal_plans_compiled_from_scratch(tree, registry_url,
                                                                                  make_platform):
    def platform() -> Any:
        made = _reader(make_platform, registry_url)
        made.add_plugin(_Other(), "other", config=PriceConfig)
        return made

    reader = platform()
    tree.add_plugin(_Other(), "other", config=PriceConfig)
    codes = ["edu", "edu.k12", "edu.k12.math", "edu.k12.art", "edu.college", "shop"]
    rng = random.Random(3)
    for step in range(25):
        for code in codes:
            reader.plan(code, POINT)  # warm: every change below retires real plans
        plugin, code = rng.choice(["price", "other"]), rng.choice(codes)
        try:
            if rng.random() < 0.8:
                tree.enable(plugin, code, config={"amount": str(step)}, priority=rng.randint(0, 3), actor="ops")
            else:
                tree.disable(plugin, code, actor="ops")
        except Exception as exc:  # noqa: BLE001 - refused changes are fine here
            assert "already" in str(exc) or "not enabled" in str(exc) or "priority" in str(exc), exc
        reader.refresh()
        scratch = platform()
        for code in codes:
            assert _entries(reader.plan(code, POINT)) == _entries(scratch.plan(code, POINT)), (step, code)
