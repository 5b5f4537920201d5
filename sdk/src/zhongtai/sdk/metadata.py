"""A plugin project's metadata, read from its source tree without importing it.

A plugin package declares its metadata once, in the ``zhongtai_plugins.toml``
manifest beside the plugin module (title, owner, lifecycle, supported API range,
extension points, config class); ``pyproject.toml`` names each plugin in the
``zhongtai.plugins`` entry-point group.  The kernel reads the installed copy;
this module reads the project's own copy, so its tests can run before it is
installed, and validates it with the kernel's own rules.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import attrs

from zhongtai.core.discovery import GROUP, PluginInfo, info_from_manifest, read_manifest
from zhongtai.core.domains import DomainInfo
from zhongtai.core.errors import UserError
from zhongtai.core.extension import API_VERSION


class ProjectError(UserError):
    """A plugin project whose pyproject.toml cannot be read or declares no plugin."""


def api_range(api_version: str = API_VERSION) -> str:
    """The API range a new plugin declares: this major version from its ``.0`` on (``>=1.0,<2``)."""
    major = int(api_version.split(".", 1)[0])
    return f">={major}.0,<{major + 1}"


@attrs.frozen
class ProjectPlugins:
    """The plugins declared by one project directory, and where its sources are."""

    root: Path
    distribution: str
    version: str
    source_roots: tuple[Path, ...]
    plugins: tuple[PluginInfo, ...]

    def get(self, name: str) -> PluginInfo:
        for info in self.plugins:
            if info.name == name:
                return info
        known = ", ".join(p.name for p in self.plugins) or "none"
        raise ProjectError(f"project {self.distribution} declares no plugin {name!r} (it declares: {known})")


def _domains(document: dict[str, Any], search: list[str], api_version: str) -> dict[str, DomainInfo]:
    """The domains installed on ``sys.path`` plus those the project itself declares (``zhongtai.specs``)."""
    from zhongtai.core.domains import SPECS_GROUP, discover_domains
    from zhongtai.core.entrypoints import InstalledEntryPoint, entry_points

    project = document.get("project", {})
    name, version = str(project.get("name", "")), str(project.get("version", "0"))
    own = project.get("entry-points", {}).get(SPECS_GROUP, {})
    declared = [InstalledEntryPoint(SPECS_GROUP, str(k), str(v), name, version, "") for k, v in own.items()] \
        if isinstance(own, dict) else []
    installed = [ep for ep in entry_points(SPECS_GROUP, sys.path) if ep.distribution != name]
    return discover_domains([*declared, *installed], [*search, *sys.path], api_version)


def read_project(root: Path, api_version: str = API_VERSION) -> ProjectPlugins:
    """Read ``root/pyproject.toml`` and the manifest of every plugin it declares.

    Each plugin's :class:`PluginInfo` carries the kernel's verdict on its manifest
    (``status`` ``ok``, ``failed`` or ``incompatible`` with the reason in
    ``error``).  Raises :class:`ProjectError` if pyproject.toml is missing or
    unreadable, or declares no ``zhongtai.plugins`` entry point.
    """
    pyproject = root / "pyproject.toml"
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(f"{pyproject} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProjectError(f"cannot read {pyproject}: {exc}") from None
    project = document.get("project", {})
    entry_points = project.get("entry-points", {}).get(GROUP, {})
    if not isinstance(entry_points, dict) or not entry_points:
        raise ProjectError(f'{pyproject} declares no [project.entry-points."{GROUP}"]')
    distribution = str(project.get("name", root.name))
    version = str(project.get("version", "0"))
    roots = tuple(p for p in (root / "src", root) if p.is_dir())
    search = [str(p) for p in roots]
    domains = _domains(document, search, api_version)
    plugins = []
    for name, target in entry_points.items():
        module = str(target).split(":", 1)[0].strip()
        manifest, error = read_manifest(module, search)
        plugins.append(info_from_manifest(
            str(name), str(target), distribution, version, manifest, error, api_version, domains,
        ))
    return ProjectPlugins(root, distribution, version, roots, tuple(plugins))
