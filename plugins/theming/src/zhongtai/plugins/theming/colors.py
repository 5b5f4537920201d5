"""Colour values of design tokens: parsing, sRGB for contrast, CSS text.

Two notations are accepted for a ``color`` token's ``$value``:

* the DTCG 2025.10 object ``{"colorSpace": "srgb", "components": [0, 0.4, 0.8],
  "alpha": 1, "hex": "#0066cc"}`` (``alpha`` and ``hex`` optional; a component
  may be ``"none"``), in any of the format's colour spaces;
* a CSS hex string (``#rgb``, ``#rgba``, ``#rrggbb``, ``#rrggbbaa``), as in
  earlier drafts and as most people write a colour.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from zhongtai.plugins.theming.csstext import number_text

#: Colour spaces of the DTCG 2025.10 format and the CSS function that writes each.
SPACES: Mapping[str, str] = {
    "srgb": "color",
    "srgb-linear": "color",
    "display-p3": "color",
    "a98-rgb": "color",
    "prophoto-rgb": "color",
    "rec2020": "color",
    "xyz-d65": "color",
    "xyz-d50": "color",
    "hsl": "hsl",
    "hwb": "hwb",
    "lab": "lab",
    "lch": "lch",
    "oklab": "oklab",
    "oklch": "oklch",
}

_HEX = re.compile(r"#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_PERCENT_COMPONENTS: Mapping[str, tuple[bool, bool, bool]] = {
    "hsl": (False, True, True),
    "hwb": (False, True, True),
}

Component = float | None  # None is the DTCG/CSS keyword "none"


@attrs.frozen
class Color:
    """One colour: its space, three components (``None`` for ``none``), alpha, optional hex fallback."""

    space: str
    components: tuple[Component, Component, Component]
    alpha: float = 1.0
    hex: str | None = None

    def srgb(self) -> tuple[float, float, float]:
        """Gamma-encoded sRGB channels in 0..1 (for contrast).

        ``srgb``, ``srgb-linear``, ``hsl`` and ``hwb`` are converted; other spaces
        use the token's ``hex`` fallback.  Raises ``ValueError`` when neither works.
        """
        c0, c1, c2 = (0.0 if c is None else c for c in self.components)
        if self.space == "srgb":
            return _clip((c0, c1, c2))
        if self.space == "srgb-linear":
            return _clip(tuple(_gamma(c) for c in (c0, c1, c2)))  # type: ignore[arg-type]
        if self.space == "hsl":
            return _clip(_hsl_to_srgb(c0, c1, c2))
        if self.space == "hwb":
            return _clip(_hwb_to_srgb(c0, c1, c2))
        if self.hex is not None:
            return parse_color(self.hex).srgb()
        raise ValueError(f"cannot convert a {self.space} colour to sRGB without a \"hex\" fallback")

    def css(self) -> str:
        """CSS text: ``#rrggbb`` for opaque sRGB, else the space's CSS colour function."""
        if self.space == "srgb" and self.alpha == 1 and None not in self.components:
            return "#" + "".join(f"{round(c * 255):02x}" for c in self.components)  # type: ignore[operator]
        percents = _PERCENT_COMPONENTS.get(self.space, (False, False, False))
        parts = [
            "none" if c is None else number_text(c) + ("%" if pct else "")
            for c, pct in zip(self.components, percents)
        ]
        alpha = "" if self.alpha == 1 else f" / {number_text(self.alpha)}"
        function = SPACES[self.space]
        if function == "color":
            return f"color({self.space} {' '.join(parts)}{alpha})"
        return f"{function}({' '.join(parts)}{alpha})"


def _clip(channels: tuple[float, ...]) -> tuple[float, float, float]:
    r, g, b = (min(1.0, max(0.0, c)) for c in channels)
    return r, g, b


def _gamma(linear: float) -> float:
    sign = -1.0 if linear < 0 else 1.0
    magnitude = abs(linear)
    if magnitude <= 0.0031308:
        return 12.92 * linear
    encoded: float = 1.055 * magnitude ** (1 / 2.4) - 0.055
    return sign * encoded


def _hsl_to_srgb(hue: float, saturation: float, lightness: float) -> tuple[float, float, float]:
    """CSS Color 4's hslToRgb (saturation and lightness in percent)."""
    s, light = saturation / 100, lightness / 100

    def channel(n: int) -> float:
        k = (n + hue / 30) % 12
        a = s * min(light, 1 - light)
        return light - a * max(-1.0, min(k - 3, 9 - k, 1.0))

    return channel(0), channel(8), channel(4)


def _hwb_to_srgb(hue: float, white: float, black: float) -> tuple[float, float, float]:
    """CSS Color 4's hwbToRgb (whiteness and blackness in percent)."""
    w, b = white / 100, black / 100
    if w + b >= 1:
        grey = w / (w + b)
        return grey, grey, grey
    r, g, bl = _hsl_to_srgb(hue, 100, 50)
    return tuple(c * (1 - w - b) + w for c in (r, g, bl))  # type: ignore[return-value]


def _parse_hex(text: str) -> Color:
    match = _HEX.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a colour (expected #rgb, #rrggbb, #rrggbbaa or a DTCG colour object)")
    digits = match.group(1)
    if len(digits) in (3, 4):
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in range(0, len(digits), 2)]
    alpha = channels[3] if len(channels) == 4 else 1.0
    return Color("srgb", (channels[0], channels[1], channels[2]), alpha, "#" + digits[:6].lower())


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, got {value!r}")
    return float(value)


def _parse_object(value: Mapping[str, Any]) -> Color:
    unknown = sorted(set(value) - {"colorSpace", "components", "alpha", "hex"})
    if unknown:
        raise ValueError(f"unknown colour property {unknown[0]!r} (known: colorSpace, components, alpha, hex)")
    space = value.get("colorSpace")
    if space not in SPACES:
        raise ValueError(f"colorSpace must be one of {', '.join(SPACES)}, got {space!r}")
    raw = value.get("components")
    if not isinstance(raw, list) or len(raw) != 3:
        raise ValueError(f"components must be a list of three numbers, got {raw!r}")
    components = tuple(None if c == "none" else _number(c, "each component") for c in raw)
    if space == "srgb" and any(c is not None and not 0 <= c <= 1 for c in components):
        raise ValueError(f"srgb components must lie in 0..1, got {raw!r}")
    alpha = _number(value.get("alpha", 1), "alpha")
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must lie in 0..1, got {alpha!r}")
    fallback = value.get("hex")
    if fallback is not None:
        if not (isinstance(fallback, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", fallback)):
            raise ValueError(f"hex must be a 6-digit #rrggbb string, got {fallback!r}")
        fallback = fallback.lower()
    return Color(space, components, alpha, fallback)  # type: ignore[arg-type]


def parse_color(value: Any) -> Color:
    """Parse a colour token's ``$value``; raises ``ValueError`` saying what is wrong."""
    if isinstance(value, str):
        return _parse_hex(value)
    if isinstance(value, Mapping):
        return _parse_object(value)
    raise ValueError(f"expected a colour (hex string or DTCG colour object), got {value!r}")
