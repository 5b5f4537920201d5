"""Small pieces of wording every message uses: cut values, truncated lists.

One helper per job so that no message says "installed: a, b, c" while hiding
the other forty names: :func:`listing` always says how many more there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

#: Values longer than this are cut in messages (a config value may be a whole document).
MAX_VALUE_TEXT = 80
#: Lists in one-line messages show at most this many items by default.
MAX_LISTED = 12


def value_text(value: object, limit: int = MAX_VALUE_TEXT) -> str:
    """``repr(value)`` (a decimal as its digits), cut to *limit* characters (ending in ``...`` when cut)."""
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def listing(items: Iterable[str], limit: int = MAX_LISTED) -> str:
    """``a, b, c``; past *limit* items the first *limit* and ``... and N more``."""
    shown = list(items)
    text = ", ".join(shown[:limit])
    return text if len(shown) <= limit else f"{text} ... and {len(shown) - limit} more"
