"""Compiling call plans: which implementations run for (business, extension point), in what order.

The kernel, not registration order, owns the order:

============== ==================================================================
policy         order of the plan entries
============== ==================================================================
first          most specific business first; at one level, higher priority first
pipeline       root business first; at one level, higher priority first
collect        root business first; at one level, higher priority first
merge          root business first; at one level, lower priority first (so higher wins)
deny-overrides root business first (order does not change the answer)
============== ==================================================================

Ties are broken by plugin name so that every plan is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from zhongtai.core.config import build_config
from zhongtai.core.context import PluginContext
from zhongtai.core.errors import ConfigError, PluginUnavailable
from zhongtai.core.extension import ExtensionPoint, OnError, Policy
from zhongtai.core.identity import depth
from zhongtai.core.policies import RUNNERS, PlanEntry, Runner
from zhongtai.core.registry.snapshot import EffectivePlugin
from zhongtai.core.runtime.catalog import PluginCatalog


@attrs.frozen
class CallPlan:
    """The compiled, ordered implementations of one extension point for one business."""

    point: ExtensionPoint
    business: str
    revision: int
    entries: tuple[PlanEntry, ...]
    runner: Runner = attrs.field(repr=False)
    problems: tuple[str, ...] = ()

    @property
    def inputs(self) -> frozenset[str]:
        """Argument names a caller must supply."""
        return self.point.required_inputs


def order_key(policy: Policy) -> Callable[[PlanEntry], tuple[Any, ...]]:
    if policy is Policy.FIRST:
        return lambda e: (-depth(e.level), -e.priority, e.plugin)
    if policy is Policy.MERGE:
        return lambda e: (depth(e.level), e.priority, e.plugin)
    return lambda e: (depth(e.level), -e.priority, e.plugin)


def _failing(message: str, error: type[Exception] = ConfigError) -> Callable[..., Any]:
    def fail(*_args: Any) -> Any:
        raise error(message)

    return fail


def compile_plan(
    point: ExtensionPoint,
    business: str,
    revision: int,
    effective: Iterable[EffectivePlugin],
    catalog: PluginCatalog,
    platform: Any,
) -> CallPlan:
    """Build the plan of *point* for *business* from its effective plugins."""
    entries: list[PlanEntry] = []
    problems: list[str] = []

    def unavailable(plugin: EffectivePlugin, message: str) -> None:
        problems.append(message)
        if point.on_error is not OnError.DENY:
            return
        # Fail closed: an unavailable plugin might have denied, so it denies.
        levels = [level for level, _ in plugin.levels] if point.per_level else [plugin.source]
        for level in levels:
            context = PluginContext(business=business, level=level, plugin=plugin.plugin, platform=platform)
            failing = _failing(message, PluginUnavailable)
            entries.append(PlanEntry(plugin.plugin, level, plugin.priority, failing, (), context))

    for plugin in effective:
        info = catalog.get(plugin.plugin)
        if info is None:
            unavailable(plugin, f"{plugin.plugin}: enabled at {plugin.source} but not installed")
            continue
        if point.name not in info.extension_points:
            continue
        if info.lifecycle == "retired":
            unavailable(plugin, f"{plugin.plugin}: retired plugins cannot run")
            continue
        try:
            loaded = catalog.load(plugin.plugin)
        except PluginUnavailable as exc:
            unavailable(plugin, exc.message)
            continue
        impl = loaded.hooks[point.name]
        argnames = tuple(impl.argnames)
        layers = plugin.levels if point.per_level else ((plugin.source, plugin.config),)
        limit = platform.timeouts.seconds_for(point) if platform is not None else None
        metrics = getattr(platform, "metrics", None)
        meter = metrics.meter(business, point.name, plugin.plugin) if metrics is not None else None
        allowed_env = platform.snapshot.allowed_secrets(business) if platform is not None else frozenset()
        for level, raw in layers:
            function = impl.function if limit is None else platform.timeouts.bound(impl.function, limit)
            config = None
            if loaded.config_class is not None:
                try:
                    config = build_config(loaded.config_class, raw, plugin=plugin.plugin, resolve_secrets=True,
                                          allowed_env=allowed_env, business=business)
                except ConfigError as exc:
                    function = _failing(exc.message)
            context = PluginContext(business=business, level=level, plugin=plugin.plugin,
                                    config=config, platform=platform)
            if meter is not None:
                function = meter.wrap(function)
            entries.append(PlanEntry(plugin.plugin, level, plugin.priority, function, argnames, context, meter))
    entries.sort(key=order_key(point.policy))
    return CallPlan(point, business, revision, tuple(entries), RUNNERS[point.policy], tuple(problems))
