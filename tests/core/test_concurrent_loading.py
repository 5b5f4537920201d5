"""Threads sharing one Platform load a plugin once: nobody sees it fail, no plan leaves it out.

Regression: two threads compiling plans at the same time both imported and
registered ``pricing.price-list``; pluggy refused the second registration
("Plugin name already registered"), that thread's plan skipped the plugin and
``pricing.base_price`` answered ``None`` for its business -- cached with the
plan -- while the other business answered.  A barrier inside the import holds
the first thread until the second has also started loading (or, with the
catalog's lock, until the barrier gives up: the second thread waits for the lock).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from zhongtai.core.discovery import OK
from zhongtai.core.runtime import catalog as catalog_module
from zhongtai.core.specs.pricing import QuoteRequest

PLUGIN = "pricing.price-list"
#: how long the first loader waits for a second one (only reached once the catalog serialises loading)
PATIENCE = 0.5


@pytest.fixture
def seeded(sqlite_url: str, make_platform: Callable[..., Any]) -> str:
    platform = make_platform(sqlite_url, refresh_interval=0)
    for code, price in (("edu", "100.00"), ("mall", "55.00")):
        platform.create_business(code, actor="setup")
        platform.enable(PLUGIN, code, config={"prices": {"math-101": price}}, actor="setup")
    return sqlite_url


def _imports_meet(monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    """Importing *target* waits until a second thread imports it too (at most PATIENCE seconds)."""
    barrier = threading.Barrier(2, timeout=PATIENCE)
    real = catalog_module.import_target

    def meeting(name: str) -> Any:
        obj = real(name)
        if name == target:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
        return obj

    monkeypatch.setattr(catalog_module, "import_target", meeting)


def _in_threads(*calls: Callable[[], Any]) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            results[index] = calls[index]()
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def test_two_threads_loading_one_plugin_both_get_it(seeded: str, make_platform: Callable[..., Any],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    platform = make_platform(seeded)
    catalog = platform.plugins
    _imports_meet(monkeypatch, catalog.require(PLUGIN).target)
    first, second = _in_threads(lambda: catalog.load(PLUGIN), lambda: catalog.load(PLUGIN))
    assert first is second, (first, second)
    info = catalog.require(PLUGIN)
    assert (info.status, info.error, info.loaded) == (OK, None, True)


def test_plans_compiled_at_once_for_two_businesses_both_answer(seeded: str, make_platform: Callable[..., Any],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    platform = make_platform(seeded)
    _imports_meet(monkeypatch, platform.plugins.require(PLUGIN).target)
    request = QuoteRequest(channel="app", lines=())

    def price(code: str) -> Callable[[], Any]:
        return lambda: platform.business(code).explain("pricing.base_price", sku="math-101", request=request)

    edu, mall = _in_threads(price("edu"), price("mall"))
    assert str(edu.value.amount) == "100.00", edu
    assert str(mall.value.amount) == "55.00", mall
    for code in ("edu", "mall"):  # and the cached plans keep answering
        assert platform.plan(code, "pricing.base_price").problems == ()
        assert [step.plugin for step in platform.business(code).explain(
            "pricing.base_price", sku="math-101", request=request).trace] == [PLUGIN]
