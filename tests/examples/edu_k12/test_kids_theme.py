"""``edu-k12.kids-theme``: a layer over the platform base theme, merged and contrast-checked."""

from __future__ import annotations

from typing import Any

from tests.examples.conftest import create

PLUGIN = "edu-k12.kids-theme"


def theme(platform: Any, business: str) -> Any:
    from zhongtai.plugins.theming.service import business_theme

    return business_theme(platform, business)


def css_value(themed: Any, path: str) -> str:
    from zhongtai.plugins.theming.css import render_css

    prefix = "--" + path.replace(".", "-") + ":"
    line = next(x for x in render_css(themed.theme).splitlines() if x.strip().startswith(prefix))
    return line.split(":", 1)[1].strip().rstrip(";")


def kids_platform(platform: Any, **config: Any) -> Any:
    create(platform, "edu", "edu.k12")
    platform.enable("theming.base", "edu")
    platform.enable(PLUGIN, "edu.k12", config=config)
    return platform


def test_k12_buttons_are_orange_and_the_parent_keeps_the_platform_blue(platform: Any) -> None:
    kids_platform(platform)
    k12, edu = theme(platform, "edu.k12"), theme(platform, "edu")
    assert css_value(k12, "button.primary.background") == "#c2410c"
    assert css_value(k12, "color.text.link") == "#c2410c"  # aliases follow the brand colour
    assert css_value(edu, "button.primary.background") == "#0066cc"
    assert k12.layers == ("theming.base@edu", f"{PLUGIN}@edu.k12")


def test_the_merged_theme_passes_wcag_aa_everywhere(platform: Any) -> None:
    themed = theme(kids_platform(platform), "edu.k12")
    failing = [r for r in themed.contrast if not r.passed]
    assert not failing, failing


def test_larger_text_is_on_by_default_and_can_be_turned_off(platform: Any) -> None:
    kids_platform(platform)
    assert css_value(theme(platform, "edu.k12"), "font.size.body") == "16px"
    platform.enable(PLUGIN, "edu.k12", config={"larger_text": False})
    assert css_value(theme(platform, "edu.k12"), "font.size.body") == "14px"
