"""How many SMS segments a text takes (3GPP TS 23.038 / 23.040), and in which encoding.

* **GSM-7** when every character is in the GSM 03.38 default alphabet or its
  extension table (``^{}\\[~]|€`` and form feed count twice): 160 septets in one
  segment, 153 per segment of a concatenated message.
* **UCS-2** otherwise (any Chinese character, most emoji): 70 UTF-16 code units
  in one segment, 67 per segment of a concatenated message; a character outside
  the Basic Multilingual Plane takes two units and is never split across segments.

An empty text is one segment (an empty SMS still costs one).
"""

from __future__ import annotations

import attrs

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@attrs.frozen
class SegmentCount:
    """``encoding`` (``GSM-7`` or ``UCS-2``), ``units`` (septets or UTF-16 code units), ``segments``."""

    encoding: str
    units: int
    segments: int

    def describe(self) -> str:
        return f"{self.segments} segment{'s' if self.segments != 1 else ''} ({self.encoding}, {self.units} units)"


def _gsm7_units(text: str) -> int | None:
    units = 0
    for char in text:
        if char in GSM7_BASIC:
            units += 1
        elif char in GSM7_EXTENSION:
            units += 2
        else:
            return None
    return units


def _pack(sizes: list[int], single: int, multi: int) -> int:
    """Segments needed for characters of the given unit sizes; a character is never split."""
    total = sum(sizes)
    if total <= single:
        return 1
    segments, used = 1, 0
    for size in sizes:
        if used + size > multi:
            segments += 1
            used = 0
        used += size
    return segments


def count_segments(text: str) -> SegmentCount:
    """The encoding, size and segment count of *text* as one SMS."""
    septets = _gsm7_units(text)
    if septets is not None:
        sizes = [2 if char in GSM7_EXTENSION else 1 for char in text]
        return SegmentCount("GSM-7", septets, _pack(sizes, GSM7_SINGLE, GSM7_MULTI))
    sizes = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return SegmentCount("UCS-2", sum(sizes), _pack(sizes, UCS2_SINGLE, UCS2_MULTI))
