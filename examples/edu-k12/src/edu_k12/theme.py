"""Plugin ``edu-k12.kids-theme``: the K12 line's child-friendly layer of the theme (``theming.tokens``).

The layer ships with this package (``kids.tokens.json``): warm orange instead
of the platform blue, cream page backgrounds and rounder corners.  With
``larger_text`` (the default) it also raises the font sizes, for young readers.
It changes only what it needs; everything else comes from the layers below
(the platform base theme, the ``edu`` layer), and aliases such as
``{color.palette.orange-700}`` are resolved on the merged document.

Contract: every call returns a fresh copy (the caller may change it), holding
JSON values only.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import attrs

from zhongtai.sdk import PluginContext, implements, setting, specs

TOKENS_FILE = "kids.tokens.json"

#: Font sizes (px) for young readers, when ``larger_text`` is on.
LARGER_TEXT_PX: dict[str, int] = {"small": 14, "body": 16, "title": 22, "price": 24}


@attrs.frozen
class KidsThemeConfig:
    larger_text: bool = setting(True, help="raise the font sizes for young readers")


@functools.cache
def _layer_text() -> str:
    return resources.files(__package__).joinpath(TOKENS_FILE).read_text(encoding="utf-8")


def kids_layer(config: KidsThemeConfig) -> dict[str, Any]:
    """The layer for *config*: the packaged tokens, plus the larger font sizes if asked (a fresh copy)."""
    layer: dict[str, Any] = json.loads(_layer_text())
    if config.larger_text:
        layer["font"] = {"size": {name: {"$value": {"value": px, "unit": "px"}}
                                  for name, px in LARGER_TEXT_PX.items()}}
    return layer


@implements(specs.theming_tokens)
def kids_tokens(context: PluginContext) -> dict[str, Any] | None:
    """This level's child-friendly tokens."""
    return kids_layer(context.config or KidsThemeConfig())
