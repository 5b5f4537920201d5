"""Plugin ``theming.base``: the platform's base theme, shipped in this package.

Enable it once at the root business; every business below starts from it and
its own ``theming.overrides`` layers change only what they need.  It takes no
config.  :data:`BASE_CONTRAST_PAIRS` are the text/background token pairs of the
base theme that must meet WCAG 2 AA.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from zhongtai.plugins.theming.contrast import ContrastPair
from zhongtai.plugins.theming.tokens import parse_document
from zhongtai.sdk import hookimpl

BASE_TOKENS_FILE = "base.tokens.json"

#: The text-on-background pairs of the base theme's H5 pages.
BASE_CONTRAST_PAIRS: tuple[ContrastPair, ...] = (
    ContrastPair("color.text.primary", "color.background.surface"),
    ContrastPair("color.text.primary", "color.background.page"),
    ContrastPair("color.text.secondary", "color.background.surface"),
    ContrastPair("color.text.secondary", "color.background.page"),
    ContrastPair("color.text.link", "color.background.surface"),
    ContrastPair("color.text.danger", "color.background.surface"),
    ContrastPair("color.price", "color.background.surface"),
    ContrastPair("header.text", "header.background"),
    ContrastPair("button.primary.text", "button.primary.background"),
    ContrastPair("button.secondary.text", "button.secondary.background"),
)


@functools.cache
def _base_text() -> str:
    return resources.files(__package__).joinpath(BASE_TOKENS_FILE).read_text(encoding="utf-8")


def base_tokens() -> dict[str, Any]:
    """A fresh copy of the base theme's tokens document (callers may change it)."""
    return parse_document(_base_text(), f"the base theme ({BASE_TOKENS_FILE})")


@hookimpl
def theming_tokens() -> dict[str, Any]:
    """The base theme, as the first layer of every business below the enabling one."""
    return base_tokens()
