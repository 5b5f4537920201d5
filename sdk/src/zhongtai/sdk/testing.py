"""Helpers for testing a plugin project: throwaway Platforms with the project's plugins.

The pytest plugin (:mod:`zhongtai.sdk.pytest_plugin`) wraps these as fixtures;
they are plain functions so that any test runner can use them::

    project = read_project(Path("."))
    platform = make_platform("sqlite:///tmp/r.db", project=project)
    view = enable(platform, "edu.k12.vip-discount", "edu.k12", config={"rate": "0.8"})
    view.call("pricing.adjust", **example_inputs("pricing.adjust"))

A project's plugins are loaded from its source tree (``src/`` or the project
root must be importable), through the same catalog code path as installed
plugins: manifest validation, pluggy hookimpl validation, the manifest's
extension points against the hookimpls, the config class.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from zhongtai.core.discovery import FAILED, OK, PluginInfo, import_target
from zhongtai.core.identity import lineage, validate_code
from zhongtai.sdk.hooks import extension_point
from zhongtai.sdk.metadata import ProjectPlugins, read_project

if TYPE_CHECKING:
    from zhongtai.core.extension import ExtensionPoint
    from zhongtai.core.runtime import BusinessView, Platform


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def add_project_plugins(platform: Platform, project: ProjectPlugins) -> list[PluginInfo]:
    """Add every plugin *project* declares to *platform*'s catalog, loaded from the source tree.

    Returns each plugin's resulting info; a plugin whose manifest is invalid,
    whose module cannot be imported or whose hookimpls do not match is added as
    ``failed`` with the reason (calls and enabling then refuse it clearly).
    """
    return _add_plugins(platform, project.plugins)


def add_installed_plugins(platform: Platform, names: Sequence[str]) -> list[PluginInfo]:
    """Add the installed plugins *names* (found like ``zhongtai plugins list`` finds them) to *platform*.

    For a test platform that holds the project's plugins and, on purpose, a few
    installed ones it works with (e.g. ``channels.rules`` next to your own
    ``channels.authorize`` plugin).  Raises :class:`~zhongtai.core.errors.NotFound`
    naming any that is not installed.
    """
    from zhongtai.core.discovery import discover
    from zhongtai.core.errors import NotFound
    from zhongtai.core.wording import listing

    installed = {info.name: info for info in discover(platform.api_version, None, platform.domains)}
    missing = [name for name in names if name not in installed]
    if missing:
        raise NotFound(f"not installed: {listing(missing)} (installed: {listing(sorted(installed), 8)})")
    return _add_plugins(platform, [installed[name] for name in names])


def _add_plugins(platform: Platform, infos: Sequence[PluginInfo]) -> list[PluginInfo]:
    result = []
    for info in infos:
        obj: Any = None
        if info.status == OK:
            try:
                obj = import_target(info.target)
            except (Exception, SystemExit) as exc:
                info = attrs.evolve(info, status=FAILED, error=f"import of {info.target} failed: {_reason(exc)}")
        result.append(platform.plugins.add(info, obj))
    return result


def make_platform(
    database_url: str, *, project: ProjectPlugins | Path | None = None, discover: bool = False,
    include: Sequence[str] = (), **kwargs: Any,
) -> Platform:
    """A Platform on *database_url* with *project*'s plugins (a path is read with :func:`read_project`).

    ``discover=False`` (the default) leaves out every installed plugin, so the
    project is tested on its own -- except those named in *include*, installed
    plugins the tests work with (see :func:`add_installed_plugins`).  Close it
    with ``platform.registry.close()``.
    """
    from zhongtai.core.runtime import Platform

    kwargs.setdefault("refresh_interval", 0.0)
    platform = Platform(database_url, discover=discover, **kwargs)
    if project is not None:
        add_project_plugins(platform, project if isinstance(project, ProjectPlugins) else read_project(project))
    if include:
        try:
            add_installed_plugins(platform, include)
        except Exception:
            platform.close()
            raise
    return platform


def ensure_business(platform: Platform, code: str) -> None:
    """Create *code* and any missing ancestors (an existing business is left alone)."""
    validate_code(code)
    existing = platform.snapshot.businesses
    for level in lineage(code):
        if level not in existing:
            platform.create_business(level, actor="zhongtai-sdk-tests")
            existing = platform.snapshot.businesses


def enable(
    platform: Platform, plugin: str, business: str, *, config: Mapping[str, Any] | None = None,
    priority: int | None = None,
) -> BusinessView:
    """Enable *plugin* at *business* (created with its ancestors if needed); return the business's view.

    Raises the kernel's error (e.g. :class:`~zhongtai.core.errors.ConfigError`)
    when the change is refused; nothing is written then.
    """
    ensure_business(platform, business)
    platform.enable(plugin, business, config=config, priority=priority, actor="zhongtai-sdk-tests")
    return platform.business(business)


def example_inputs(point: str | ExtensionPoint) -> dict[str, Any]:
    """A valid, deterministic set of keyword arguments for a call of *point*.

    It is the first value :func:`zhongtai.sdk.strategies.inputs` generates,
    which hypothesis makes its simplest one (short names, small carts), the
    same in every run.
    """
    from hypothesis import HealthCheck, Phase, given, settings

    from zhongtai.sdk.strategies import inputs

    resolved = extension_point(point) if isinstance(point, str) else point
    found: list[dict[str, Any]] = []

    @settings(max_examples=1, phases=[Phase.generate], derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(inputs(resolved))
    def first(kwargs: dict[str, Any]) -> None:
        found.append(kwargs)

    first()
    return found[0]
