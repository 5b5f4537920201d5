"""``zhongtai doctor``: everything wrong with the installed plugins and the registry.

:func:`diagnose` imports every installed plugin (like ``plugins list --check``)
and checks the registry against them.  Each problem is a :class:`Finding`:

================== ======== ==========================================================
check              severity what
================== ======== ==========================================================
plugin-failed      error    bad manifest, import failure, hookimpl/manifest mismatch
plugin-incompatible error   the plugin's API range excludes this kernel, or its domain
                            (``zhongtai.specs``) is missing, failed or of another version
domain-failed      error    an installed extension-point domain is refused (clash, bad
                            manifest, import failure, invalid spec module)
not-installed      error    enabled in the registry, but no distribution provides it
retired-enabled    error    a retired plugin is still enabled somewhere
invalid-config     error    a stored config no longer fits the plugin's config class
conflict           error    two plugins answer the same ``first`` point at one business
                            with equal priority
deprecated-in-use  warning  a deprecated plugin is effectively enabled somewhere
outside-pilots     warning  an incubating, unpromoted plugin is enabled outside its pilot
                            businesses (enabled while the registry was open)
================== ======== ==========================================================

Anything found is wrong: the CLI exits 1 when the list is not empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

import attrs

from zhongtai.core.discovery import FAILED, INCOMPATIBLE
from zhongtai.core.errors import UserError
from zhongtai.core.extension import Policy

if TYPE_CHECKING:
    from zhongtai.core.registry.snapshot import Enablement, Snapshot
    from zhongtai.core.runtime.platform import Platform


@attrs.frozen
class Finding:
    severity: str  # error | warning
    check: str
    subject: str  # the plugin (or business) the finding is about
    message: str
    business: str | None = None


def _plugin_findings(platform: Platform) -> list[Finding]:
    findings = [Finding("error", "domain-failed", domain.name, f"failed: {domain.error}")
                for domain in platform.domains.values() if domain.status == FAILED]
    platform.plugins.load_all()
    for info in platform.plugins.infos():
        if info.status == FAILED:
            findings.append(Finding("error", "plugin-failed", info.name, f"failed: {info.error}"))
        elif info.status == INCOMPATIBLE:
            findings.append(Finding("error", "plugin-incompatible", info.name, f"incompatible: {info.error}"))
    return findings


def _rows_at(snapshot: Snapshot, codes: Iterable[str] | None) -> Iterator[tuple[str, Mapping[str, Enablement]]]:
    """(business, its enablement rows) for *codes* (None: every business with rows), sorted."""
    if codes is None:
        yield from sorted(snapshot.enablements.items())
        return
    for code in sorted(set(codes)):
        yield code, snapshot.enablements.get(code, {})


def _registry_findings(platform: Platform, snapshot: Snapshot, codes: Iterable[str] | None = None) -> list[Finding]:
    findings = []
    for code, rows in _rows_at(snapshot, codes):
        for plugin, row in sorted(rows.items()):
            if not row.enabled:
                continue
            info = platform.plugins.get(plugin)
            if info is None:
                findings.append(Finding("error", "not-installed", plugin,
                                        f"enabled at {code} but no installed distribution provides it", code))
            elif info.lifecycle == "retired":
                findings.append(Finding("error", "retired-enabled", plugin,
                                        f"retired, but still enabled at {code}", code))
            elif info.lifecycle == "deprecated":
                users = [u for u in snapshot.users_of(plugin) if u == code or u.startswith(code + ".")]
                if users:
                    findings.append(Finding("warning", "deprecated-in-use", plugin,
                                            f"deprecated, enabled at {code} (in use by {', '.join(users)})", code))
    return findings


def _config_findings(platform: Platform, snapshot: Snapshot) -> list[Finding]:
    from zhongtai.core.management import usable, validate_config

    findings = []
    for code, rows in sorted(snapshot.enablements.items()):
        for plugin, row in sorted(rows.items()):
            info = platform.plugins.get(plugin)
            if not row.enabled or info is None or not info.usable:
                continue
            try:
                cls, _ = usable(platform, plugin)
                validate_config(platform, plugin, cls, snapshot, code)
            except UserError as exc:
                findings.append(Finding("error", "invalid-config", plugin, f"at {code}: {exc.message}", code))
    return findings


def _conflict_findings(platform: Platform, snapshot: Snapshot, codes: Iterable[str] | None = None) -> list[Finding]:
    """Pairs of enabled plugins at one business, equal priority, sharing a ``first`` point."""
    findings = []
    firsts = {name for name, point in platform.extension_points.items() if point.policy is Policy.FIRST}
    for code, rows in _rows_at(snapshot, codes):
        enabled = sorted((p, r.priority) for p, r in rows.items() if r.enabled and platform.plugins.get(p))
        for i, (one, priority) in enumerate(enabled):
            for other, other_priority in enabled[i + 1:]:
                if priority != other_priority:
                    continue
                mine = set(platform.plugins.require(one).extension_points) & firsts
                shared = sorted(mine & set(platform.plugins.require(other).extension_points))
                if shared:
                    findings.append(Finding(
                        "error", "conflict", f"{one}, {other}",
                        f"both answer {shared[0]} at {code} with priority {priority}; give one another priority",
                        code))
    return findings


def _effective_config_findings(platform: Platform, snapshot: Snapshot, codes: Iterable[str]) -> list[Finding]:
    """The config each plugin in effect at each of *codes* gets there, checked against its config class."""
    import json

    from zhongtai.core.config import build_config

    checked: dict[tuple[str, str], str | None] = {}  # inherited configs are shared: check each one once

    def problem(plugin: str, cls: type, raw: Mapping[str, object]) -> str | None:
        key = (plugin, json.dumps(raw, sort_keys=True, default=str))
        if key not in checked:
            try:
                build_config(cls, raw, plugin=plugin)
                checked[key] = None
            except UserError as exc:
                checked[key] = exc.message
        return checked[key]

    findings = []
    for code in sorted(set(codes)):
        for plugin, effective in sorted(snapshot.effective(code).items()):
            info = platform.plugins.get(plugin)
            if info is None or not info.usable:
                continue
            try:
                cls = platform.plugins.load(plugin).config_class
            except UserError:
                continue  # a plugin that cannot load is reported by the plugin checks
            if cls is None:
                continue
            per_level = any(platform.extension_points[p].per_level for p in info.extension_points
                            if p in platform.extension_points)
            layers = [cfg for _, cfg in effective.levels] if per_level else [effective.config]
            for message in filter(None, (problem(plugin, cls, raw) for raw in layers)):
                findings.append(Finding("error", "invalid-config", plugin, f"at {code}: {message}", code))
                break
    return findings


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.severity != "error", f.check, f.subject, f.business or ""))


def plugin_findings(platform: Platform) -> list[Finding]:
    """The findings about installed plugins themselves (failed, incompatible); imports every plugin."""
    return _ordered(_plugin_findings(platform))


def diagnose_businesses(platform: Platform, snapshot: Snapshot, codes: Iterable[str]) -> list[Finding]:
    """The per-business findings of :func:`diagnose` for *codes* only, from *snapshot*.

    The rows at each business are checked as :func:`diagnose` checks them; the
    config check looks at what each business itself gets (its effective config),
    not at its descendants -- they are checked where they are asked about.  So
    this costs what the businesses asked about cost, not the registry's size
    (the console's capability map asks about one page of businesses).
    """
    codes = list(codes)
    wanted = set(codes)
    return _ordered([*_registry_findings(platform, snapshot, codes),
                     *_effective_config_findings(platform, snapshot, codes),
                     *_conflict_findings(platform, snapshot, codes),
                     *(f for f in _pilot_findings(platform, snapshot) if f.business in wanted)])


def _pilot_findings(platform: Platform, snapshot: Snapshot) -> list[Finding]:
    from zhongtai.core.pilots import outside_pilots

    return [Finding("warning", "outside-pilots", plugin,
                    f"incubating and enabled at {code}, which is none of its pilot businesses "
                    f"(zhongtai plugins pilots add {plugin} --business {code}, or promote it)", code)
            for plugin, code in outside_pilots(platform, snapshot)]


def diagnose(platform: Platform) -> list[Finding]:
    """Every problem found, errors first, in a stable order."""
    snapshot = platform.registry.snapshot()
    return _ordered([*_plugin_findings(platform), *_registry_findings(platform, snapshot),
                     *_config_findings(platform, snapshot), *_conflict_findings(platform, snapshot),
                     *_pilot_findings(platform, snapshot)])
