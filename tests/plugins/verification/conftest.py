"""Fixtures: a registry with the installed verification plugins enabled, a manual clock,
and a small in-process notifier channel that keeps what it is given (a real plugin
through the real kernel, standing in for the SMS gateway we cannot reach)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.notifiers import Delivery, Message

SERVER_KEY = "test-server-key-0123456789"
TOTP_KEY = "test-totp-key-0123456789abcdef"
START = dt.datetime(2024, 5, 1, 8, 0, 0, tzinfo=dt.UTC)


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@attrs.frozen
class InboxConfig:
    status: str = "sent"


class Inbox:
    """notifiers.deliver: keeps every message and answers with the configured status."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    @hookimpl
    def notifiers_deliver(self, message: Message, context: Any) -> Delivery:
        self.messages.append(message)
        return Delivery("inbox", context.config.status, "gateway said no" if context.config.status != "sent" else "")

    def last_code(self) -> str:
        assert self.messages, "no message was sent"
        found = re.search(r"\b(\d{4,10})\b", self.messages[-1].body)
        assert found, self.messages[-1].body
        return found.group(1)


@attrs.frozen
class World:
    platform: Any
    inbox: Inbox
    clock: ManualClock

    @property
    def verifier(self) -> Any:
        from zhongtai.plugins.verification.service import Verifier

        return Verifier(self.platform, clock=self.clock)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def enable_verification(platform: Any, business: str) -> None:
    """The standard components (with keys) and the fake provider at *business*."""
    platform.enable("verification.standard", business, config={"server_key": SERVER_KEY, "totp_key": TOTP_KEY})
    platform.enable("verification.fake-provider", business)


def build_world(url: str, make_platform: Callable[..., Any], clock: ManualClock) -> World:
    platform = make_platform(url)  # discovers the installed verification plugins
    inbox = Inbox()
    platform.add_plugin(inbox, "test.inbox", config=InboxConfig)
    platform.create_business("fin")
    platform.create_business("fin.loans")
    enable_verification(platform, "fin")
    platform.enable("test.inbox", "fin")
    return World(platform, inbox, clock)


@pytest.fixture
def world(registry_url: str, make_platform: Callable[..., Any], clock: ManualClock) -> World:
    """On SQLite and on PostgreSQL."""
    return build_world(registry_url, make_platform, clock)


@pytest.fixture
def sqlite_world(sqlite_url: str, make_platform: Callable[..., Any], clock: ManualClock) -> World:
    return build_world(sqlite_url, make_platform, clock)
