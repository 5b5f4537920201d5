"""Plugin ``theming.overrides``: one business's layer of the theme, kept in its config.

Enable it at any business with ``tokens`` -- a DTCG document holding only what
that business changes (usually ``color.brand.*``).  Layers merge root -> leaf
over the base theme (``theming.tokens`` is a merge point): nearer tokens win,
a token is replaced whole.

Enabling is refused, with nothing written, when the layer -- resolved on top of
the package's base theme -- is not a valid tokens document, or when one of its
``contrast_pairs`` misses its WCAG 2 AA ratio, unless ``allow_low_contrast``.
The check sees the base theme and this layer only (a config cannot see the
layers of other businesses), so aliases and ``$extends`` in a layer may point
at base tokens or at the layer's own.  The merged theme of a business is
checked again whenever it is produced (see :mod:`.service`).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from typing import Any

import attrs

from zhongtai.core.specs.theming import deep_merge
from zhongtai.plugins.theming.base import BASE_CONTRAST_PAIRS, base_tokens
from zhongtai.plugins.theming.contrast import ContrastPair, check_pairs, refuse_failures
from zhongtai.plugins.theming.errors import ThemeError
from zhongtai.plugins.theming.tokens import Theme, resolve
from zhongtai.sdk import PluginContext, hookimpl

ALLOW_HINT = "set allow_low_contrast=true to accept it"


@attrs.frozen
class OverridesConfig:
    """Config of ``theming.overrides``: this business's tokens and its contrast policy."""

    tokens: Mapping[str, Any] = attrs.field(
        factory=dict,
        validator=attrs.validators.instance_of(dict),
        metadata={"help": "DTCG tokens this business changes, e.g. {\"color\": {\"brand\": ...}}"},
    )
    allow_low_contrast: bool = attrs.field(
        default=False, metadata={"help": "accept text/background pairs below WCAG 2 AA"}
    )
    contrast_pairs: tuple[ContrastPair, ...] = attrs.field(
        default=BASE_CONTRAST_PAIRS,
        metadata={"help": "text/background token pairs to check: [{text, background, large_text}]"},
    )

    def __attrs_post_init__(self) -> None:
        _check_layer(json.dumps(self.tokens, sort_keys=True, default=str), self.allow_low_contrast,
                     self.contrast_pairs)


@functools.lru_cache(maxsize=256)
def _check_layer(tokens: str, allow_low_contrast: bool, pairs: tuple[ContrastPair, ...]) -> None:
    """:func:`layer_theme` of one distinct layer, once per process: every business that inherits a
    layer builds the same config, and resolving a theme costs milliseconds (plans, the console's map)."""
    layer_theme(_Layer(json.loads(tokens), allow_low_contrast, pairs))


@attrs.frozen
class _Layer:
    tokens: Mapping[str, Any]
    allow_low_contrast: bool
    contrast_pairs: tuple[ContrastPair, ...]


def layer_theme(config: OverridesConfig | _Layer) -> Theme:
    """The base theme with *config*'s layer on top, resolved and contrast-checked.

    Raises ``ValueError`` naming the problem (the kernel turns it into the
    refusal of the enable), or the failing pairs and their ratios.
    """
    try:
        theme = resolve(deep_merge(base_tokens(), config.tokens))
        results = check_pairs(theme, config.contrast_pairs)
        if not config.allow_low_contrast:
            refuse_failures(results, subject="the theme with this layer", remedy=ALLOW_HINT)
    except ThemeError as exc:
        raise ValueError(exc.message) from None
    return theme


@hookimpl
def theming_tokens(context: PluginContext) -> dict[str, Any] | None:
    """This level's own tokens (a copy), or ``None`` when it changes nothing."""
    config: OverridesConfig = context.config
    return copy.deepcopy(dict(config.tokens)) or None
