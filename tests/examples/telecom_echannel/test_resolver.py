"""``telecom-echannel.resolver`` through the kernel's identity resolution, on a real registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.examples.conftest import create
from zhongtai.core.errors import NotFound, PluginCallError

PLUGIN = "telecom-echannel.resolver"
SUBS = ("hotline", "wap", "sms", "agents", "pickup")
CONFIG = {
    "routes": {"phone": "telecom.echannel.hotline", "WAP": "telecom.echannel.wap", "sms": "telecom.echannel.sms",
               "agent": "telecom.echannel.agents", "pickup-point": "telecom.echannel.pickup"},
    "hosts": {"wap.example-telecom.cn": "telecom.echannel.wap"},
    "store_business": "telecom.echannel.pickup",
}


@pytest.fixture
def echannel(platform: Any) -> Any:
    create(platform, "telecom", "telecom.echannel", *(f"telecom.echannel.{s}" for s in SUBS))
    platform.enable(PLUGIN, "telecom.echannel", config=CONFIG)
    return platform


def resolved(platform: Any, scope: str = "telecom.echannel", **attributes: str) -> str:
    from zhongtai.core.runtime.resolve import resolve

    return str(resolve(platform, scope, attributes).code)


@pytest.mark.parametrize(("attributes", "business"), [
    ({"channel": "wap"}, "telecom.echannel.wap"),
    ({"channel": " Phone "}, "telecom.echannel.hotline"),
    ({"channel": "agent", "agent": "A7"}, "telecom.echannel.agents"),
    ({"host": "WAP.example-telecom.cn:443"}, "telecom.echannel.wap"),
    ({"store": "S-001"}, "telecom.echannel.pickup"),
    ({"channel": "sms", "store": "S-001"}, "telecom.echannel.sms"),  # the channel decides first
])
def test_request_attributes_map_to_the_subbusiness(echannel: Any, attributes: dict[str, str], business: str) -> None:
    assert resolved(echannel, **attributes) == business


def test_an_unknown_request_is_not_found_naming_its_attributes(echannel: Any) -> None:
    with pytest.raises(NotFound, match="channel=app"):
        resolved(echannel, channel="app")


def test_a_route_outside_the_scope_is_the_plugins_error(echannel: Any) -> None:
    create(echannel, "mall")
    echannel.enable(PLUGIN, "telecom.echannel", config={"routes": {"wap": "mall"}})
    with pytest.raises(PluginCallError, match=PLUGIN):
        resolved(echannel, channel="wap")


def test_an_empty_route_is_refused_at_enable(echannel: Any) -> None:
    from zhongtai.core.errors import ConfigError

    with pytest.raises(ConfigError, match="routes"):
        echannel.enable(PLUGIN, "telecom.echannel", config={"routes": {"wap": " "}})


def test_plugin_conforms(zhongtai_conformance: Callable[..., Any]) -> None:
    [report] = zhongtai_conformance(PLUGIN, config={"routes": {"wap": "telecom.echannel.wap"}}, max_examples=15)
    assert report.points
