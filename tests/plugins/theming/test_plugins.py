"""The installed plugins on a real registry: layering, refusal when enabled, the merged re-check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from zhongtai.core.config import build_config
from zhongtai.core.errors import ConfigError
from zhongtai.plugins.theming.base import BASE_CONTRAST_PAIRS, base_tokens
from zhongtai.plugins.theming.contrast import ContrastPair, check_pairs
from zhongtai.plugins.theming.css import render_css
from zhongtai.plugins.theming.errors import CircularReferenceError, LowContrastError, NoThemeError
from zhongtai.plugins.theming.overrides import OverridesConfig
from zhongtai.plugins.theming.service import business_theme
from zhongtai.plugins.theming.tokens import resolve

GREEN = "#07c160"  # white text on it is 2.38:1
DARK = "#1f2329"


def brand(**colours: str) -> dict[str, Any]:
    return {"color": {"brand": {name: {"$value": value} for name, value in colours.items()}}}


def test_base_theme_resolves_and_meets_its_own_pairs() -> None:
    theme = resolve(base_tokens())
    assert all(result.passed for result in check_pairs(theme, BASE_CONTRAST_PAIRS))
    css = render_css(theme)
    assert "  --color-brand-primary: #0066cc;\n" in css
    assert "  --button-primary-background: #0066cc;\n" in css


def test_config_builds_from_json_values() -> None:
    config = build_config(OverridesConfig, {
        "tokens": brand(primary="#b3000c"),
        "contrast_pairs": [{"text": "color.brand.on-primary", "background": "color.brand.primary", "large_text": True}],
    }, plugin="theming.overrides")
    assert config.contrast_pairs == (ContrastPair("color.brand.on-primary", "color.brand.primary", large_text=True),)
    assert OverridesConfig().contrast_pairs == BASE_CONTRAST_PAIRS


@pytest.fixture
def platform(sqlite_url: str, make_platform: Callable[..., Any]) -> Any:
    platform = make_platform(sqlite_url)  # discovers the installed zhongtai-theming entry points
    for code in ("mall", "mall.food", "mall.food.fresh", "mall.books"):
        platform.create_business(code, name=code.title())
    platform.enable("theming.base", "mall")
    return platform


def test_layers_merge_root_to_leaf_and_aliases_follow_the_override(platform: Any) -> None:
    platform.enable("theming.overrides", "mall.food", config={"tokens": brand(primary="#b3000c")})
    price = {"color": {"price": {"$value": "#a8071a"}}}
    platform.enable("theming.overrides", "mall.food.fresh", config={"tokens": price})
    fresh = business_theme(platform, "mall.food.fresh")
    assert fresh.layers == ("theming.base@mall", "theming.overrides@mall.food", "theming.overrides@mall.food.fresh")
    assert fresh.theme["button.primary.background"].css_text() == "#b3000c"  # via {color.brand.primary}
    assert fresh.theme["color.price"].css_text() == "#a8071a"
    books = business_theme(platform, "mall.books")
    assert books.theme["button.primary.background"].css_text() == "#0066cc"
    assert books.layers == ("theming.base@mall",)


def test_enable_refuses_low_contrast_naming_pair_and_ratio_and_writes_nothing(
    registry_url: str, make_platform: Callable[..., Any]
) -> None:
    platform = make_platform(registry_url)
    platform.create_business("shop")
    platform.enable("theming.base", "shop")
    revision = platform.registry.revision()
    with pytest.raises(ConfigError) as caught:
        platform.enable("theming.overrides", "shop", config={"tokens": brand(primary=GREEN)})
    message = caught.value.message
    assert "button.primary.text on button.primary.background: 2.38:1 (needs 4.5:1)" in message
    assert "header.text on header.background: 2.38:1" in message
    assert "allow_low_contrast" in message
    assert platform.registry.revision() == revision
    assert "theming.overrides" not in platform.registry.snapshot().effective("shop")

    platform.enable("theming.overrides", "shop", config={"tokens": brand(primary=GREEN), "allow_low_contrast": True})
    allowed = business_theme(platform, "shop")
    assert allowed.low_contrast_allowed
    assert [str(r.pair) for r in allowed.contrast if not r.passed] == [
        "color.text.link on color.background.surface",
        "header.text on header.background",
        "button.primary.text on button.primary.background",
        "button.secondary.text on button.secondary.background",
    ]


def test_dark_text_on_a_light_brand_is_accepted(platform: Any) -> None:
    tokens = brand(primary=GREEN, **{"on-primary": DARK})
    tokens["color"]["text"] = {"link": {"$value": "#067a3e"}}
    tokens["button"] = {"secondary": {"text": {"$value": "#067a3e"}}}
    platform.enable("theming.overrides", "mall.food", config={"tokens": tokens})
    theme = business_theme(platform, "mall.food")
    assert all(r.passed for r in theme.contrast)


@pytest.mark.parametrize(("tokens", "message"), [
    ({"color": {"brand": {"primary": {"$value": "{color.nope}"}}}},
     "token color.brand.primary refers to {color.nope}, which is not defined"),
    ({"color": {"brand": {"primary": {"$value": "{color.brand.link}"}, "link": {"$value": "{color.brand.primary}"}}}},
     "circular alias reference among color.brand.primary, color.brand.link"),
    ({"color": {"brand": {"primary": {"$value": "red"}}}}, "'red' is not a colour"),
])
def test_enable_refuses_an_invalid_layer(platform: Any, tokens: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("}", r"\}")):
        platform.enable("theming.overrides", "mall.food", config={"tokens": tokens})


def test_merged_theme_is_checked_again(platform: Any) -> None:
    """Each layer passes against the base theme, but together they paint white on green."""
    platform.enable("theming.overrides", "mall.food", config={
        "tokens": {**brand(primary=GREEN, **{"on-primary": DARK}),
                   "button": {"secondary": {"text": {"$value": DARK}}}},
        "contrast_pairs": [{"text": "button.primary.text", "background": "button.primary.background"}],
    })
    platform.enable("theming.overrides", "mall.food.fresh", config={"tokens": brand(**{"on-primary": "#ffffff"})})
    assert business_theme(platform, "mall.food").contrast[0].passed
    with pytest.raises(LowContrastError) as caught:
        business_theme(platform, "mall.food.fresh")
    assert caught.value.message.startswith(
        "the theme of business mall.food.fresh fails WCAG 2 AA contrast: "
        "button.primary.text on button.primary.background: 2.38:1"
    )


def test_a_loop_made_by_two_layers_is_reported_for_the_business(platform: Any) -> None:
    """Each layer resolves over the base theme; merged, they refer to each other."""
    platform.enable("theming.overrides", "mall.food", config={"tokens": brand(primary="{color.palette.grey-900}")})
    loop = {"color": {"palette": {"grey-900": {"$value": "{color.brand.primary}"}}}}
    platform.enable("theming.overrides", "mall.food.fresh", config={"tokens": loop})
    with pytest.raises(CircularReferenceError) as caught:
        business_theme(platform, "mall.food.fresh")
    assert set(caught.value.loop) == {"color.brand.primary", "color.palette.grey-900"}
    assert caught.value.message.startswith("the theme of business mall.food.fresh is invalid: circular alias")


def test_business_without_theming_has_no_theme(sqlite_url: str, make_platform: Callable[..., Any]) -> None:
    platform = make_platform(sqlite_url)
    platform.create_business("plain")
    with pytest.raises(NoThemeError, match=r"enable theming\.base"):
        business_theme(platform, "plain")
