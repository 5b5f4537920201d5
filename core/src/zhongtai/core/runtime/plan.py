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

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from zhongtai.core.config import build_config
from zhongtai.core.context import PluginContext
from zhongtai.core.errors import ConfigError, PluginUnavailable, UserError
from zhongtai.core.extension import ExtensionPoint, OnError, Policy
from zhongtai.core.identity import depth
from zhongtai.core.policies import RUNNERS, PlanEntry, Runner
from zhongtai.core.registry.snapshot import EffectivePlugin
from zhongtai.core.runtime.catalog import PluginCatalog
from zhongtai.core.runtime.gates import BASE, Gates, PluginGate, variant_layers


@attrs.frozen
class CallPlan:
    """The compiled, ordered implementations of one extension point for one business."""

    point: ExtensionPoint
    business: str
    revision: int
    entries: tuple[PlanEntry, ...]
    runner: Runner = attrs.field(repr=False)
    problems: tuple[str, ...] = ()
    #: ``None`` unless some plugin carries a rollout or a running experiment; then ``entries``
    #: holds the base entries and the gates select per subject (see runtime/gates.py).
    gates: Gates | None = attrs.field(default=None, repr=False, eq=False)

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


def _entry(plugin: EffectivePlugin, loaded: Any, impl: Any, level: str, raw: Any, business: str, platform: Any,
           limit: float | None, meter: Any, allowed_env: frozenset[str],
           variant: Mapping[str, Any] | None = None) -> PlanEntry:
    """One implementation of *plugin* at *level* with config *raw* (built now; a bad config fails its calls)."""
    function = impl.function if limit is None else platform.timeouts.bound(impl.function, limit)
    config = None
    if loaded.config_class is not None:
        try:
            config = build_config(loaded.config_class, raw, plugin=plugin.plugin, resolve_secrets=True,
                                  allowed_env=allowed_env, business=business)
        except ConfigError as exc:
            function = _failing(exc.message)
    context = PluginContext(business=business, level=level, plugin=plugin.plugin, config=config, platform=platform,
                            variant=variant)
    return PlanEntry(plugin.plugin, level, plugin.priority, function, tuple(impl.argnames), context, meter)


def compile_plan(
    point: ExtensionPoint,
    business: str,
    revision: int,
    effective: Iterable[EffectivePlugin],
    catalog: PluginCatalog,
    platform: Any,
) -> CallPlan:
    """Build the plan of *point* for *business* from its effective plugins.

    A plugin with a rollout or a running experiment gets a gate; with an
    experiment, one more set of entries per variant, each with the variant's
    config over the nearest level's.  Plans without any gate have ``gates=None``.
    """
    entries: list[PlanEntry] = []
    tags: list[tuple[int, int]] = []  # per entry: (gate index or -1, the pick it serves)
    gates: list[PluginGate] = []
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
            tags.append((-1, BASE))

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
        layers = plugin.levels if point.per_level else ((plugin.source, plugin.config),)
        limit = platform.timeouts.seconds_for(point) if platform is not None else None
        metrics = getattr(platform, "metrics", None)
        meter = metrics.meter(business, point.name, plugin.plugin) if metrics is not None else None
        allowed_env = platform.snapshot.allowed_secrets(business) if platform is not None else frozenset()
        variants: list[tuple[int, Any, Mapping[str, Any] | None]] = [(BASE, layers, None)]
        gate_index = -1
        if plugin.rollout is not None or plugin.experiment is not None:
            try:
                gate = PluginGate(plugin.plugin, business, plugin.rollout, plugin.experiment)
            except (UserError, KeyError, TypeError, ValueError) as exc:
                unavailable(plugin, f"{plugin.plugin}: unreadable rollout or experiment: {exc}")
                continue
            gate_index = len(gates)
            gates.append(gate)
            variants.extend(variant_layers(plugin.experiment, layers))
        for pick, picked_layers, keys in variants:
            for level, raw in picked_layers:
                entries.append(_entry(plugin, loaded, impl, level, raw, business, platform, limit, meter,
                                      allowed_env, keys))
                tags.append((gate_index, pick))
    key = order_key(point.policy)
    order = sorted(range(len(entries)), key=lambda i: key(entries[i]))  # stable: variants stay together
    runner = RUNNERS[point.policy]
    if not gates:
        return CallPlan(point, business, revision, tuple(entries[i] for i in order), runner, tuple(problems))
    slots = [(entries[i], *tags[i]) for i in order]
    base = tuple(entry for entry, _, pick in slots if pick == BASE)
    recorder = getattr(platform, "exposures", None)
    return CallPlan(point, business, revision, base, runner, tuple(problems),
                    Gates(business, gates, slots, recorder))
