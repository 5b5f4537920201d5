"""Call metrics per (business, extension point, plugin), and their Prometheus text form."""

from __future__ import annotations

import re
from typing import Any

import pytest

from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.notifiers import Delivery


class Sends:
    @hookimpl
    def notifiers_deliver(self, message: Any) -> Delivery:
        return Delivery("sms", "sent")


class Raises:
    @hookimpl
    def notifiers_deliver(self, message: Any) -> Delivery:
        raise ConnectionError("gateway down")


class WrongType:
    @hookimpl
    def notifiers_deliver(self, message: Any) -> str:
        return "not a Delivery"


@pytest.fixture
def platform(sqlite_url, make_platform):
    platform = make_platform(sqlite_url, discover=False, metrics=True)
    for name, plugin in (("sms", Sends()), ("email", Raises()), ("odd", WrongType())):
        platform.add_plugin(plugin, name)
    platform.create_business("shop")
    platform.create_business("shop.outlet")
    for name in ("sms", "email", "odd"):
        platform.enable(name, "shop")
    return platform


def test_calls_errors_and_latency_are_counted_per_business_point_and_plugin(platform):
    for _ in range(3):
        platform.business("shop").call("notifiers.deliver", message=None)
    platform.business("shop.outlet").call("notifiers.deliver", message=None)
    series = {(s.business, s.plugin): s for s in platform.metrics.series()}
    assert {k: (s.calls, s.errors) for k, s in series.items()} == {
        ("shop", "sms"): (3, 0), ("shop", "email"): (3, 3), ("shop", "odd"): (3, 3),
        ("shop.outlet", "sms"): (1, 0), ("shop.outlet", "email"): (1, 1), ("shop.outlet", "odd"): (1, 1),
    }
    sms = series[("shop", "sms")]
    assert sms.extension_point == "notifiers.deliver"
    assert sms.buckets[-1] == 3 and list(sms.buckets) == sorted(sms.buckets)
    assert 0 < sms.seconds < 1 and sms.quantile(0.5) is not None


def test_prometheus_exposition_is_well_formed(platform):
    platform.business("shop").call("notifiers.deliver", message=None)
    text = platform.metrics.prometheus()
    sample = re.compile(r'^[a-z_]+\{business="[^"]*",extension_point="[^"]*",plugin="[^"]*"(,le="[^"]+")?\} \S+$')
    for line in text.splitlines():
        assert line.startswith("# ") or sample.match(line), line
    assert ('zhongtai_plugin_errors_total{business="shop",extension_point="notifiers.deliver",'
            'plugin="email"} 1') in text
    assert 'zhongtai_plugin_call_seconds_bucket{business="shop",extension_point="notifiers.deliver",' \
           'plugin="sms",le="+Inf"} 1' in text


def test_without_metrics_nothing_is_recorded(sqlite_url, make_platform):
    platform = make_platform(sqlite_url, discover=False)
    assert platform.metrics is None


def test_stats_adds_up_every_process_that_called(sqlite_url, tmp_path, monkeypatch):
    """Each `zhongtai call` records its metrics; `zhongtai stats` shows the total."""
    import json

    from click.testing import CliRunner

    from zhongtai.core.cli.main import cli
    from zhongtai.core.runtime.metrics import Series
    from zhongtai.core.runtime.metrics_store import flush_series, load
    from zhongtai.core.runtime.platform import Platform

    platform = Platform(sqlite_url, discover=False)
    platform.registry.ensure_schema()
    one = Series("shop", "notifiers.deliver", "sms", 2, 1, 0.01, (0,) * 6 + (2,) * 11)
    flush_series(platform.registry, [one], "host-a:1:1")
    flush_series(platform.registry, [one], "host-b:2:2")
    flush_series(platform.registry, [one], "host-b:2:2")  # a process re-flushes its cumulative numbers
    assert [(s.calls, s.errors) for s in load(platform.registry)] == [(4, 2)]
    platform.close()

    runner = CliRunner()
    table = runner.invoke(cli, ["--database-url", sqlite_url, "stats"])
    assert table.exit_code == 0 and "notifiers.deliver" in table.output and " 4 " in table.output
    as_json = json.loads(runner.invoke(cli, ["--database-url", sqlite_url, "stats", "--format", "json"]).output)
    assert as_json[0]["calls"] == 4 and as_json[0]["errors"] == 2
    prom = runner.invoke(cli, ["--database-url", sqlite_url, "stats", "--format", "prometheus"]).output
    assert 'zhongtai_plugin_calls_total{business="shop",extension_point="notifiers.deliver",plugin="sms"} 4' in prom
    bad = runner.invoke(cli, ["--database-url", sqlite_url, "stats", "--business", "BAD"])
    assert bad.exit_code == 1 and bad.output.startswith("Error: business code")


def test_a_zhongtai_call_is_counted_by_zhongtai_stats(sqlite_url):
    import json

    from click.testing import CliRunner

    from zhongtai.core.cli.main import cli

    pytest.importorskip("zhongtai.plugins.channels")
    runner = CliRunner()

    def zt(*args):
        result = runner.invoke(cli, ["--database-url", sqlite_url, *args])
        assert result.exit_code == 0, result.output
        return result.output

    zt("business", "create", "shop")
    zt("plugins", "enable", "channels.rules", "--business", "shop", "--set",
       'rules=[{"id": "app-orders", "effect": "allow", "channels": ["app"], "actions": ["order.create"]}]')
    request = {"request": {"channel": "app", "action": "order.create"}}
    for _ in range(2):
        zt("call", "channels.authorize", "--business", "shop", "--input", json.dumps(request))
    counted = json.loads(zt("stats", "--format", "json"))
    assert [(s["business"], s["plugin"], s["calls"]) for s in counted] == [("shop", "channels.rules", 2)]


def test_a_meter_counts_every_call_from_many_threads_exactly() -> None:
    """Latencies wait in a buffer and are folded in by readers or when it fills: none is lost or doubled."""
    import threading

    from zhongtai.core.runtime.metrics import BUCKETS, Meter

    meter = Meter("shop", "pricing.base_price", "p")
    calls = meter.wrap(lambda x: x)
    failing = meter.wrap(lambda: 1 / 0)
    per_thread = Meter.FOLD_EVERY * 3 + 7  # crosses the fold threshold several times
    barrier = threading.Barrier(4)

    def work() -> None:
        barrier.wait()
        for i in range(per_thread):
            assert calls(i) == i
            if i % 500 == 0:
                meter.series()  # readers fold while others append

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in range(3):
        try:
            failing()
        except ZeroDivisionError:
            pass
    series = meter.series()
    assert (series.calls, series.errors) == (4 * per_thread + 3, 3)
    assert series.buckets[-1] == series.calls and len(series.buckets) == len(BUCKETS) + 1
    assert series.seconds > 0


def test_gateway_http_metrics_count_every_request_once_across_folds() -> None:
    from zhongtai.gateway.httpmetrics import HttpMetrics

    metrics = HttpMetrics()
    for i in range(HttpMetrics.FOLD_EVERY * 2 + 5):
        metrics.observe("call_x", "POST", 200 if i % 10 else 404, 0.0002)
    text = metrics.prometheus()
    ok, missing = HttpMetrics.FOLD_EVERY * 2 + 5 - 206, 206
    assert f'zhongtai_http_requests_total{{operation="call_x",method="POST",status="200"}} {ok}\n' in text
    assert f'zhongtai_http_requests_total{{operation="call_x",method="POST",status="404"}} {missing}\n' in text
    assert f'zhongtai_http_request_seconds_count{{operation="call_x"}} {ok + missing}\n' in text
    assert f'zhongtai_http_request_seconds_bucket{{operation="call_x",le="0.0001"}} 0\n' in text
    assert f'zhongtai_http_request_seconds_bucket{{operation="call_x",le="0.00025"}} {ok + missing}\n' in text


def test_gateway_http_metrics_histogram_matches_a_count_by_hand() -> None:
    """Latencies spread over every bucket (and beyond the last), three statuses, folds in between."""
    import bisect
    import random

    from zhongtai.core.runtime.metrics import BUCKETS
    from zhongtai.gateway.httpmetrics import HttpMetrics

    rng = random.Random(13)
    metrics = HttpMetrics()
    observed: list[tuple[str, int, float]] = []
    for _ in range(HttpMetrics.FOLD_EVERY * 3 + 17):
        operation = rng.choice(("call_a", "call_b"))
        status = rng.choice((200, 404, 429))
        seconds = rng.choice((*BUCKETS, 20.0)) * rng.choice((0.5, 1.0, 1.5))  # on, below and above the bounds
        metrics.observe(operation, "POST", status, seconds)
        observed.append((operation, status, seconds))
    text = metrics.prometheus()
    for operation in ("call_a", "call_b"):
        mine = [seconds for op, _, seconds in observed if op == operation]
        for status in (200, 404, 429):
            count = sum(1 for op, st, _ in observed if op == operation and st == status)
            assert (f'zhongtai_http_requests_total{{operation="{operation}",method="POST",status="{status}"}} '
                    f"{count}\n") in text
        for bound in BUCKETS:
            below = sum(1 for seconds in mine if seconds <= bound)
            assert f'zhongtai_http_request_seconds_bucket{{operation="{operation}",le="{bound:g}"}} {below}\n' in text
        assert f'zhongtai_http_request_seconds_bucket{{operation="{operation}",le="+Inf"}} {len(mine)}\n' in text
        assert f'zhongtai_http_request_seconds_sum{{operation="{operation}"}} {sum(mine):.9f}\n' in text
        assert bisect.bisect_left(BUCKETS, max(mine)) == len(BUCKETS)  # some landed beyond the last bound
