"""CSS lexical helpers: numbers, quoted strings and identifiers that are always safe to embed.

Everything produced here is safe inside a ``<style>`` element too: ``<`` never
appears literally (it is escaped as ``\\3c ``), so no value can close the
element, and no quote, backslash, brace or semicolon can escape its context.
"""

from __future__ import annotations

import math
import re

_IDENT_OK = re.compile(r"[A-Za-z0-9_\-\u0080-\U0010ffff]")


def number_text(value: float) -> str:
    """A CSS ``<number>`` for *value*: no exponent, no trailing zeros, ``0`` rather than ``-0``.

    Raises ``ValueError`` for NaN and infinities, which CSS cannot express.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    if isinstance(value, int):
        return str(value)
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _hex_escape(char: str) -> str:
    return f"\\{ord(char):x} "


def escape_ident(text: str) -> str:
    """Escape *text* for use inside a CSS identifier (e.g. after ``--``).

    Letters, digits, ``-``, ``_`` and non-ASCII characters stay; other printable
    ASCII is backslash-escaped; control characters, ``<`` and NUL-like code
    points become hex escapes.
    """
    out = []
    for char in text:
        if _IDENT_OK.fullmatch(char):
            out.append(char)
        elif char == "\x00":
            out.append("\\fffd ")
        elif char.isprintable() and char.isascii() and char != "<":
            out.append("\\" + char)
        else:
            out.append(_hex_escape(char))
    return "".join(out)


def quote_string(text: str) -> str:
    """*text* as a double-quoted CSS string, with quotes, backslashes, newlines and ``<`` escaped."""
    out = ['"']
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char == "\x00":
            out.append("\\fffd ")
        elif char == "<" or not char.isprintable():
            out.append(_hex_escape(char))
        else:
            out.append(char)
    out.append('"')
    return "".join(out)
