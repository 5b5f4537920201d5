"""The side-by-side panels of a business page: theme, channel permissions, call metrics, outbox.

Each panel uses its capability package's own functions (the theming service,
the channels matrix, the metrics store, the notifier outbox), so it shows
exactly what callers and the CLI get.  A package that is not installed, or a
capability the business does not use, gives a panel that says so -- never an
error page.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

import attrs

from zhongtai.core.errors import UserError
from zhongtai.core.runtime.metrics import Series
from zhongtai.core.runtime.metrics_store import load
from zhongtai.gateway.console.i18n import N_

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

MAX_AXIS = 12  # channels or actions shown in the permission matrix


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@attrs.frozen
class Panel:
    """A panel's data, or the one line that says why there is none."""

    data: Any = None
    note: str = ""


def theme_page(platform: Platform, code: str) -> str:
    """The theming package's preview page for *code* (served inside a sandboxed frame)."""
    from zhongtai.plugins.theming.preview import render_preview
    from zhongtai.plugins.theming.service import business_theme

    return render_preview(business_theme(platform, code, enforce_contrast=False))


def theme_panel(platform: Platform, code: str) -> Panel:
    if not installed("zhongtai.plugins.theming"):
        return Panel(note=N_("zhongtai-theming is not installed"))
    from zhongtai.plugins.theming.service import business_theme

    try:
        themed = business_theme(platform, code, enforce_contrast=False)
    except UserError as exc:
        return Panel(note=exc.message)
    failing = [r for r in themed.contrast if not r.passed]
    return Panel(data={"layers": themed.layers, "failing": failing})


def matrix_panel(platform: Platform, code: str, role: str) -> Panel:
    if not installed("zhongtai.plugins.channels"):
        return Panel(note=N_("zhongtai-channels is not installed"))
    from zhongtai.core.specs.channels import Actor
    from zhongtai.plugins.channels.matrix import build_matrix, named_axes

    try:
        channels, actions = named_axes(platform, code)
        if not channels or not actions:
            return Panel(note=N_("no channels or actions are named in this business's channels.rules"))
        matrix = build_matrix(platform, code, Actor(id="console", roles=frozenset({role})),
                              channels=channels[:MAX_AXIS], actions=actions[:MAX_AXIS])
    except UserError as exc:
        return Panel(note=exc.message)
    return Panel(data=matrix)


def roles_named(platform: Platform, code: str) -> list[str]:
    """Roles named in the ``channels.rules`` rules of every level of *code* (for the role choice)."""
    if not installed("zhongtai.plugins.channels"):
        return []
    from zhongtai.core.config import build_config
    from zhongtai.plugins.channels import PLUGIN
    from zhongtai.plugins.channels.rules import RulesConfig, names

    effective = platform.snapshot.effective(code).get(PLUGIN)
    roles: set[str] = set()
    for _, raw in effective.levels if effective is not None else ():
        try:
            config = build_config(RulesConfig, raw, plugin=PLUGIN)
        except UserError:
            continue
        for rule in config.rules:
            roles.update(n for n in names(rule.roles) if n != "*")
    return sorted(roles)


@attrs.frozen
class PluginMetrics:
    plugin: str
    points: tuple[str, ...]
    calls: int
    errors: int
    p50: float | None
    p99: float | None


def metrics_panel(platform: Platform, code: str) -> Panel:
    """Calls, errors and p50/p99 latency per plugin at *code* itself, over every process."""
    per_plugin: dict[str, list[Series]] = {}
    for series in load(platform.registry, code):
        if series.business == code:
            per_plugin.setdefault(series.plugin, []).append(series)
    rows = []
    for plugin, parts in sorted(per_plugin.items()):
        total = Series(code, "*", plugin, sum(s.calls for s in parts), sum(s.errors for s in parts),
                       sum(s.seconds for s in parts), tuple(map(sum, zip(*(s.buckets for s in parts)))))
        rows.append(PluginMetrics(plugin, tuple(sorted({s.extension_point for s in parts})), total.calls,
                                  total.errors, total.quantile(0.5), total.quantile(0.99)))
    return Panel(data=rows) if rows else Panel(note=N_("no calls recorded yet"))


def outbox_panel(platform: Platform, code: str) -> Panel:
    if not installed("zhongtai.plugins.notifiers"):
        return Panel(note=N_("zhongtai-notifiers is not installed"))
    from zhongtai.plugins.notifiers import outbox

    counts = outbox.counts(platform, business=code)
    return Panel(data=counts) if counts else Panel(note=N_("no messages in the outbox"))
