"""The capability map (能力地图): every extension point, its contract, and who serves it where.

:func:`capability_map` returns plain JSON data: per extension point its
domain, policy, failure policy, inputs with their types, result type, contract
(the hookspec docstring), the installed plugins that implement it (from their
manifests), and per business the plugins that serve it, in call order (from
the compiled plan, so plugins are imported).  :func:`render_markdown` turns it
into a document for a wiki or the docs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zhongtai.core.jsonio import type_label
from zhongtai.core.wording import markdown_text

if TYPE_CHECKING:
    from zhongtai.core.extension import ExtensionPoint
    from zhongtai.core.runtime.platform import Platform


def _result_label(point: ExtensionPoint) -> str:
    result = point.result_type
    if result is None:
        return "any"
    if isinstance(result, tuple):
        return " | ".join(type_label(t) for t in result)
    return type_label(result)


def capability_map(platform: Platform, business: str | None = None) -> dict[str, Any]:
    """The map for every business, or only for *business* (which must exist)."""
    if business is not None:
        platform.business(business)  # validates the code; unknown business -> NotFound
        businesses = [business]
    else:
        businesses = sorted(platform.snapshot.businesses)
    points = []
    for name in sorted(platform.extension_points):
        point = platform.extension_points[name]
        served: dict[str, list[dict[str, Any]]] = {}
        problems: dict[str, list[str]] = {}
        for code in businesses:
            plan = platform.plan(code, name)
            served[code] = [{"plugin": e.plugin, "level": e.level, "priority": e.priority} for e in plan.entries]
            if plan.problems:
                problems[code] = list(plan.problems)
        points.append({
            "name": name,
            "domain": point.domain,
            "policy": point.policy.value,
            "on_error": point.on_error.value,
            "inputs": [{"name": arg, "type": type_label(point.argument_types.get(arg))} for arg in point.inputs],
            "result": _result_label(point),
            "pipeline_arg": point.pipeline_arg,
            "summary": point.summary,
            "contract": point.contract,
            "implemented_by": [info.name for info in platform.plugins.implementing(name)],
            "served": served,
            "problems": problems,
        })
    return {"business": business, "businesses": businesses, "extension_points": points}


def served_text(entries: list[dict[str, Any]]) -> str:
    """``a, b@edu`` -- plugin names in call order; the level is shown when it is not the plugin's only one."""
    names = [e["plugin"] for e in entries]
    return ", ".join(
        f"{e['plugin']}@{e['level']}" if names.count(e["plugin"]) > 1 else e["plugin"] for e in entries
    ) or "-"


def render_markdown(data: dict[str, Any]) -> str:
    """The capability map as a Markdown document."""
    scope = f" for `{data['business']}`" if data["business"] else ""
    lines = [f"# Capability map{scope}", ""]
    domain = None
    for point in data["extension_points"]:
        if point["domain"] != domain:
            domain = point["domain"]
            lines += [f"## {domain}", ""]
        inputs = ", ".join(f"`{i['name']}: {i['type']}`" for i in point["inputs"]) or "none"
        lines += [
            f"### `{point['name']}`", "",
            f"- policy: **{point['policy']}**, on error: **{point['on_error']}**",
            f"- inputs: {inputs}",
            f"- result: `{point['result']}`",
            f"- implemented by: {', '.join(f'`{p}`' for p in point['implemented_by']) or 'no installed plugin'}",
            "",
        ]
        contract = markdown_text(point["contract"]).splitlines()
        lines += [f"> {line}" if line else ">" for line in contract] or ["> (no contract)"]
        lines.append("")
        if data["businesses"]:
            lines += ["| business | serves it, in call order |", "|---|---|"]
            lines += [f"| `{code}` | {served_text(entries)} |" for code, entries in point["served"].items()]
            lines.append("")
    return "\n".join(lines)
