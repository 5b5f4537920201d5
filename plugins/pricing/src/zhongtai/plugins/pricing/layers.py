"""A plugin's config at each business level where it is enabled.

The kernel hands an implementation one config, merged root -> leaf with
nearer *top-level keys* winning, so a child business that sets ``prices``
would replace its parent's whole table.  Pricing tables must instead be
inherited entry by entry.  :func:`level_configs` rebuilds the config of each
enabled level: the ordinary settings (``currency`` ...) merged from the root
down to that level, the *table* fields (``prices``, ``coupons`` ...) that
level's own.  Plugins then either ask the nearest level first (price lists) or
merge the tables key by key with :func:`merge_tables` (rules such as coupons).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, TypeVar

from zhongtai.core.config import build_config
from zhongtai.core.context import PluginContext

C = TypeVar("C")
V = TypeVar("V")


def level_configs(context: PluginContext, cls: type[C], tables: Collection[str]) -> list[tuple[str, C]]:
    """``(level, config)`` for each level where the plugin is enabled for ``context.business``, root first.

    Without a platform (an implementation called directly, as in a unit test)
    the context's own config is the only level.
    """
    platform = context.platform
    effective = None
    if platform is not None:
        effective = platform.snapshot.effective(context.business).get(context.plugin)
    if effective is None:
        return [(context.level, context.config)]
    settings: dict[str, Any] = {}
    result: list[tuple[str, C]] = []
    nearest = len(effective.levels) - 1
    for index, (level, layer) in enumerate(effective.levels):
        # an experiment variant's keys lie over the nearest level, as the kernel applied them to context.config
        raw = {**layer, **context.variant} if index == nearest and context.variant else layer
        settings.update({k: v for k, v in raw.items() if k not in tables})
        own = {k: v for k, v in raw.items() if k in tables}
        result.append((level, build_config(cls, {**settings, **own}, plugin=context.plugin)))
    return result


def merge_tables(tables: Iterable[Mapping[str, V]]) -> dict[str, V]:
    """Merge mappings key by key, later ones (nearer businesses) winning."""
    merged: dict[str, V] = {}
    for table in tables:
        merged.update(table)
    return merged
