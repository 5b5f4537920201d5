"""The context the kernel hands to every implementation that asks for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs


@attrs.frozen
class PluginContext:
    """Who is being served, and this plugin's config for them.

    ``business`` is the business the call is for; ``level`` is the business whose
    enablement put this implementation in the plan (an ancestor or the business
    itself); ``config`` is the plugin's config instance (merged root -> leaf, or
    the level's own config for per-level policies), or ``None`` when the plugin
    declares no config class; ``platform`` is the :class:`~zhongtai.core.runtime.Platform`
    serving the call, for plugins that need shared services (database engine).
    ``variant`` holds the config keys of the experiment variant this entry serves
    (already applied to ``config``): a plugin that rebuilds its config from the
    registry itself lays them over its nearest level (see docs/rollout.md).
    """

    business: str
    level: str
    plugin: str
    config: Any = None
    platform: Any = attrs.field(default=None, repr=False, eq=False)
    variant: Mapping[str, Any] | None = None
