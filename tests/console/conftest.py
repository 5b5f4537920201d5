"""The console's fixtures: a seeded registry with two teams and their tokens, and a logged-in client.

``ConsoleClient`` drives the real gateway app (``create_app``, which mounts the
console at /console) in-process through Starlette's test client; the browser
tests start a real ``zhongtai serve`` instead (tests/gateway/conftest.py).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SEALED = re.compile(r'name="change" value="([^"]+)"')


@attrs.frozen
class Teams:
    url: str
    admin: str  # platform-wide admin token
    edu: str  # manage token of the edu team (edu and below)
    mall: str  # manage token of the mall team
    call: str  # call-only token for edu
    edu_principal: str


def seed_teams(url: str) -> Teams:
    """edu (edu-team) > edu.k12, mall (mall-team); pricing plugins enabled; a token per role."""
    from zhongtai.core import tokens
    from zhongtai.core.runtime.platform import Platform

    platform = Platform(url, refresh_interval=0)
    try:
        platform.create_business("edu", name="教育 Education", owner="edu-team", actor="setup")
        platform.create_business("edu.k12", name="K12", owner="edu-team", actor="setup")
        platform.create_business("mall", name="商城 Mall", owner="mall-team", actor="setup")
        platform.enable("pricing.price-list", "edu", config={"prices": {"math-101": "100.00"}}, actor="setup")
        platform.enable("pricing.price-list", "mall", config={"prices": {"tea": "55.00"}}, actor="setup")
        platform.enable("theming.base", "edu", actor="setup")
        edu = tokens.create(platform, business="edu", scope="manage", name="edu-ops", actor="setup")
        return Teams(
            url,
            tokens.create(platform, business=None, scope="admin", name="root", actor="setup").bearer,
            edu.bearer,
            tokens.create(platform, business="mall", scope="manage", name="mall-ops", actor="setup").bearer,
            tokens.create(platform, business="edu", scope="call", name="edu-h5", actor="setup").bearer,
            edu.token.principal,
        )
    finally:
        platform.close()


class ConsoleClient:
    """A browser-like client of the console in the gateway app (cookies kept between requests)."""

    def __init__(self, app: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient

            self.http = TestClient(app, base_url="http://testserver", follow_redirects=False)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> Any:
        return self.http.post(path, data=data, **kwargs)

    def csrf(self, path: str = "/console/login") -> str:
        page = self.get(path)
        match = CSRF.search(page.text)
        assert match, page.text[:2000]
        return match.group(1)

    def login(self, token: str) -> Any:
        return self.post("/console/login", {"csrf": self.csrf(), "token": token, "next": "/console/map"})


@pytest.fixture
def teams(sqlite_url: str) -> Teams:
    return seed_teams(sqlite_url)


@pytest.fixture
def console(teams: Teams) -> Iterator[Any]:
    """A factory of clients of one gateway app over the seeded registry."""
    from zhongtai.core.runtime.platform import Platform
    from zhongtai.gateway.app import create_app

    platform = Platform(teams.url, refresh_interval=0)
    app = create_app(platform=platform)
    yield lambda: ConsoleClient(app)
    platform.close()
