"""WCAG 2 contrast: relative luminance, contrast ratio, and text/background pairs of a theme.

The ratio is ``(L1 + 0.05) / (L2 + 0.05)`` of the lighter and darker relative
luminances, never rounded before comparing (4.499:1 fails 4.5:1).  WCAG 2 AA
asks 4.5:1 for body text and 3:1 for large text (24px, or 18.66px bold).

Translucent colours are composited the way a browser paints them: the
background over white (the page), then the text over that background.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import attrs

from zhongtai.plugins.theming.colors import Color, parse_color
from zhongtai.plugins.theming.errors import LowContrastError, ThemeError
from zhongtai.plugins.theming.tokens import Theme

AA_BODY_TEXT = 4.5
AA_LARGE_TEXT = 3.0

RGB = tuple[float, float, float]


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def relative_luminance(rgb: RGB) -> float:
    """WCAG relative luminance of gamma-encoded sRGB channels in 0..1."""
    r, g, b = (_linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _over(top: RGB, alpha: float, bottom: RGB) -> RGB:
    r, g, b = (alpha * t + (1 - alpha) * u for t, u in zip(top, bottom))
    return r, g, b


def contrast_ratio(text: Color, background: Color) -> float:
    """The WCAG 2 contrast ratio (1..21) of *text* painted on *background* on a white page.

    Raises ``ValueError`` for a colour that cannot be converted to sRGB.
    """
    white: RGB = (1.0, 1.0, 1.0)
    ground = _over(background.srgb(), background.alpha, white)
    ink = _over(text.srgb(), text.alpha, ground)
    lighter, darker = sorted((relative_luminance(ink), relative_luminance(ground)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def ratio_text(ratio: float, minimum: float | None = None) -> str:
    """``4.54:1``, rounded to two decimals -- but truncated where rounding would lift a
    ratio below *minimum* up to it (4.499 prints as 4.49:1, not 4.50:1)."""
    shown = round(ratio, 2)
    if minimum is not None and ratio < minimum <= shown:
        shown = math.floor(ratio * 100) / 100
    return f"{shown:.2f}:1"


def _token_path(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not isinstance(value, str) or not value or value.startswith("{") or " " in value.strip():
        raise ValueError(f"{attribute.name} must be a token path such as 'color.text.primary', got {value!r}")


@attrs.frozen
class ContrastPair:
    """Two colour tokens that are painted as text on background, and which WCAG minimum applies."""

    text: str = attrs.field(validator=_token_path)
    background: str = attrs.field(validator=_token_path)
    large_text: bool = False

    @property
    def minimum(self) -> float:
        return AA_LARGE_TEXT if self.large_text else AA_BODY_TEXT

    def __str__(self) -> str:
        return f"{self.text} on {self.background}"


@attrs.frozen
class ContrastResult:
    """A pair's ratio in one theme."""

    pair: ContrastPair
    ratio: float

    @property
    def passed(self) -> bool:
        return self.ratio >= self.pair.minimum

    def describe(self) -> str:
        """``color.text.link on color.background.surface: 2.38:1 (needs 4.5:1)``."""
        large = ", large text" if self.pair.large_text else ""
        return f"{self.pair}: {ratio_text(self.ratio, self.pair.minimum)} (needs {self.pair.minimum:g}:1{large})"


def _colour(theme: Theme, path: str, pair: ContrastPair) -> Color:
    token = theme.get(path)
    if token is None:
        raise ThemeError(f"contrast pair {pair} names {path}, which the theme does not define")
    if token.type != "color":
        raise ThemeError(f"contrast pair {pair} names {path}, a {token.type} token, not a color")
    return parse_color(token.value)


def check_pairs(theme: Theme, pairs: Iterable[ContrastPair]) -> tuple[ContrastResult, ...]:
    """The contrast of every pair in *theme*; a ``ThemeError`` if a pair names no colour token."""
    results = []
    for pair in pairs:
        text, background = _colour(theme, pair.text, pair), _colour(theme, pair.background, pair)
        try:
            ratio = contrast_ratio(text, background)
        except ValueError as exc:
            raise ThemeError(f"contrast pair {pair}: {exc}") from None
        results.append(ContrastResult(pair, ratio))
    return tuple(results)


def refuse_failures(results: Iterable[ContrastResult], *, subject: str, remedy: str) -> None:
    """Raise :class:`LowContrastError` naming every failing pair and its ratio, if any fails."""
    failures = [r.describe() for r in results if not r.passed]
    if failures:
        raise LowContrastError(f"{subject} fails WCAG 2 AA contrast: {'; '.join(failures)}; {remedy}")
