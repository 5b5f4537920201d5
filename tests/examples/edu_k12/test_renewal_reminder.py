"""``edu-k12.renewal-reminder``: the K12 wording, rendered and delivered by the platform's outbox."""

from __future__ import annotations

from typing import Any

import pytest

from tests.examples.conftest import create
from zhongtai.sdk import Recipient

PLUGIN = "edu-k12.renewal-reminder"
EVENT = {"name": "小明", "product": "三年级数学", "expires_on": "2025-07-01"}


@pytest.fixture
def k12(platform: Any) -> Any:
    """edu has the platform's templates (a generic renewal_reminder); edu.k12 its own; both an inbox."""
    create(platform, "edu", "edu.k12")
    platform.enable("notifiers.inbox", "edu")
    platform.enable("notifiers.templates", "edu", config={"templates": {
        "renewal_reminder": {"body": "{{ product }} expires on {{ expires_on }}."},
        "welcome": {"body": "Welcome, {{ name }}!"},
    }})
    platform.enable(PLUGIN, "edu.k12")
    return platform


def delivered(platform: Any, business: str, template: str, **variables: Any) -> str:
    """Send *template* to a user's inbox at *business*, run the worker once, return what arrived."""
    from zhongtai.plugins.notifiers.channels.inbox import inbox
    from zhongtai.plugins.notifiers.outbox import send
    from zhongtai.plugins.notifiers.worker import Worker

    result = send(platform, business, kind="notification", recipient=Recipient(user_id="parent-1"),
                  template=template, variables=variables)
    assert result.state == "pending", result
    Worker(platform).run(once=True)
    items = inbox(platform, business, "parent-1")
    assert items, "nothing was delivered"
    return str(items[0].body)


def test_k12_writes_to_the_parents_and_the_parent_business_keeps_the_platform_wording(k12: Any) -> None:
    body = delivered(k12, "edu.k12", "renewal_reminder", **EVENT, days_left=7)
    assert body.startswith("小明 同学家长您好：小明 的「三年级数学」将于 2025-07-01 到期（还有 7 天）")
    assert body.endswith("—— K12 学习中心")
    assert delivered(k12, "edu", "renewal_reminder", **EVENT, days_left=7) == "三年级数学 expires on 2025-07-01."


def test_three_days_or_fewer_left_is_said_plainly(k12: Any) -> None:
    assert "仅剩 2 天，请尽快续费" in delivered(k12, "edu.k12", "renewal_reminder", **EVENT, days_left=2)


def test_other_templates_still_come_from_the_platform(k12: Any) -> None:
    assert delivered(k12, "edu.k12", "welcome", name="小明") == "Welcome, 小明!"


def test_the_signature_is_configurable_but_cannot_inject_template_syntax(k12: Any) -> None:
    from zhongtai.core.errors import ConfigError

    k12.enable(PLUGIN, "edu.k12", config={"sender": "小学部"})
    assert delivered(k12, "edu.k12", "renewal_reminder", **EVENT, days_left=9).endswith("—— 小学部")
    with pytest.raises(ConfigError, match="sender"):
        k12.enable(PLUGIN, "edu.k12", config={"sender": "{{ 7 * 7 }}"})
