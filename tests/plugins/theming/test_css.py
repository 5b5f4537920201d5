"""CSS custom properties: names, every type's value text, escaping, collisions."""

from __future__ import annotations

from typing import Any

import pytest

from zhongtai.plugins.theming.css import custom_properties, property_name, render_css
from zhongtai.plugins.theming.csstext import number_text, quote_string
from zhongtai.plugins.theming.errors import InvalidTokensError, ThemeError
from zhongtai.plugins.theming.tokens import resolve
from zhongtai.plugins.theming.values import css_text


def test_render_css_of_the_issue_example() -> None:
    doc = {"color": {"brand": {"primary": {"$type": "color", "$value": "#0066CC"}}}}
    assert render_css(resolve(doc)) == ":root {\n  --color-brand-primary: #0066cc;\n}\n"


def test_empty_theme_is_an_empty_rule() -> None:
    assert render_css(resolve({})) == ":root {\n}\n"


@pytest.mark.parametrize(("path", "name"), [
    ("color.brand.primary", "--color-brand-primary"),
    ("accent.$root", "--accent"),
    ("space.2xl", "--space-2xl"),
    ("品牌.主色", "--品牌-主色"),
    ("a b.c;d", "--a\\ b-c\\;d"),
    ("x.<y>", "--x-\\3c y\\>"),
    ("q.\"'", "--q-\\\"\\'"),
])
def test_property_names_are_escaped(path: str, name: str) -> None:
    assert property_name(path) == name


def test_colliding_names_are_refused_naming_both_tokens() -> None:
    doc = {"$type": "color", "a": {"b-c": {"$value": "#fff"}, "b": {"c": {"$value": "#000"}}}}
    with pytest.raises(ThemeError, match=r"tokens a\.b-c and a\.b\.c would both be the CSS property --a-b-c"):
        custom_properties(resolve(doc))


@pytest.mark.parametrize(("token_type", "value", "text"), [
    ("color", "#FFF", "#ffffff"),
    ("color", "#00000080", "color(srgb 0 0 0 / 0.501961)"),
    ("color", {"colorSpace": "oklch", "components": [0.6, 0.1, "none"], "alpha": 0.5}, "oklch(0.6 0.1 none / 0.5)"),
    ("dimension", {"value": 16, "unit": "px"}, "16px"),
    ("dimension", {"value": 0.5, "unit": "rem"}, "0.5rem"),
    ("dimension", "12px", "12px"),
    ("duration", {"value": 150, "unit": "ms"}, "150ms"),
    ("number", 1.5, "1.5"),
    ("fontWeight", "semi-bold", "600"),
    ("fontWeight", 450, "450"),
    ("fontFamily", ["PingFang SC", "system-ui", "sans-serif"], '"PingFang SC", system-ui, sans-serif'),
    ("fontFamily", "Evil\"; } body { x: \"</style>", '"Evil\\"; } body { x: \\"\\3c /style>"'),
    ("cubicBezier", [0.25, 0.1, 0.25, 1], "cubic-bezier(0.25, 0.1, 0.25, 1)"),
    ("strokeStyle", "dashed", "dashed"),
    ("border", {"color": "#000", "width": "1px", "style": "solid"}, "1px solid #000000"),
    ("transition", {"duration": "200ms", "delay": "0ms", "timingFunction": [0, 0, 1, 1]},
     "200ms cubic-bezier(0, 0, 1, 1) 0ms"),
    ("shadow", [{"color": "#00000033", "offsetX": "0px", "offsetY": "2px", "blur": "8px", "spread": "0px"},
                {"color": "#000", "offsetX": "0px", "offsetY": "0px", "blur": "1px", "spread": "0px", "inset": True}],
     "0px 2px 8px 0px color(srgb 0 0 0 / 0.2), inset 0px 0px 1px 0px #000000"),
    ("gradient", [{"color": "#fff", "position": 0}, {"color": "#000", "position": 1}], "#ffffff 0%, #000000 100%"),
    ("typography", {"fontFamily": "serif", "fontSize": "16px", "fontWeight": 400, "letterSpacing": "0px",
                    "lineHeight": 1.5}, "400 16px/1.5 serif"),
])
def test_value_text_of_every_type(token_type: str, value: Any, text: str) -> None:
    assert css_text(token_type, value) == text


@pytest.mark.parametrize(("token_type", "value"), [
    ("dimension", "16px; color: red"),
    ("dimension", {"value": 16, "unit": "em"}),
    ("dimension", {"value": float("inf"), "unit": "px"}),
    ("duration", {"value": -1, "unit": "ms"}),
    ("number", True),
    ("fontWeight", 1001),
    ("fontWeight", "heavyish"),
    ("fontFamily", []),
    ("cubicBezier", [2, 0, 0, 1]),
    ("strokeStyle", "wavy"),
    ("border", {"color": "#000", "width": "1px"}),
    ("shadow", {"color": "#000", "offsetX": "0px", "offsetY": "0px", "blur": "1px", "spread": "0px", "x": 1}),
    ("gradient", [{"color": "#fff"}]),
])
def test_invalid_values_are_refused(token_type: str, value: Any) -> None:
    with pytest.raises(ValueError):
        css_text(token_type, value)


def test_injection_through_a_value_is_impossible() -> None:
    doc = {"x": {"$type": "dimension", "$value": "1px;}</style><script>alert(1)</script>"}}
    with pytest.raises(InvalidTokensError):
        resolve(doc)
    font = {"font": {"$type": "fontFamily", "$value": ["</style><script>alert(1)</script>"]}}
    css = render_css(resolve(font))
    assert "<" not in css
    assert css.count(";") == 1  # the declaration's own


def test_css_lexical_helpers() -> None:
    assert number_text(-0.0) == "0"
    assert number_text(0.1 + 0.2) == "0.3"
    assert number_text(10) == "10"
    assert quote_string('a"b\\c\nd') == '"a\\"b\\\\c\\a d"'
    with pytest.raises(ValueError):
        number_text(float("nan"))
