"""``mall-flagship.brand-theme``: one brand colour in, a readable brand layer out, on a real registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mall_flagship.colour import contrast, readable_on, shade

from tests.examples.conftest import create
from zhongtai.core.errors import ConfigError

PLUGIN = "mall-flagship.brand-theme"


def flagship(platform: Any, **config: Any) -> Any:
    create(platform, "mall", "mall.flagship")
    platform.enable("theming.base", "mall")
    platform.enable(PLUGIN, "mall.flagship", config=config)
    return platform


def flat(platform: Any, business: str) -> dict[str, str]:
    """The business's resolved theme as ``{path: css text}``, contrast-checked by the theming service."""
    from zhongtai.plugins.theming.css import render_css
    from zhongtai.plugins.theming.service import business_theme

    css = render_css(business_theme(platform, business).theme)
    pairs = (line.strip().rstrip(";").split(":", 1) for line in css.splitlines() if line.strip().startswith("--"))
    return {name.strip(): value.strip() for name, value in pairs}


def test_the_brand_colour_reaches_header_buttons_and_links_and_the_mall_keeps_its_own(platform: Any) -> None:
    css = flat(flagship(platform, primary="#b3000c"), "mall.flagship")
    for token in ("--header-background", "--button-primary-background", "--color-text-link"):
        assert css[token] == "#b3000c"
    assert css["--button-primary-text"] == "#ffffff"
    assert css["--button-primary-background-pressed"] == shade("#b3000c", 15) == "#98000a"
    assert flat(platform, "mall")["--button-primary-background"] == "#0066cc"


def test_a_price_colour_may_be_set_and_text_on_the_brand_is_the_more_readable_one(platform: Any) -> None:
    css = flat(flagship(platform, primary="#c0561f", price="#8a1c00"), "mall.flagship")
    # 4.57:1 for white on this orange, 3.48:1 for ink: white is chosen
    assert css["--button-primary-text"] == "#ffffff"
    assert css["--color-price"] == "#8a1c00"


def test_ink_is_the_readable_text_on_a_light_colour() -> None:
    assert readable_on("#ffd400", ("#ffffff", "#1f2329")) == "#1f2329"
    assert readable_on("#b3000c", ("#ffffff", "#1f2329")) == "#ffffff"


@pytest.mark.parametrize(("config", "message"), [
    ({"primary": "#ffd400"}, "the brand colour on the page surface"),  # yellow links on white
    ({"primary": "#b3000c", "on_primary": "#ff5a5f"}, "text on the brand colour"),
    ({"primary": "red"}, "#rrggbb"),
    ({}, "primary"),
])
def test_an_unreadable_or_malformed_brand_is_refused_and_nothing_is_written(
        platform: Any, config: dict[str, Any], message: str) -> None:
    create(platform, "mall", "mall.flagship")
    revision = platform.snapshot.revision
    with pytest.raises(ConfigError, match=message):
        platform.enable(PLUGIN, "mall.flagship", config=config)
    assert platform.snapshot.revision == revision


def test_shades_and_contrast_match_known_values() -> None:
    assert shade("#ffffff", 0) == "#ffffff"
    assert shade("#ffffff", 100) == "#000000"
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic near miss


def test_plugin_conforms(zhongtai_conformance: Callable[..., Any]) -> None:
    [report] = zhongtai_conformance(PLUGIN, config={"primary": "#b3000c"}, max_examples=10)
    assert report.points
