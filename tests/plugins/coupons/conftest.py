"""Fixtures of the coupons tests: a real registry (SQLite file and PostgreSQL), a business tree, templates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import postgresql_schema_url
from zhongtai.plugins.coupons import templates


@pytest.fixture
def mall(registry_url: str, make_platform: Callable[..., Any]) -> Any:
    """A Platform (every installed plugin discovered) with businesses ``mall`` and ``mall.flagship``."""
    platform = make_platform(registry_url)
    platform.create_business("mall", owner="mall-team")
    platform.create_business("mall.flagship")
    return platform


@pytest.fixture
def pg_mall(make_platform: Callable[..., Any]) -> Iterator[Any]:
    """``mall`` and ``mall.flagship`` on PostgreSQL only (plans, COPY)."""
    for url in postgresql_schema_url("ztcoupons"):
        platform = make_platform(url)
        platform.create_business("mall", owner="mall-team")
        platform.create_business("mall.flagship")
        yield platform


@pytest.fixture
def sqlite_mall(sqlite_url: str, make_platform: Callable[..., Any]) -> Any:
    platform = make_platform(sqlite_url)
    platform.create_business("mall", owner="mall-team")
    platform.create_business("mall.flagship")
    return platform


def make_template(platform: Any, name: str = "save20", business: str = "mall", **terms: Any) -> Any:
    """Create a template (amount 20.00 off from 100.00 unless told otherwise) and return it."""
    data = {"kind": "amount", "value": "20.00", "min_spend": "100.00", "valid_days": 7, **terms}
    return templates.create(platform, business, name, data, actor="tester").template
