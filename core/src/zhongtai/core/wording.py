"""Small pieces of wording every message uses: cut values, truncated lists.

One helper per job so that no message says "installed: a, b, c" while hiding
the other forty names: :func:`listing` always says how many more there are.
"""

from __future__ import annotations

import re
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


# reST as written in docstrings: :role:`~pkg.mod.Name`, :role:`title <target>`, ``literal``
_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:`(~?)([^`<]*?)\s*(?:<([^`>]*)>)?`")
_LITERAL = re.compile(r"``([^`]+)``")


def _role_text(match: re.Match[str], literal: str) -> str:
    tilde, text, target = match.group(1), match.group(2), match.group(3)
    if target is not None and text:
        return text  # an explicit title
    name = (target or text).strip()
    if tilde:
        name = name.rsplit(".", 1)[-1]
    return literal.format(name)


def plain_text(docstring: str) -> str:
    """A docstring's reST roles and literals as plain text for people.

    ``:class:`~zhongtai.core.decision.Decision``` -> ``Decision``;
    ``:func:`zhongtai.x.f``` -> ``zhongtai.x.f``; ````code```` -> ``code``.
    """
    text = _ROLE.sub(lambda m: _role_text(m, "{}"), docstring)
    return _LITERAL.sub(r"\1", text)


def markdown_text(docstring: str) -> str:
    """A docstring's reST roles and literals as Markdown code spans."""
    text = _ROLE.sub(lambda m: _role_text(m, "`{}`"), docstring)
    return _LITERAL.sub(r"`\1`", text)
