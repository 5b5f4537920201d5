"""Text that is safe to print on a terminal: the one function every human-readable output uses.

Values printed by ``zhongtai`` come from places a hostile party can write: business
names and owners, plugin error messages, provider responses, rows forged straight
into the database.  Printed raw, an escape sequence (``\\x1b[2J`` clears the screen,
OSC 52 writes the clipboard, OSC 8 makes links), a carriage return or a newline can
rewrite or forge what the reader sees; bidi controls (U+202E) reorder it.

:func:`safe_text` escapes every such character -- C0 and C1 controls, DEL, bidi
and zero-width format characters, line/paragraph separators -- as a visible
``\\u001b``-style escape (valid inside JSON strings too).  Ordinary text, including
wide characters (中台), is left alone.  Standard library only: the CLI, the HTTP
gateway and the capability packages all import it.
"""

from __future__ import annotations

import re

_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 controls except tab and newline, DEL, C1 controls (\x9b is CSI)
    "\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"  # bidi, zero-width, separators, BOM
)
_LINE = re.compile(f"[\t\n{_UNSAFE}]")
_BLOCK = re.compile(f"[{_UNSAFE}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or f"\\u{ord(char):04x}"


def safe_text(text: object, *, keep_newlines: bool = False) -> str:
    """*text* (``str()`` of it) with every terminal-unsafe character escaped.

    By default the result is one line (tabs and newlines escaped too), for a
    value placed into a line or a table cell; with *keep_newlines* a block of
    text keeps its line breaks and tabs (for output the program itself laid out).
    """
    value = text if isinstance(text, str) else str(text)
    return (_BLOCK if keep_newlines else _LINE).sub(_escape, value)
