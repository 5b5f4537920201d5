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
