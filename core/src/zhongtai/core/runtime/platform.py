"""The :class:`Platform`: one registry, one plugin catalog, per-business views.

There is no module-level state: create as many Platforms as you like.  Each
keeps an in-memory :class:`~zhongtai.core.registry.snapshot.Snapshot` of the
registry and compiles call plans per (business, extension point) on first use.
Plans are reused until the registry revision changes; the revision is checked
at most every ``refresh_interval`` seconds on the call path (0 checks on every
call), and immediately after a change made through this Platform.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pluggy

from zhongtai.core import management
from zhongtai.core.discovery import OK, PluginInfo
from zhongtai.core.management import ChangeReport
from zhongtai.core.errors import BusinessSuspended, NotFound
from zhongtai.core.extension import API_VERSION, ExtensionPoint, extension_points_of
from zhongtai.core.identity import lineage, validate_code
from zhongtai.core.markers import PROJECT
from zhongtai.core.policies import TraceStep
from zhongtai.core.registry.snapshot import EffectivePlugin, Snapshot
from zhongtai.core.registry.store import Registry
from zhongtai.core.runtime.catalog import PluginCatalog
from zhongtai.core.runtime.plan import CallPlan, compile_plan
from zhongtai.core.specs import SPEC_MODULES


@attrs.frozen
class CallResult:
    """A call's answer with its trace: who contributed what, in order, at which revision."""

    extension_point: str
    business: str
    value: Any
    trace: tuple[TraceStep, ...]
    revision: int


class _BusinessPlans:
    __slots__ = ("code", "effective", "plans", "suspended_by")

    def __init__(self, code: str, effective: dict[str, EffectivePlugin], suspended_by: str | None) -> None:
        self.code = code
        self.effective = effective
        self.plans: dict[str, CallPlan] = {}
        self.suspended_by = suspended_by


class Platform:
    """The zhongtai runtime for one registry.

    :param database_url: SQLAlchemy URL of the registry (default:
        ``$ZHONGTAI_DATABASE_URL`` or ``sqlite:///zhongtai.db``).
    :param plugin_path: where to discover installed plugins (default ``sys.path``).
    :param discover: set ``False`` to start with no installed plugins (tests, benchmarks).
    :param refresh_interval: seconds between registry revision checks on the call path.
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        registry: Registry | None = None,
        plugin_path: Sequence[str] | None = None,
        discover: bool = True,
        refresh_interval: float = 0.5,
        api_version: str = API_VERSION,
    ) -> None:
        self.registry = registry or Registry(database_url)
        self.api_version = api_version
        self.refresh_interval = refresh_interval
        self.extension_points: dict[str, ExtensionPoint] = {}
        self._pm = pluggy.PluginManager(PROJECT)
        for module_name in SPEC_MODULES:
            module = importlib.import_module(module_name)
            self._pm.add_hookspecs(module)
            for point in extension_points_of(module):
                self.extension_points[point.name] = point
        self.plugins = PluginCatalog(self._pm, self.extension_points, api_version, plugin_path, discover)
        self._snapshot: Snapshot | None = None
        self._businesses: dict[str, _BusinessPlans] = {}
        self._next_check = 0.0

    # -- extension points ------------------------------------------------------------
    def extension_point(self, name: str) -> ExtensionPoint:
        point = self.extension_points.get(name)
        if point is None:
            known = ", ".join(sorted(self.extension_points))
            raise NotFound(f"unknown extension point {name!r} (known: {known})")
        return point

    def add_plugin(
        self, obj: Any, name: str, *, extension_points: Sequence[str] | None = None,
        config: type | None = None, title: str = "", owner: str = "", lifecycle: str = "active",
    ) -> PluginInfo:
        """Register an in-process plugin object (tests, benchmarks, embedding apps)."""
        if extension_points is None:
            hooks = {p.hook_name: p.name for p in self.extension_points.values()}
            extension_points = [hooks[n] for n in dir(obj) if n in hooks]
        info = PluginInfo(
            name=name, target=f"<in-process {type(obj).__name__}>", distribution="<in-process>",
            version="", title=title or name, owner=owner, lifecycle=lifecycle, api=f"=={self.api_version}",
            extension_points=tuple(extension_points), config=None,
        )
        added = self.plugins.add(info, obj)
        if added.status == OK and config is not None:
            loaded = self.plugins.load(name)
            object.__setattr__(loaded, "config_class", config)
        self._drop_plans()
        return added

    # -- registry state ------------------------------------------------------------
    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            self._snapshot = self.registry.snapshot()
            self._next_check = time.monotonic() + self.refresh_interval
        return self._snapshot

    def refresh(self) -> bool:
        """Reload the registry if its revision moved; recompile only affected businesses.

        Returns True if anything changed.
        """
        current = self._snapshot
        if current is None:
            _ = self.snapshot
            return True
        self._next_check = time.monotonic() + self.refresh_interval
        if self.registry.revision() == current.revision:
            return False
        fresh = self.registry.snapshot()
        self._invalidate(affected_businesses(current, fresh))
        self._snapshot = fresh
        return True

    def _invalidate(self, codes: set[str]) -> None:
        if not codes:
            return
        for code in list(self._businesses):
            if any(code == c or code.startswith(c + ".") for c in codes):
                del self._businesses[code]

    def _drop_plans(self) -> None:
        self._businesses.clear()

    def _maybe_refresh(self) -> None:
        if time.monotonic() >= self._next_check:
            self.refresh()

    # -- dispatch ------------------------------------------------------------------
    def business(self, code: str) -> BusinessView:
        """A view of *code* whose calls go to exactly its effective plugins."""
        validate_code(code)
        if code not in self.snapshot.businesses:
            raise NotFound(f"unknown business {code!r}")
        return BusinessView(self, code)

    def _plans_for(self, code: str) -> _BusinessPlans:
        plans = self._businesses.get(code)
        if plans is None:
            snapshot = self.snapshot
            if code not in snapshot.businesses:
                raise NotFound(f"unknown business {code!r}")
            suspended_by = next(
                (level for level in lineage(code)
                 if level in snapshot.businesses and snapshot.businesses[level].status == "suspended"),
                None,
            )
            plans = _BusinessPlans(code, snapshot.effective(code), suspended_by)
            self._businesses[code] = plans
        return plans

    def plan(self, code: str, point_name: str) -> CallPlan:
        """The compiled plan of *point_name* for *code* (compiled on first use)."""
        self._maybe_refresh()
        plans = self._plans_for(code)
        plan = plans.plans.get(point_name)
        if plan is None:
            point = self.extension_point(point_name)
            effective = [p for p in plans.effective.values()]
            plan = compile_plan(point, code, self.snapshot.revision, effective, self.plugins, self)
            plans.plans[point_name] = plan
        return plan

    def call(self, code: str, point_name: str, kwargs: dict[str, Any], trace: list[TraceStep] | None) -> Any:
        plan = self.plan(code, point_name)
        suspended_by = self._businesses[code].suspended_by
        if suspended_by is not None:
            where = "" if suspended_by == code else f" (its ancestor {suspended_by} is suspended)"
            raise BusinessSuspended(f"business {code} is suspended{where}; calls are refused")
        missing = [a for a in plan.point.inputs if a not in kwargs]
        if missing:
            raise NotFound(f"{point_name} needs argument {missing[0]!r}")
        return plan.runner(plan.point, plan.entries, kwargs, trace)

    # -- management: thin wrappers over zhongtai.core.management -------------------
    def create_business(self, code: str, *, name: str = "", owner: str = "", actor: str | None = None,
                        dry_run: bool = False) -> ChangeReport:
        """Create business *code*; its parent must exist.  See :mod:`zhongtai.core.management`."""
        return management.create_business(self, code, name=name, owner=owner, actor=actor, dry_run=dry_run)

    def set_status(self, code: str, status: str, *, actor: str | None = None,
                   dry_run: bool = False) -> ChangeReport:
        """Suspend (``"suspended"``) or resume (``"active"``) a business and its descendants."""
        return management.set_status(self, code, status, actor=actor, dry_run=dry_run)

    def enable(self, plugin: str, business: str, *, config: Mapping[str, Any] | None = None,
               priority: int | None = None, actor: str | None = None, dry_run: bool = False,
               replace_config: bool = False, expected_version: int | None = None) -> ChangeReport:
        """Enable *plugin* at *business* with *config* (validated; nothing written if invalid)."""
        return management.enable(self, plugin, business, config=config, priority=priority, actor=actor,
                                 dry_run=dry_run, replace_config=replace_config,
                                 expected_version=expected_version)

    def disable(self, plugin: str, business: str, *, actor: str | None = None,
                dry_run: bool = False) -> ChangeReport:
        """Disable *plugin* at *business* (and so below it, unless re-enabled lower)."""
        return management.disable(self, plugin, business, actor=actor, dry_run=dry_run)

    def effective_config(self, plugin: str, business: str, *, masked: bool = True) -> dict[str, Any]:
        """The merged config of *plugin* at *business*, defaults filled in, secrets masked."""
        return management.effective_config(self, plugin, business, masked=masked)


def affected_businesses(old: Snapshot, new: Snapshot) -> set[str]:
    """Businesses whose own rows differ between two snapshots (descendants are implied)."""
    codes = set(old.businesses) | set(new.businesses)
    changed = {c for c in codes if old.businesses.get(c) != new.businesses.get(c)}
    for code in set(old.enablements) | set(new.enablements):
        if old.enablements.get(code) != new.enablements.get(code):
            changed.add(code)
    return changed


class BusinessView:
    """Calls for one business.  Cheap to create; holds no state of its own."""

    __slots__ = ("_platform", "code")

    def __init__(self, platform: Platform, code: str) -> None:
        self._platform = platform
        self.code = code

    def __repr__(self) -> str:
        return f"<BusinessView {self.code}>"

    def call(self, extension_point: str, /, **kwargs: Any) -> Any:
        """Invoke *extension_point* for this business and return the combined answer."""
        return self._platform.call(self.code, extension_point, kwargs, None)

    def explain(self, extension_point: str, /, **kwargs: Any) -> CallResult:
        """Like :meth:`call`, and also say which plugin did what, in order."""
        trace: list[TraceStep] = []
        value = self._platform.call(self.code, extension_point, kwargs, trace)
        revision = self._platform.snapshot.revision
        return CallResult(extension_point, self.code, value, tuple(trace), revision)

    def plan(self, extension_point: str) -> CallPlan:
        return self._platform.plan(self.code, extension_point)

    def effective_plugins(self) -> Mapping[str, EffectivePlugin]:
        return self._platform._plans_for(self.code).effective
