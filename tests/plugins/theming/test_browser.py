"""The preview page in real headless Chromium: two businesses, two different primary buttons.

The page's own script writes ``getComputedStyle`` results into ``data-*``
attributes of ``<body>``, read back with ``--dump-dom``; the screenshot is
decoded and the pixel at the centre of the primary button compared too.
Skipped when Chromium is missing on a developer machine; a failure in CI.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from zhongtai.core.cli.main import cli
from zhongtai.plugins.theming.colors import parse_color
from zhongtai.plugins.theming.service import business_theme

from .browser import CHROMIUM, dump_dom, read_png, screenshot

pytestmark = pytest.mark.browser

BUSINESSES = {"mall.ocean": None, "mall.cherry": "#b3000c"}  # None: the base theme's #0066cc


@pytest.fixture(scope="module", autouse=True)
def chromium_present() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"headless Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason + " -- CI=true: browser tests must not be skipped")
        pytest.skip(reason)


class _Body(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attributes: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.attributes = {k: v or "" for k, v in attrs}


def body_attributes(dom: str) -> dict[str, str]:
    parser = _Body()
    parser.feed(dom)
    return parser.attributes


def rgb_of(computed: str) -> tuple[int, int, int]:
    match = re.fullmatch(r"rgb\((\d+), (\d+), (\d+)\)", computed)
    assert match, f"unexpected computed colour {computed!r}"
    r, g, b = (int(v) for v in match.groups())
    return r, g, b


def token_rgb(value: Any) -> tuple[int, int, int]:
    r, g, b = (round(c * 255) for c in parse_color(value).srgb())
    return r, g, b


@pytest.fixture
def pages(sqlite_url: str, make_platform: Callable[..., Any], tmp_path: Path) -> dict[str, tuple[Path, Any]]:
    platform = make_platform(sqlite_url)
    platform.create_business("mall", name="Mall")
    platform.enable("theming.base", "mall")
    made = {}
    for code, primary in BUSINESSES.items():
        platform.create_business(code, name=code.split(".")[1].title())
        if primary:
            tokens = {"color": {"brand": {"primary": {"$value": primary}}}}
            platform.enable("theming.overrides", code, config={"tokens": tokens})
        page = tmp_path / f"{code}.html"
        result = CliRunner().invoke(cli, ["--database-url", sqlite_url, "theme", "preview", "--business", code,
                                          "-o", str(page)])
        assert result.exit_code == 0, result.output
        made[code] = (page, business_theme(platform, code).theme["button.primary.background"].value)
    return made


def test_primary_buttons_render_in_each_business_colour(pages: dict[str, tuple[Path, Any]], tmp_path: Path) -> None:
    profile = tmp_path / "chromium-profile"
    painted = {}
    for code, (page, token_value) in pages.items():
        expected = token_rgb(token_value)
        attributes = body_attributes(dump_dom(profile, page))
        assert attributes.get("data-business") == code
        computed = rgb_of(attributes["data-primary-button-background"])
        assert computed == expected, f"{code}: computed {computed}, token {expected}"

        left, top, width, _ = (int(v) for v in attributes["data-primary-button-rect"].split(","))
        x, y = left + width // 2, top + 4  # inside the pill, above its label
        image = read_png(screenshot(profile, page, tmp_path / f"{code}.png"), rows=y + 1)
        pixel = image.pixel(x, y)
        assert all(abs(p - e) <= 2 for p, e in zip(pixel, expected)), f"{code}: painted {pixel}, token {expected}"
        painted[code] = computed
    assert painted["mall.ocean"] != painted["mall.cherry"]
    assert painted["mall.ocean"] == (0, 102, 204)
    assert painted["mall.cherry"] == (179, 0, 12)
