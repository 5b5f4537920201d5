"""identity.resolve: request attributes -> a business within the scope."""

from __future__ import annotations

from typing import Any

import pytest

from zhongtai.core.errors import NotFound, PluginCallError
from zhongtai.core.markers import hookimpl
from zhongtai.core.runtime.resolve import resolve


class ByChannel:
    @hookimpl
    def identity_resolve(self, request: Any, context: Any) -> str | None:
        channel = request.attributes.get("channel")
        return {"phone": "telecom.phone", "wap": "telecom.wap", "rogue": "edu", "bad": "BAD"}.get(channel)


@pytest.fixture
def platform(sqlite_url, make_platform):
    platform = make_platform(sqlite_url, discover=False)
    platform.add_plugin(ByChannel(), "by-channel")
    for code in ("telecom", "telecom.phone", "telecom.wap", "edu"):
        platform.create_business(code)
    platform.enable("by-channel", "telecom")
    return platform


def test_resolves_to_a_descendant(platform):
    assert resolve(platform, "telecom", {"channel": "wap"}).code == "telecom.wap"


def test_no_answer_is_a_clear_not_found(platform):
    with pytest.raises(NotFound, match="no identity resolver under telecom recognises channel=sms"):
        resolve(platform, "telecom", {"channel": "sms"})


@pytest.mark.parametrize(("channel", "message"), [
    ("rogue", "answered 'edu', which is outside telecom"),
    ("bad", "returned an invalid business code"),
])
def test_answers_outside_the_scope_are_plugin_errors(platform, channel, message):
    with pytest.raises(PluginCallError, match=message):
        resolve(platform, "telecom", {"channel": channel})
