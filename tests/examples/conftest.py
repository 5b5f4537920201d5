"""Fixtures of the example teams' tests: a real SQLite registry with every installed plugin.

The example packages are tested as their teams would test them in CI: installed
(``pip install -e examples/<team>``), found through their real entry points,
on a real registry, next to the platform's capability packages.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: Keys of the platform's verification plugin, for tests only.
SERVER_KEY = "example-tests-server-key-0123456789"
#: A fixed instant (18 June 2025, noon in Beijing), so nothing depends on the clock.
NOON = dt.datetime(2025, 6, 18, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def platform(sqlite_url: str, make_platform: Callable[..., Any]) -> Any:
    """A Platform on a fresh SQLite registry that discovers every installed plugin."""
    return make_platform(sqlite_url)


def create(platform: Any, *codes: str) -> None:
    """Create each business (parents first) that does not exist yet."""
    for code in codes:
        if code not in platform.snapshot.businesses:
            platform.create_business(code, actor="example-tests")


def fake_sms(platform: Any, business: str) -> Any:
    """Enable the platform's SMS channel with a fake provider of its own; return that provider."""
    from zhongtai.plugins.notifiers.channels.sms import fake_provider

    name = f"example-tests-{uuid.uuid4().hex[:8]}"
    platform.enable("notifiers.sms", business, config={"provider": "fake", "fake_name": name})
    return fake_provider(name)


def last_code(provider: Any) -> str:
    """The one-time code in the last SMS *provider* accepted."""
    assert provider.sent, "no SMS was sent"
    found = re.search(r"\b(\d{4,10})\b", provider.sent[-1].text)
    assert found, provider.sent[-1].text
    return found.group(1)


def id_number(birth: str, sequence: str = "123") -> str:
    """A checksum-valid 18-character resident ID number (GB 11643) born on *birth* (``YYYYMMDD``)."""
    body = f"110105{birth}{sequence}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return body + check


def team_project(folder: str) -> Any:
    """The plugin project in ``examples/<folder>``, for the SDK's ``zhongtai_*`` fixtures."""
    from zhongtai.sdk.metadata import read_project

    return read_project(EXAMPLES / folder)
