"""WCAG 2 contrast on the shared vectors, colour notations, translucency and theme pairs."""

from __future__ import annotations

from typing import Any

import pytest

from zhongtai.plugins.theming.colors import Color, parse_color
from zhongtai.plugins.theming.contrast import (
    ContrastPair,
    check_pairs,
    contrast_ratio,
    ratio_text,
    refuse_failures,
)
from zhongtai.plugins.theming.errors import LowContrastError, ThemeError
from zhongtai.plugins.theming.tokens import resolve


def ratio(fg: Any, bg: Any) -> float:
    return contrast_ratio(parse_color(fg), parse_color(bg))


def test_vector_cases(vectors: dict[str, Any]) -> None:
    cases = vectors["wcag_contrast"]["cases"]
    assert cases, "the vectors must hold contrast cases"
    for case in cases:
        value = ratio(case["fg"], case["bg"])
        if "ratio" in case:
            assert value == pytest.approx(case["ratio"], abs=0.005), case
        if "ratio_at_least" in case:
            assert value >= case["ratio_at_least"], case
        if "ratio_below" in case:
            assert value < case["ratio_below"], case


def test_ratio_is_symmetric_and_printed_truncated() -> None:
    assert ratio("#767676", "#ffffff") == pytest.approx(ratio("#ffffff", "#767676"))
    assert ratio_text(ratio("#767676", "#ffffff")) == "4.54:1"
    assert ratio_text(4.4999) == "4.50:1"
    assert ratio_text(4.4999, minimum=4.5) == "4.49:1"


def test_dtcg_colour_objects_and_fallbacks() -> None:
    srgb = {"colorSpace": "srgb", "components": [0, 0.4, 0.8], "hex": "#0066cc"}
    assert parse_color(srgb).css() == "#0066cc"
    assert ratio(srgb, "#0066cc") == pytest.approx(1.0)
    hsl = {"colorSpace": "hsl", "components": [0, 0, 0]}
    assert ratio(hsl, "#ffffff") == pytest.approx(21.0)
    assert parse_color(hsl).css() == "hsl(0 0% 0%)"
    p3 = {"colorSpace": "display-p3", "components": [1, 1, 1], "hex": "#ffffff"}
    assert ratio("#000000", p3) == pytest.approx(21.0)
    assert parse_color(p3).css() == "color(display-p3 1 1 1)"
    with pytest.raises(ValueError, match="without a \"hex\" fallback"):
        ratio("#000000", {"colorSpace": "oklch", "components": [1, 0, 0]})


def test_translucent_text_is_composited_over_its_background() -> None:
    half_black = Color("srgb", (0.0, 0.0, 0.0), 0.5)
    white = parse_color("#ffffff")
    grey = parse_color("#808080")  # what 50% black on white paints
    assert contrast_ratio(half_black, white) == pytest.approx(contrast_ratio(grey, white), rel=0.01)
    assert parse_color("#00000080").alpha == pytest.approx(128 / 255)


@pytest.mark.parametrize("bad", ["blue", "#12345", {"colorSpace": "rgb", "components": [0, 0, 0]},
                                 {"colorSpace": "srgb", "components": [0, 2, 0]}, 12])
def test_bad_colours_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        parse_color(bad)


THEME = {
    "color": {
        "$type": "color",
        "ink": {"$value": "#777777"},
        "dark": {"$value": "#222222"},
        "paper": {"$value": "#ffffff"},
    },
    "size": {"$type": "dimension", "s": {"$value": "4px"}},
}


def test_theme_pairs_pass_and_fail_with_their_ratio() -> None:
    results = check_pairs(resolve(THEME), [
        ContrastPair("color.dark", "color.paper"),
        ContrastPair("color.ink", "color.paper"),
        ContrastPair("color.ink", "color.paper", large_text=True),
    ])
    assert [r.passed for r in results] == [True, False, True]
    assert results[2].describe() == "color.ink on color.paper: 4.48:1 (needs 3:1, large text)"
    with pytest.raises(LowContrastError) as caught:
        refuse_failures(results, subject="the theme", remedy="fix it")
    assert caught.value.message == (
        "the theme fails WCAG 2 AA contrast: color.ink on color.paper: 4.48:1 (needs 4.5:1); fix it"
    )


@pytest.mark.parametrize(("pair", "message"), [
    (ContrastPair("color.none", "color.paper"), "names color.none, which the theme does not define"),
    (ContrastPair("size.s", "color.paper"), "names size.s, a dimension token, not a color"),
])
def test_pairs_must_name_colour_tokens(pair: ContrastPair, message: str) -> None:
    with pytest.raises(ThemeError, match=message):
        check_pairs(resolve(THEME), [pair])


def test_pair_paths_are_validated() -> None:
    with pytest.raises(ValueError, match="token path"):
        ContrastPair("{color.ink}", "color.paper")
