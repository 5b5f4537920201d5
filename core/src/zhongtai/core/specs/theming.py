"""UI theming: design tokens layered from the platform down to the business."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zhongtai.core.context import PluginContext
from zhongtai.core.extension import OnError, Policy, extension_point


def deep_merge(base: Mapping[str, Any], layer: Mapping[str, Any]) -> dict[str, Any]:
    """Merge *layer* over *base*: nested groups merge, anything else is replaced.

    A design token (a mapping holding ``$value``) is replaced whole, never merged
    key by key, so a business overriding a colour does not inherit a stale
    ``$type`` or alias from the layer below.
    """
    merged: dict[str, Any] = dict(base)
    for key, value in layer.items():
        below = merged.get(key)
        if (
            isinstance(value, Mapping)
            and isinstance(below, Mapping)
            and "$value" not in value
            and "$value" not in below
        ):
            merged[key] = deep_merge(below, value)
        else:
            merged[key] = value
    return merged


@extension_point(
    "theming.tokens", policy=Policy.MERGE, result=Mapping, on_error=OnError.FAIL, combine=deep_merge
)
def theming_tokens(context: PluginContext) -> Mapping[str, Any] | None:
    """Return this layer's design tokens (W3C DTCG format: groups, ``$value``, ``$type``).

    Called once per business level at which the plugin is enabled, with that
    level's own config; layers merge root -> leaf (platform defaults, each
    ancestor, then the business itself) with :func:`deep_merge`, nearer tokens
    winning.  Return only what this layer changes, or ``None`` for nothing.
    The mapping holds JSON values only and is not kept by the caller (return
    a copy of anything you hold on to).  Aliases (``{group.token}``) and
    ``$extends`` may refer to tokens of any layer: they are resolved on the
    merged document, not per layer (see ``zhongtai-theming``).
    """
