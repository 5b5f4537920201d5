"""The little colour arithmetic a brand layer needs: ``#rrggbb`` colours, shading, WCAG 2 contrast.

Colours are sRGB ``#rrggbb`` strings (lowercase on output).  Contrast follows
WCAG 2: ``(L1 + 0.05) / (L2 + 0.05)`` of the relative luminances, unrounded.
"""

from __future__ import annotations

import re

_HEX = re.compile(r"#[0-9a-fA-F]{6}\Z")


def is_hex(value: str) -> bool:
    """Whether *value* is an ``#rrggbb`` colour."""
    return bool(_HEX.match(value))


def channels(colour: str) -> tuple[int, int, int]:
    """The 0-255 red, green and blue of ``#rrggbb`` (``ValueError`` for anything else)."""
    if not is_hex(colour):
        raise ValueError(f"{colour!r} is not a #rrggbb colour")
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def shade(colour: str, percent: int) -> str:
    """*colour* mixed with *percent* % black (0: unchanged, 100: black)."""
    if not 0 <= percent <= 100:
        raise ValueError(f"a shade is 0-100 %, got {percent}")
    keep = (100 - percent) / 100
    return "#" + "".join(f"{round(c * keep):02x}" for c in channels(colour))


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0 black .. 1 white)."""

    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 .. 21, either order)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_on(background: str, candidates: tuple[str, ...]) -> str:
    """The candidate text colour with the highest contrast on *background* (the first on a tie)."""
    return max(candidates, key=lambda text: contrast(text, background))
