"""Read-only views of plugins and businesses as JSON-ready dicts.

What ``zhongtai plugins list/show/config`` and ``zhongtai business list/tree/show``
print (as tables, or as JSON with ``--json``) is built here, so that the CLI
commands stay thin and other front ends can reuse the same views.  Every value
returned is plain JSON data (str, int, bool, None, lists and dicts); secret
config values are always masked, and the config of a plugin whose config class
cannot be loaded is masked whole (its secret fields are unknown).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from zhongtai.core.discovery import OK, PluginInfo
from zhongtai.core.errors import PluginUnavailable

# zhongtai.core.config is imported inside the functions that need it: `plugins list` must stay fast.

if TYPE_CHECKING:
    from zhongtai.core.domains import DomainInfo
    from zhongtai.core.registry.snapshot import Business, Snapshot
    from zhongtai.core.runtime.platform import Platform

MISSING = "missing"  # status of a plugin the registry enables but no installed distribution provides


def plugin_row(info: PluginInfo) -> dict[str, Any]:
    """The metadata of one plugin (what ``plugins list --json`` prints per plugin)."""
    return {
        "name": info.name,
        "version": info.version,
        "distribution": info.distribution,
        "title": info.title,
        "owner": info.owner,
        "lifecycle": info.lifecycle,
        "api": info.api,
        "specs": dict(info.specs),
        "extension_points": list(info.extension_points),
        "config": info.config,
        "target": info.target,
        "status": info.status,
        "error": info.error,
    }


def domain_rows(domains: Iterable[DomainInfo]) -> list[dict[str, Any]]:
    """Every extension-point domain (what ``plugins domains --json`` prints), the kernel's first."""
    return [
        {"name": d.name, "version": d.spec_version, "module": d.module, "distribution": d.distribution,
         "distribution_version": d.version, "title": d.title, "owner": d.owner, "kernel": d.kernel,
         "status": d.status, "error": d.error}
        for d in sorted(domains, key=lambda d: (not d.kernel, d.name, d.distribution))
    ]


def plugin_rows(infos: Iterable[PluginInfo], snapshot: Snapshot | None = None,
                business: str | None = None) -> list[dict[str, Any]]:
    """Every plugin; with *business*, also ``enabled`` and ``why`` (own / inherited from X / disabled at X).

    With *business*, plugins the registry enables there but that are not
    installed are listed too, with status ``missing``.
    """
    rows = [plugin_row(info) for info in infos]
    if snapshot is None or business is None:
        return rows
    known = {row["name"] for row in rows}
    for name in sorted(set(snapshot.effective(business)) - known):
        rows.append({**plugin_row(PluginInfo(name=name, target="")), "status": MISSING,
                     "error": "enabled in the registry but no installed distribution provides it"})
    for row in rows:
        enabled, why = snapshot.state_of(business, row["name"])
        row["enabled"], row["why"] = enabled, why
    return rows


def config_class(platform: Platform, plugin: str) -> tuple[type | None, bool]:
    """(config class, known): *known* is false when the plugin cannot be loaded."""
    info = platform.plugins.get(plugin)
    if info is None or info.status != OK:
        return None, False
    try:
        return platform.plugins.load(plugin).config_class, True
    except PluginUnavailable:
        return None, False


def masked(platform: Platform, plugin: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """*raw* with secrets masked; every value masked if the plugin's secrets are unknown."""
    from zhongtai.core.config import MASK, mask_config

    cls, known = config_class(platform, plugin)
    if not known:
        return {key: MASK for key in raw}
    return mask_config(cls, raw)


def plugin_detail(platform: Platform, name: str) -> dict[str, Any]:
    """Metadata, implemented extension points, config fields and users of one plugin.

    Loads (imports) the plugin to read its config class; a failure to load is
    reported in ``status``/``error``, not raised.
    """
    from zhongtai.core.config import describe_fields, to_json_value

    info = platform.plugins.require(name)
    if info.status == OK:
        info = platform.plugins.load_quietly(name)
    detail = plugin_row(info)
    points = []
    for point_name in info.extension_points:
        point = platform.extension_points.get(point_name)
        points.append({
            "name": point_name,
            "policy": point.policy.value if point else "unknown",
            "summary": point.summary if point else "not an extension point of this kernel",
        })
    detail["extension_points"] = points
    fields: list[dict[str, Any]] = []
    cls, known = config_class(platform, name)
    if cls is not None:
        for field in describe_fields(cls):
            fields.append({"name": field.name, "type": field.type, "default": to_json_value(field.default),
                           "secret": field.secret, "required": field.required, "help": field.help})
    detail["config_fields"] = fields
    detail["config_known"] = known
    snapshot = platform.snapshot
    detail["businesses"] = [
        {"business": code, "origin": snapshot.state_of(code, name)[1]} for code in snapshot.users_of(name)
    ]
    return detail


def config_view(platform: Platform, plugin: str, business: str) -> dict[str, Any]:
    """The effective merged config of *plugin* at *business*, masked, with where each key comes from."""
    from zhongtai.core.config import MASK, to_json_value

    merged = platform.effective_config(plugin, business, masked=True)
    effective = platform.snapshot.effective(business)[plugin]
    sources: dict[str, str] = {}
    for level, own in effective.levels:
        for key in own:
            sources[key] = level
    _, known = config_class(platform, plugin)
    values = merged if known else {key: MASK for key in merged}
    return {
        "plugin": plugin,
        "business": business,
        "config": {key: to_json_value(value) for key, value in values.items()},
        "sources": {key: sources.get(key, "default") for key in values},
    }


def business_row(snapshot: Snapshot, business: Business) -> dict[str, Any]:
    own = snapshot.enablements.get(business.code, {})
    return {
        "code": business.code,
        "parent": business.parent,
        "name": business.name,
        "owner": business.owner,
        "status": business.status,
        "enabled_here": sorted(p for p, row in own.items() if row.enabled),
        "disabled_here": sorted(p for p, row in own.items() if not row.enabled),
        "updated_by": business.updated_by,
        "updated_at": business.updated_at.isoformat() if business.updated_at else None,
    }


def business_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    """Every business, sorted by code (parents before their children)."""
    return [business_row(snapshot, snapshot.businesses[code]) for code in sorted(snapshot.businesses)]


def business_tree(snapshot: Snapshot) -> list[tuple[str, Business]]:
    """(indentation prefix drawn with box characters, business) in tree order."""
    lines: list[tuple[str, Business]] = []

    def walk(code: str, prefix: str, last: bool, top: bool) -> None:
        branch = "" if top else ("└── " if last else "├── ")
        lines.append((prefix + branch, snapshot.businesses[code]))
        kids = snapshot.children(code)
        below = prefix if top else prefix + ("    " if last else "│   ")
        for i, kid in enumerate(kids):
            walk(kid, below, i == len(kids) - 1, False)

    for root in snapshot.children(None):
        walk(root, "", True, True)
    return lines


def suspended_by(snapshot: Snapshot, code: str) -> str | None:
    """The root-most business of *code*'s lineage (itself included) that is suspended, if any."""
    from zhongtai.core.identity import lineage

    for level in lineage(code):
        row = snapshot.businesses.get(level)
        if row is not None and row.status == "suspended":
            return level
    return None


def business_detail(platform: Platform, code: str) -> dict[str, Any]:
    """One business: its rows, and per extension point the ordered plan with each entry's origin.

    Plugins that cannot run (not installed, failed, retired) and deprecated
    plugins in use are reported in ``warnings``.
    """
    view = platform.business(code)
    snapshot = platform.snapshot
    business = snapshot.businesses[code]
    effective = snapshot.effective(code)
    detail = business_row(snapshot, business)
    detail["suspended_by"] = suspended_by(snapshot, code)
    detail["own"] = [
        {"plugin": plugin, "enabled": row.enabled, "priority": row.priority}
        for plugin, row in sorted(snapshot.enablements.get(code, {}).items())
    ]
    points = []
    warnings: list[str] = []
    for name in sorted(platform.extension_points):
        plan = view.plan(name)
        entries = []
        for entry in plan.entries:
            if plan.point.per_level:
                origin = "own" if entry.level == code else f"inherited from {entry.level}"
            else:
                origin = effective[entry.plugin].origin(code)
            entries.append({"plugin": entry.plugin, "level": entry.level, "priority": entry.priority,
                            "origin": origin})
        warnings.extend(p for p in plan.problems if p not in warnings)
        points.append({"name": name, "policy": plan.point.policy.value, "plugins": entries,
                       "problems": list(plan.problems)})
    detail["extension_points"] = points
    for plugin in sorted(effective):
        info = platform.plugins.get(plugin)
        if info is not None and info.lifecycle == "deprecated":
            warnings.append(f"{plugin}: deprecated plugin in use ({effective[plugin].origin(code)})")
    detail["warnings"] = warnings
    return detail


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """``--since``: an ISO 8601 date or datetime (UTC unless it says otherwise), or an age (``30m``, ``2h``, ``7d``)."""
    from zhongtai.core.errors import UserError

    now = now or dt.datetime.now(dt.UTC)
    value = text.strip()
    if len(value) >= 2 and value[-1] in _UNITS and value[:-1].isdigit():
        try:
            if len(value) > 12:
                raise OverflowError
            return now - dt.timedelta(seconds=int(value[:-1]) * _UNITS[value[-1]])
        except (OverflowError, ValueError):
            raise UserError(f"--since {text!r} reaches back before the year 1; give a shorter age") from None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"--since {text!r}: use an ISO date or time (2024-05-01, 2024-05-01T08:00) "
                        "or an age such as 30m, 2h, 7d") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def audit_rows(platform: Platform, business: str | None = None, since: dt.datetime | None = None,
               limit: int | None = None) -> list[dict[str, Any]]:
    """The change log, newest first; *business* includes its descendants.

    An unknown *business* (never created, no audit rows) is an error.
    """
    from zhongtai.core.errors import NotFound
    from zhongtai.core.identity import validate_code

    if business is not None:
        validate_code(business)
    entries = platform.registry.audit(business, since, limit)
    if business is not None and not entries and business not in platform.snapshot.businesses:
        raise NotFound(f"unknown business {business!r}")
    return [
        {"id": e.id, "revision": e.revision, "at": _iso(e.at), "actor": e.actor, "action": e.action,
         "business": e.business, "plugin": e.plugin, "before": e.before, "after": e.after, "note": e.note}
        for e in entries
    ]


def _iso(at: dt.datetime) -> str:
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).isoformat(timespec="seconds")
