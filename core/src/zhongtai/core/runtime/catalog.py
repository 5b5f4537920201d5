"""The plugin catalog of one Platform: discovery results plus lazy, isolated loading.

Loading a plugin imports its entry point target, registers it with the
Platform's own pluggy ``PluginManager`` (which validates every hookimpl against
its hookspec), checks that it implements exactly the extension points its
manifest declares, and imports its config class.  Any failure marks the plugin
``failed`` with the reason and unregisters it; nothing propagates.

Discovery and loading happen under one lock: a Platform is shared by threads (a
gateway's workers and its event loop), and two threads loading the same plugin
at once would register it twice -- the second registration fails, marks the
plugin failed and the plan being compiled leaves it out (for a ``first`` point:
a ``None`` answer, cached with the plan).  Once loaded, a plugin is returned
without taking the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from zhongtai.core.discovery import FAILED, OK, PluginInfo, discover, import_target
from zhongtai.core.errors import NotFound, PluginUnavailable
from zhongtai.core.extension import ExtensionPoint
from zhongtai.core.wording import listing

if TYPE_CHECKING:
    from zhongtai.core.domains import DomainInfo


@attrs.frozen
class LoadedPlugin:
    info: PluginInfo
    obj: Any = attrs.field(repr=False)
    config_class: type | None
    hooks: dict[str, pluggy.HookImpl] = attrs.field(repr=False)  # extension point name -> impl


def failure_reason(exc: BaseException) -> str:
    """One line saying what went wrong (multi-line messages joined with '; ')."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return f"{type(exc).__name__}: {'; '.join(lines)}" if lines else type(exc).__name__


class PluginCatalog:
    """Every plugin this Platform knows about, by name."""

    def __init__(
        self, manager: pluggy.PluginManager, points: dict[str, ExtensionPoint], api_version: str,
        path: Sequence[str] | None = None, discover_installed: bool = True,
        domains: Mapping[str, DomainInfo] | None = None,
    ) -> None:
        self._pm = manager
        self._points = points
        self._by_hook = {p.hook_name: p for p in points.values()}
        self._api_version = api_version
        self._path = path
        self._discover = discover_installed
        self._domains = domains
        self._infos: dict[str, PluginInfo] | None = None
        self._loaded: dict[str, LoadedPlugin] = {}
        self._objects: dict[str, Any] = {}  # in-process plugins: name -> object
        self._config_classes: dict[str, type] = {}  # in-process plugins' config classes
        #: discovery, loading and adding: one thread at a time (re-entrant: load -> require -> _all)
        self._lock = threading.RLock()

    # -- metadata --------------------------------------------------------------
    def _all(self) -> dict[str, PluginInfo]:
        infos = self._infos
        if infos is not None:
            return infos
        with self._lock:  # discovered once, by one thread
            if self._infos is None:
                found = discover(self._api_version, self._path, self._domains) if self._discover else []
                self._infos = {info.name: info for info in found}
            return self._infos

    def infos(self) -> list[PluginInfo]:
        """All known plugins, sorted by name (metadata only; nothing is imported)."""
        return sorted(self._all().values(), key=lambda p: p.name)

    def get(self, name: str) -> PluginInfo | None:
        return self._all().get(name)

    def require(self, name: str) -> PluginInfo:
        info = self.get(name)
        if info is None:
            known = listing(sorted(self._all()), 8) or "none installed"
            raise NotFound(f"unknown plugin {name!r} (installed: {known})")
        return info

    def implementing(self, point: str) -> list[PluginInfo]:
        return [info for info in self.infos() if point in info.extension_points]

    def add(self, info: PluginInfo, obj: Any, config_class: type | None = None) -> PluginInfo:
        """Add an in-process plugin (tests, benchmarks, embedding applications)."""
        with self._lock:
            self._all()[info.name] = info
            self._objects[info.name] = obj
            if config_class is not None:
                self._config_classes[info.name] = config_class
            else:
                self._config_classes.pop(info.name, None)
            self._loaded.pop(info.name, None)
            return self.load_quietly(info.name)

    # -- loading -----------------------------------------------------------------
    def load(self, name: str) -> LoadedPlugin:
        """The loaded plugin, importing it on first use; raises PluginUnavailable if it cannot run."""
        loaded = self._loaded.get(name)
        if loaded is not None:
            return loaded
        with self._lock:
            return self._load_locked(name)

    def _load_locked(self, name: str) -> LoadedPlugin:
        loaded = self._loaded.get(name)
        if loaded is not None:  # another thread loaded it while this one waited
            return loaded
        info = self.require(name)
        if info.status != OK:
            raise PluginUnavailable(f"plugin {name!r} is {info.status}: {info.error}")
        if info.loaded:  # loaded before and failed since? (not reachable: failures change status)
            raise PluginUnavailable(f"plugin {name!r} cannot be loaded")
        try:
            loaded = self._load(info)
        except PluginUnavailable as exc:
            self._all()[name] = attrs.evolve(info, status=FAILED, error=exc.message.split(": ", 1)[-1])
            raise
        self._loaded[name] = loaded
        self._all()[name] = attrs.evolve(info, loaded=True)
        return loaded

    def load_quietly(self, name: str) -> PluginInfo:
        """Try to load *name*; return its (possibly now failed) info."""
        try:
            self.load(name)
        except PluginUnavailable:
            pass
        return self.require(name)

    def load_all(self) -> list[PluginInfo]:
        return [self.load_quietly(info.name) for info in self.infos() if info.status == OK]

    def _load(self, info: PluginInfo) -> LoadedPlugin:
        def unavailable(why: str) -> PluginUnavailable:
            return PluginUnavailable(f"plugin {info.name!r} is failed: {why}")

        try:
            obj = self._objects[info.name] if info.name in self._objects else import_target(info.target)
        except (Exception, SystemExit) as exc:
            raise unavailable(f"import of {info.target} failed: {failure_reason(exc)}") from None
        try:
            self._pm.register(obj, name=info.name)
        except (Exception, SystemExit) as exc:
            raise unavailable(f"hookimpl does not match its extension point: {failure_reason(exc)}") from None
        try:
            hooks = self._hooks_of(info, obj)
            config_class = self._config_class(info)
        except PluginUnavailable as exc:
            self._pm.unregister(obj)
            raise unavailable(exc.message) from None
        return LoadedPlugin(info, obj, config_class, hooks)

    def _hooks_of(self, info: PluginInfo, obj: Any) -> dict[str, pluggy.HookImpl]:
        hooks: dict[str, pluggy.HookImpl] = {}
        for caller in self._pm.get_hookcallers(obj) or []:
            point = self._by_hook.get(caller.name)
            if point is None:
                raise PluginUnavailable(f"implements {caller.name!r}, which is no extension point")
            for impl in caller.get_hookimpls():
                if impl.plugin_name == info.name:
                    if impl.hookwrapper or impl.wrapper:
                        raise PluginUnavailable(f"{caller.name}: hook wrappers are not supported")
                    hooks[point.name] = impl
        implemented, declared = set(hooks), set(info.extension_points)
        if implemented != declared:
            missing = ", ".join(sorted(declared - implemented)) or "-"
            extra = ", ".join(sorted(implemented - declared)) or "-"
            raise PluginUnavailable(
                f"manifest declares extension points that do not match its hookimpls "
                f"(declared but not implemented: {missing}; implemented but not declared: {extra})"
            )
        return hooks

    def _config_class(self, info: PluginInfo) -> type | None:
        if info.name in self._config_classes:
            cls: Any = self._config_classes[info.name]
            if not (isinstance(cls, type) and attrs.has(cls)):
                raise PluginUnavailable(f"config {cls!r} is not an attrs class")
            return cls
        if not info.config:
            return None
        try:
            cls = import_target(info.config)
        except (Exception, SystemExit) as exc:
            raise PluginUnavailable(f"config class {info.config} cannot be imported: {failure_reason(exc)}") from None
        if not (isinstance(cls, type) and attrs.has(cls)):
            raise PluginUnavailable(f"config {info.config} is not an attrs class")
        return cls

    def loaded(self) -> Iterable[LoadedPlugin]:
        return list(self._loaded.values())
