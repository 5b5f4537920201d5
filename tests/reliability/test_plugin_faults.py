"""Fault isolation: plugins that fail in every way a plugin can, and what the kernel does."""

from __future__ import annotations

import threading
from typing import Any

import attrs
import pytest

from tests.helpers.registry_rows import all_rows
from zhongtai.core.decision import Decision, Effect
from zhongtai.core.discovery import FAILED
from zhongtai.core.errors import ConfigError
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.channels import AccessRequest
from zhongtai.core.specs.notifiers import Delivery

RELEASE = threading.Event()


class Allow:
    @hookimpl
    def channels_authorize(self, request: Any) -> Decision:
        return Decision(Effect.ALLOW, rule="allow-all")


class Hangs:
    @hookimpl
    def channels_authorize(self, request: Any) -> Decision:
        RELEASE.wait(10)
        return Decision(Effect.ALLOW)

    @hookimpl
    def notifiers_deliver(self, message: Any) -> Delivery:
        RELEASE.wait(10)
        return Delivery("slow", "sent")


class Sends:
    @hookimpl
    def notifiers_deliver(self, message: Any) -> Delivery:
        return Delivery("sms", "sent")


class ExplodesOnInspection:
    """pluggy lists the plugin's attributes when registering; listing this one raises."""

    def __dir__(self) -> list[str]:
        raise RuntimeError("registration-time failure")

    @hookimpl
    def notifiers_deliver(self, message: Any) -> None:
        return None


def _explode(instance: Any, attribute: Any, value: Any) -> None:
    raise RuntimeError("validator crashed")


@attrs.frozen
class FragileConfig:
    level: int = attrs.field(default=1, validator=_explode)


@pytest.fixture
def platform(sqlite_url, make_platform):
    RELEASE.clear()
    platform = make_platform(sqlite_url, discover=False,
                             timeouts={"channels.authorize": 0.2, "notifiers.deliver": 0.2})
    platform.create_business("shop")
    yield platform
    RELEASE.set()
    platform.timeouts.close()


def test_a_plugin_that_fails_at_registration_is_reported_not_raised(platform):
    info = platform.add_plugin(ExplodesOnInspection(), "explodes", extension_points=["notifiers.deliver"])
    assert info.status == FAILED
    assert "registration-time failure" in info.error


def test_a_config_validator_that_crashes_refuses_the_change_and_writes_nothing(platform):
    platform.add_plugin(Sends(), "sends", config=FragileConfig)
    before = all_rows(platform.registry.engine)
    with pytest.raises(ConfigError, match="config class FragileConfig raised RuntimeError: validator crashed"):
        platform.enable("sends", "shop", config={"level": 2})
    assert all_rows(platform.registry.engine) == before


def test_a_hanging_permission_plugin_denies_after_its_time_limit(platform):
    platform.add_plugin(Allow(), "allow")
    platform.add_plugin(Hangs(), "hangs")
    platform.enable("allow", "shop")
    platform.enable("hangs", "shop", priority=1)
    result = platform.business("shop").explain(
        "channels.authorize", request=AccessRequest(channel="app", action="order.create"))
    assert result.value.allowed is False
    assert "did not answer within 0.2s" in result.value.reason


def test_a_hanging_delivery_channel_is_skipped_and_the_others_still_send(platform):
    platform.add_plugin(Hangs(), "slow")
    platform.add_plugin(Sends(), "sms")
    platform.enable("slow", "shop")
    platform.enable("sms", "shop")
    result = platform.business("shop").explain("notifiers.deliver", message=None)
    assert [c.value.channel for c in result.value] == ["sms"]
    assert [(s.plugin, s.outcome) for s in result.trace] == [("slow", "skipped"), ("sms", "contributed")]
    assert "PluginTimeout: did not answer within 0.2s" in result.trace[0].error
