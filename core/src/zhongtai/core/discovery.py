"""Plugin discovery: entry points of group ``zhongtai.plugins`` -> :class:`PluginInfo`.

Discovery reads metadata only: the entry point, its distribution's name and
version, and the plugin manifest ``zhongtai_plugins.toml`` that sits in the
plugin's package directory.  No plugin module is imported until
:meth:`PluginCatalog.load` is asked for it.  Every failure (bad manifest,
incompatible API range, import error, hookimpl that does not match its spec) is
captured on the :class:`PluginInfo` and never raised to the caller.

A manifest declares each plugin of the package once::

    [plugins."pricing.tiered"]          # the entry point name
    title = "Tiered quantity prices"
    owner = "platform-pricing"
    lifecycle = "active"                # incubating | active | deprecated | retired
    api = ">=1.0,<2"                    # supported extension API versions
    extension_points = ["pricing.adjust"]
    config = "zhongtai.plugins.pricing.tiered:TieredConfig"   # optional attrs class
    specs = { coupons = ">=1.0,<2" }    # versions of package domains it implements (see domains.py)

A plugin implementing points of a domain that is not installed, failed to
load, or whose version its ``specs`` range excludes is ``incompatible``.
"""

from __future__ import annotations

import functools
import os
import sys
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from collections.abc import Mapping

    from zhongtai.core.domains import DomainInfo

GROUP = "zhongtai.plugins"
MANIFEST = "zhongtai_plugins.toml"
LIFECYCLES = ("incubating", "active", "deprecated", "retired")

#: The distribution of plugins an application registers in-process (``Platform.add_plugin``).
IN_PROCESS = "<in-process>"

OK = "ok"
FAILED = "failed"
INCOMPATIBLE = "incompatible"


@attrs.frozen
class PluginInfo:
    """What is known about a plugin without importing it (plus its load outcome)."""

    name: str
    target: str
    distribution: str = ""
    version: str = ""
    title: str = ""
    owner: str = ""
    lifecycle: str = "active"
    api: str = ""
    extension_points: tuple[str, ...] = ()
    config: str | None = None
    specs: tuple[tuple[str, str], ...] = ()  # (package domain, supported version range)
    status: str = OK
    error: str | None = None
    loaded: bool = False

    @property
    def usable(self) -> bool:
        return self.status == OK and self.lifecycle != "retired"


def _manifest_candidates(module: str, search_path: Sequence[str]) -> Iterable[str]:
    # os.path, not pathlib: this runs for every plugin on every path entry (`plugins list` speed)
    parts = module.split(".")
    relative = [os.path.join(*parts), os.path.join(*parts[:-1])] if len(parts) > 1 else [parts[0]]
    for entry in search_path:
        for rel in relative:
            yield os.path.join(entry or ".", rel, MANIFEST)


def read_manifest(module: str, search_path: Sequence[str]) -> tuple[dict[str, Any], str | None]:
    """Find and parse the manifest for *module* without importing anything.

    Returns the parsed document and ``None``, or ``{}`` and the reason it failed.
    """
    for candidate in _manifest_candidates(module, search_path):
        if os.path.isfile(candidate):
            try:
                return tomllib.loads(Path(candidate).read_text(encoding="utf-8")), None
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                return {}, f"unreadable manifest {candidate}: {exc}"
    return {}, f"no {MANIFEST} beside module {module}"


def info_from_manifest(
    name: str, target: str, distribution: str, version: str, manifest: dict[str, Any],
    manifest_error: str | None, api_version: str, domains: Mapping[str, DomainInfo] | None = None,
) -> PluginInfo:
    """Build a :class:`PluginInfo` from an entry point and its manifest entry.

    With *domains* (the installed extension-point domains) the plugin's points
    and ``specs`` pins are checked against them too.
    """
    base = PluginInfo(name=name, target=target, distribution=distribution, version=version)
    if manifest_error:
        return attrs.evolve(base, status=FAILED, error=manifest_error)
    entry = manifest.get("plugins", {}).get(name)
    if not isinstance(entry, dict):
        return attrs.evolve(base, status=FAILED, error=f"manifest has no [plugins.{name!r}] table")
    try:
        points = entry.get("extension_points", [])
        if not isinstance(points, list) or not all(isinstance(p, str) for p in points):
            raise ValueError("extension_points must be a list of names")
        lifecycle = str(entry.get("lifecycle", "active"))
        if lifecycle not in LIFECYCLES:
            raise ValueError(f"lifecycle {lifecycle!r} is not one of {', '.join(LIFECYCLES)}")
        config = entry.get("config")
        pins = entry.get("specs", {})
        if not isinstance(pins, dict) or not all(isinstance(v, str) for v in pins.values()):
            raise ValueError('specs must be a table of domain = "version range"')
        info = attrs.evolve(
            base,
            title=str(entry.get("title", name)),
            owner=str(entry.get("owner", "")),
            lifecycle=lifecycle,
            api=str(entry.get("api", "")),
            extension_points=tuple(points),
            config=str(config) if config else None,
            specs=tuple(sorted((str(k), v) for k, v in pins.items())),
        )
    except ValueError as exc:
        return attrs.evolve(base, status=FAILED, error=f"bad manifest entry: {exc}")
    reason = api_incompatibility(info.api, api_version)
    if not reason and domains is not None:
        from zhongtai.core.domains import domain_incompatibility

        reason = domain_incompatibility(info.extension_points, dict(info.specs), domains)
    if reason:
        return attrs.evolve(info, status=INCOMPATIBLE, error=reason)
    return info


@functools.lru_cache(maxsize=256)  # most plugins declare the same few ranges
def api_incompatibility(declared: str, api_version: str) -> str | None:
    """Why a declared API range excludes *api_version*, or ``None`` if it is supported."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not declared:
        return "declares no supported extension API range (api = ...)"
    try:
        spec = SpecifierSet(declared)
    except InvalidSpecifier:
        return f"api range {declared!r} is not a valid version specifier"
    if api_version not in spec:
        return f"supports extension API {declared}, the kernel provides {api_version}"
    return None


def discover(
    api_version: str, path: Sequence[str] | None = None, domains: Mapping[str, DomainInfo] | None = None,
) -> list[PluginInfo]:
    """Every plugin installed on *path* (default ``sys.path``), metadata only, sorted by name.

    Two entry points with the same name: the second is reported as failed.
    Plugins are checked against *domains* (default: the domains installed on
    the same path, read from metadata in the same pass; a Platform passes the
    ones it loaded, so a domain that failed to import counts as unavailable).
    """
    from zhongtai.core.domains import SPECS_GROUP, discover_domains
    from zhongtai.core.entrypoints import entry_points  # stdlib-only: no email parsing per distribution

    search_path = list(path) if path is not None else list(sys.path)
    installed = entry_points((GROUP, SPECS_GROUP), search_path)
    if domains is None:
        domains = discover_domains(installed, search_path, api_version)
    found: dict[str, PluginInfo] = {}
    for ep in installed:
        if ep.group != GROUP:
            continue
        dist_name = ep.distribution
        module = ep.value.split(":", 1)[0].strip()
        manifest, error = read_manifest(module, search_path)
        info = info_from_manifest(ep.name, ep.value, dist_name, ep.version, manifest, error, api_version, domains)
        previous = found.get(ep.name)
        if previous is not None:
            if previous.distribution == dist_name:
                continue  # the same distribution seen twice on the path
            found[ep.name] = attrs.evolve(
                previous, status=FAILED,
                error=f"plugin name {ep.name!r} is also provided by {dist_name} {ep.version}",
            )
            continue
        found[ep.name] = info
    return sorted(found.values(), key=lambda p: p.name)


def import_target(target: str) -> Any:
    """Import ``module:attr`` (or a bare module) and return the object."""
    import importlib

    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name.strip())
    for part in filter(None, attr.strip().split(".")):
        obj = getattr(obj, part)
    return obj
