"""The :class:`Runtime` below every :class:`~zhongtai.core.runtime.platform.Platform`: one registry,
one plugin catalog, per-business views.  Nothing here changes the registry (see ``management.py``).

There is no module-level state: create as many Platforms as you like.  Each
keeps an in-memory :class:`~zhongtai.core.registry.snapshot.Snapshot` of the
registry and compiles call plans per (business, extension point) on first use.
Plans are reused until the registry revision changes.

Propagation: the call path checks the revision at most every ``refresh_interval``
seconds (0: on every call) and immediately after a change made through this
Platform; on PostgreSQL a ``LISTEN`` connection also wakes it as soon as a
change commits.  Catching up reads only the businesses the change log names
(see :meth:`Registry.refreshed`) and drops only their plans and their
descendants'.  If the registry cannot be read, the Platform keeps serving its
last good plans and says so in :meth:`Platform.status`, then catches up when the
registry is back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pluggy
from opentelemetry import trace as _otel_trace

from zhongtai.core import telemetry
from zhongtai.core.discovery import IN_PROCESS, PluginInfo
from zhongtai.core.domains import DomainInfo, discover_domains, load_domains
from zhongtai.core.errors import BusinessSuspended, NotFound, RegistryError, ZhongtaiError
from zhongtai.core.extension import API_VERSION, ExtensionPoint
from zhongtai.core.identity import lineage, validate_code
from zhongtai.core.markers import PROJECT
from zhongtai.core.policies import TraceStep
from zhongtai.core.registry.snapshot import EffectivePlugin, Snapshot
from zhongtai.core.registry.store import Registry
from zhongtai.core.registry.watcher import RevisionWatcher
from zhongtai.core.rollout import MAX_SUBJECT, check_subject
from zhongtai.core.runtime.catalog import PluginCatalog
from zhongtai.core.runtime.exposures import Exposures, check_event
from zhongtai.core.runtime.metrics import Metrics
from zhongtai.core.runtime.plan import CallPlan, compile_plan, order_key
from zhongtai.core.runtime.timeouts import CallTimeouts
from zhongtai.core.telemetry import SWITCH as TELEMETRY_SWITCH

if TYPE_CHECKING:
    from zhongtai.core.runtime.admission import Admission


@attrs.frozen
class CallResult:
    """A call's answer with its trace: who contributed what, in order, at which revision."""

    extension_point: str
    business: str
    value: Any
    trace: tuple[TraceStep, ...]
    revision: int


@attrs.frozen
class RuntimeStatus:
    """How current a Platform's view of the registry is (health checks, ``zhongtai doctor``)."""

    revision: int | None  # the registry revision the plans come from (None: nothing loaded yet)
    live: bool  # False: the last check failed; calls are served from the last good plans
    listening: bool  # a LISTEN connection delivers changes as they commit (PostgreSQL)
    checked_at: dt.datetime | None  # the last successful check
    stale_since: dt.datetime | None  # the first failed check of the current outage
    error: str | None  # why the registry could not be read (or not listened to)

    def describe(self) -> str:
        """One line for humans."""
        if self.revision is None:
            return "registry not loaded yet" + (f": {self.error}" if self.error else "")
        if not self.live:
            since = self.stale_since.isoformat(timespec="seconds") if self.stale_since else "?"
            return f"serving registry revision {self.revision} from the last good plans since {since}: {self.error}"
        how = "listening for changes" if self.listening else "checking for changes on calls"
        return f"live at registry revision {self.revision} ({how})"


def _domains(api_version: str, path: Sequence[str] | None) -> dict[str, DomainInfo]:
    """The kernel's domains plus those installed on *path* (metadata only; also when ``discover=False``)."""
    import sys

    from zhongtai.core.domains import SPECS_GROUP
    from zhongtai.core.entrypoints import entry_points

    search = list(path) if path is not None else list(sys.path)
    return discover_domains(entry_points(SPECS_GROUP, search), search, api_version)


#: Seconds between call-path retries while the registry cannot be read.
RETRY_INTERVAL = 1.0


class _BusinessPlans:
    __slots__ = ("code", "donor", "effective", "plans", "suspended_by")

    def __init__(self, code: str, effective: dict[str, EffectivePlugin], suspended_by: str | None,
                 donor: _BusinessPlans | None = None) -> None:
        self.code = code
        self.effective = effective
        self.plans: dict[str, CallPlan] = {}
        self.suspended_by = suspended_by
        #: the plans this business had before a change touched it: entries of plugins whose
        #: effective state did not change are reused instead of compiled again
        self.donor = donor


class Runtime:
    """The zhongtai runtime for one registry: the catalog, the registry snapshot and dispatch.

    It knows nothing of changes: :class:`~zhongtai.core.runtime.platform.Platform` adds the
    management operations (:mod:`zhongtai.core.management`) on top of it.

    :param database_url: SQLAlchemy URL of the registry (default:
        ``$ZHONGTAI_DATABASE_URL`` or ``sqlite:///zhongtai.db``).
    :param plugin_path: where to discover installed plugins (default ``sys.path``).
    :param discover: set ``False`` to start with no installed plugins (tests, benchmarks);
        extension-point domains installed on *plugin_path* (``zhongtai.specs``) are loaded either way.
    :param refresh_interval: seconds between registry revision checks on the call path.
    :param timeouts: per extension point, seconds each implementation may take where
        the point's failure policy allows dropping it (see ``runtime/timeouts.py``).
    :param metrics: keep call metrics (``platform.metrics``, see ``runtime/metrics.py``).
    :param listen: hear about changes as they commit (PostgreSQL ``LISTEN``; a
        background thread and one connection, started on the first call).  Default:
        on when ``refresh_interval > 0`` (with 0 every call checks anyway).
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
        listen: bool | None = None,
        timeouts: Mapping[str, float] | None = None,
        metrics: bool = False,
    ) -> None:
        self.registry = registry or Registry(database_url)
        self.timeouts = CallTimeouts(timeouts)
        #: Call metrics per (business, extension point, plugin), when asked for.
        self.metrics: Metrics | None = Metrics() if metrics else None
        #: Experiment exposures and outcome events, written in batches (see runtime/exposures.py).
        self.exposures = Exposures(self.registry)
        self.api_version = api_version
        self.refresh_interval = refresh_interval
        self._pm = pluggy.PluginManager(PROJECT)
        #: Every extension-point domain, the kernel's and installed packages' (``zhongtai.specs``),
        #: after loading: a package domain that failed carries its reason (see ``domains.py``).
        self.domains: dict[str, DomainInfo]
        #: Every usable extension point, the kernel's and installed packages', by name.
        self.extension_points: dict[str, ExtensionPoint]
        self.extension_points, self.domains = load_domains(self._pm, _domains(api_version, plugin_path))
        self.plugins = PluginCatalog(self._pm, self.extension_points, api_version, plugin_path, discover,
                                     self.domains)
        self._snapshot: Snapshot | None = None
        self._businesses: dict[str, _BusinessPlans] = {}
        self._retired: dict[str, _BusinessPlans] = {}  # invalidated plans, until recompiled from them
        self._next_check = 0.0
        self._lock = threading.RLock()  # refreshes, and caching plans against the current snapshot
        self._listen = listen if listen is not None else refresh_interval > 0
        self._watcher: RevisionWatcher | None = None
        self._watch_started = False
        self._wake = False  # set by the watcher thread: a change committed
        #: Whether calls catch up with the registry themselves when a check is due (see :meth:`poll`).
        #: A server that runs :meth:`poll` in the background turns it off, so no call waits for the registry.
        self.checks_on_call = True
        self._checked_at: dt.datetime | None = None
        self._stale_since: dt.datetime | None = None
        self._error: str | None = None

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
            name=name, target=f"<in-process {type(obj).__name__}>", distribution=IN_PROCESS,
            version="", title=title or name, owner=owner, lifecycle=lifecycle, api=f"=={self.api_version}",
            extension_points=tuple(extension_points), config=None,
        )
        added = self.plugins.add(info, obj, config)
        self._drop_plans()
        return added

    # -- registry state ------------------------------------------------------------
    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            self.refresh()
        assert self._snapshot is not None
        return self._snapshot

    def refresh(self) -> bool:
        """Catch up with the registry; recompile only the affected businesses.

        Returns True if anything changed.  Raises :class:`RegistryError` when the
        registry cannot be read -- the last good snapshot and plans stay in use
        and :meth:`status` says so.
        """
        with self._lock:
            self._next_check = time.monotonic() + self.refresh_interval
            current = self._snapshot
            try:
                if current is None:
                    self._snapshot = self.registry.snapshot()
                    changed = True
                else:
                    result = self.registry.refreshed(current)
                    changed = result.snapshot is not current
                    if changed:
                        fresh = result.snapshot
                        self._invalidate(affected_businesses(current, fresh, result.touched), fresh)
                        if fresh.allowances.secrets != current.allowances.secrets:
                            self._forget(secrets_changed(current, fresh), fresh)
                        self._snapshot = fresh
            except RegistryError as exc:
                if self._stale_since is None:
                    self._stale_since = _now()
                self._error = exc.message
                self._next_check = time.monotonic() + max(self.refresh_interval, RETRY_INTERVAL)
                raise
            self._checked_at, self._stale_since, self._error = _now(), None, None
            return changed

    def status(self) -> RuntimeStatus:
        """Whether this Platform is live, and at which registry revision."""
        watcher = self._watcher
        listening = watcher is not None and watcher.connected
        error = self._error or (watcher.error if watcher is not None and not listening else None)
        snapshot = self._snapshot
        return RuntimeStatus(
            revision=snapshot.revision if snapshot is not None else None, live=self._stale_since is None,
            listening=listening, checked_at=self._checked_at, stale_since=self._stale_since, error=error,
        )

    def serving(self) -> tuple[int | None, dt.datetime | None]:
        """``(revision, stale_since)`` -- the cheap part of :meth:`status`, for every answer of a server."""
        snapshot = self._snapshot
        return (snapshot.revision if snapshot is not None else None), self._stale_since

    def close(self) -> None:
        """Write buffered exposures and events, stop listening and close the registry's connections."""
        self.exposures.close()
        self._watcher = None
        self.timeouts.close()
        self.registry.close()

    def _invalidate(self, codes: Iterable[str], snapshot: Snapshot) -> None:
        """Retire the plans of *codes* and of their descendants in *snapshot* (their inheritance changed).

        They are recompiled on next use, reusing what did not change (see :func:`_recompiled`).
        """
        plans, retired = self._businesses, self._retired
        for code in codes:
            for doomed in (code, *snapshot.descendants(code)):
                old = plans.pop(doomed, None)
                if old is not None:
                    retired[doomed] = old

    def _forget(self, codes: Iterable[str], snapshot: Snapshot) -> None:
        """Drop the plans of *codes* and their descendants outright: no entry of theirs may be reused.

        (Their configs resolve ``env:`` secrets against allow-lists that changed.)
        """
        for code in codes:
            for doomed in (code, *snapshot.descendants(code)):
                self._businesses.pop(doomed, None)
                self._retired.pop(doomed, None)

    def _drop_plans(self) -> None:
        with self._lock:
            self._businesses.clear()
            self._retired.clear()

    def _notified(self, revision: int | None) -> None:
        """Watcher thread: a change committed (None: we may have missed some).  Only sets a flag."""
        current = self._snapshot
        if revision is None or current is None or revision != current.revision:
            self._wake = True

    def poll_due(self) -> bool:
        """True when the next call would check the registry first (servers do that off their event loop)."""
        return (self._listen and not self._watch_started) or self._wake or time.monotonic() >= self._next_check

    def poll(self) -> None:
        """Catch up with the registry if a check is due -- what every call does first.  Never raises."""
        self._maybe_refresh()

    def _maybe_refresh(self) -> None:
        if not self._watch_started and self._listen:
            with contextlib.suppress(RegistryError):  # not reachable yet: try again on the next call
                self._watcher = self.registry.watch(self._notified)
                self._watch_started = True
        if not self._wake and time.monotonic() < self._next_check:
            return
        watcher = self._watcher
        if self._stale_since is not None and watcher is not None and not watcher.connected and not self._wake:
            return  # the registry is down: the watcher probes it and wakes us; calls never wait on it
        self._wake = False
        with contextlib.suppress(RegistryError):  # keep serving the last good plans; status() says so
            self.refresh()

    # -- dispatch ------------------------------------------------------------------
    def business(self, code: str) -> BusinessView:
        """A view of *code* whose calls go to exactly its effective plugins."""
        if type(code) is not str or code not in self.snapshot.businesses:  # a known code is valid: check the rest
            validate_code(code)
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
            donor = self._retired.get(code)
            if donor is not None:
                donor.donor = None  # one generation back is enough; no chains of old plans
            plans = _BusinessPlans(code, snapshot.effective(code), suspended_by, donor)
            with self._lock:  # cache only what is still current (another thread may have refreshed)
                if self._snapshot is snapshot:
                    self._businesses[code] = plans
                    self._retired.pop(code, None)
        return plans

    def _plan(self, code: str, point_name: str) -> tuple[_BusinessPlans, CallPlan]:
        if self.checks_on_call:
            self._maybe_refresh()
        plans = self._plans_for(code)
        plan = plans.plans.get(point_name)
        if plan is None:
            point = self.extension_point(point_name)
            old = plans.donor.plans.get(point_name) if plans.donor is not None else None
            if old is not None and plans.donor is not None and not old.problems and old.gates is None:
                plan = _recompiled(self, point, plans, old, plans.donor.effective)
            else:
                effective = [p for p in plans.effective.values()]
                plan = compile_plan(point, code, self.snapshot.revision, effective, self.plugins, self)
            plans.plans[point_name] = plan
        return plans, plan

    def plan(self, code: str, point_name: str) -> CallPlan:
        """The compiled plan of *point_name* for *code* (compiled on first use)."""
        return self._plan(code, point_name)[1]

    def call(self, code: str, point_name: str, kwargs: dict[str, Any], trace: list[TraceStep] | None,
             subject: str | None = None) -> Any:
        """Run *point_name* for *code*; steps go to *trace* when given (see :mod:`zhongtai.core.policies`).

        *subject* decides staged rollouts and experiment variants (see runtime/gates.py).
        """
        # two attribute reads while no tracer provider is set and no log reads the business (the hot path)
        if _otel_trace._TRACER_PROVIDER is not None or TELEMETRY_SWITCH.business_context:
            return self._observed_call(code, point_name, kwargs, trace, subject)
        return self._dispatch(code, point_name, kwargs, trace, subject)

    def _observed_call(self, code: str, point_name: str, kwargs: dict[str, Any],
                       trace: list[TraceStep] | None, subject: str | None = None) -> Any:
        """:meth:`call` in a span with a child span per plugin contribution, and the business in context."""
        tracer = telemetry.tracer()
        if tracer is None:
            token = telemetry.enter_business(code)
            try:
                return self._dispatch(code, point_name, kwargs, trace, subject)
            finally:
                telemetry.leave_business(token)
        with telemetry.business_scope(code), telemetry.span(
                tracer, f"{telemetry.CALL_SPAN} {point_name}",
                {telemetry.BUSINESS: code, telemetry.EXTENSION_POINT: point_name}) as span:
            telemetry.describe_plan(span, self.plan(code, point_name))
            steps = telemetry.SpanSteps(tracer, trace)
            try:
                return self._dispatch(code, point_name, kwargs, steps, subject)
            finally:
                steps.close()

    def _dispatch(self, code: str, point_name: str, kwargs: dict[str, Any], trace: list[TraceStep] | None,
                  subject: str | None = None) -> Any:
        plans, plan = self._plan(code, point_name)
        suspended_by = plans.suspended_by
        if suspended_by is not None:
            where = "" if suspended_by == code else f" (its ancestor {suspended_by} is suspended)"
            raise BusinessSuspended(f"business {code} is suspended{where}; calls are refused")
        if not plan.point.required_inputs <= kwargs.keys():
            missing = [a for a in plan.point.inputs if a not in kwargs]  # the first in declared order
            raise NotFound(f"{point_name} needs argument {missing[0]!r}")
        gates = plan.gates
        if gates is None:  # decided when the plan was compiled: no plugin here has a rollout or experiment
            return plan.runner(plan.point, plan.entries, kwargs, trace)
        fast = gates.fast
        if fast is not None and trace is None:
            return plan.runner(plan.point, gates.by_pick[fast(subject)], kwargs, trace)
        return plan.runner(plan.point, gates.select(subject, trace), kwargs, trace)


def affected_businesses(old: Snapshot, new: Snapshot, candidates: Iterable[str] | None = None) -> set[str]:
    """Businesses whose own rows differ between two snapshots (their descendants are implied).

    *candidates*: the only codes that may differ (from the change log); ``None``: any.
    """
    if candidates is None:
        codes: Iterable[str] = set(old.businesses) | set(new.businesses) | set(old.enablements) | set(new.enablements)
    else:
        codes = candidates
    return {
        code for code in codes
        if old.businesses.get(code) != new.businesses.get(code)
        or old.enablements.get(code) != new.enablements.get(code)
    }


def secrets_changed(old: Snapshot, new: Snapshot) -> set[str]:
    """Businesses whose own ``env:`` allow-list differs between two snapshots (descendants implied)."""
    before, after = old.allowances.secrets, new.allowances.secrets
    return {code for code in before.keys() | after.keys() if before.get(code) != after.get(code)}


def _recompiled(platform: Runtime, point: ExtensionPoint, plans: _BusinessPlans, old: CallPlan,
                old_effective: Mapping[str, EffectivePlugin]) -> CallPlan:
    """*old* brought up to date: only plugins whose effective state changed are compiled again.

    Sound because an entry depends only on the point, the business, the plugin's
    effective state (source, priority, config, levels) and the catalog -- and a
    catalog change drops every plan.  The entries are re-sorted by the policy's
    total order, so the result equals a full compile.
    """
    new_effective = plans.effective
    changed = {p for p in new_effective.keys() | old_effective.keys() if new_effective.get(p) != old_effective.get(p)}
    revision = platform.snapshot.revision
    fresh = compile_plan(point, plans.code, revision, [new_effective[p] for p in changed if p in new_effective],
                         platform.plugins, platform)
    if fresh.gates is not None:  # a gated plugin changed: its slots need the whole plan
        return compile_plan(point, plans.code, revision, list(new_effective.values()), platform.plugins, platform)
    kept = [entry for entry in old.entries if entry.plugin not in changed]
    return attrs.evolve(fresh, entries=tuple(sorted((*kept, *fresh.entries), key=order_key(point.policy))))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BusinessView:
    """Calls for one business.  Cheap to create; holds no state of its own."""

    __slots__ = ("_platform", "code")

    def __init__(self, platform: Runtime, code: str) -> None:
        self._platform = platform
        self.code = code

    def __repr__(self) -> str:
        return f"<BusinessView {self.code}>"

    def call(self, extension_point: str, /, *, subject: str | None = None, **kwargs: Any) -> Any:
        """Invoke *extension_point* for this business and return the combined answer.

        *subject* (a user, device ...; optional) decides staged rollouts and
        experiment variants: a plugin whose rollout leaves the subject out does
        not run for this call (see :mod:`zhongtai.core.rollout`).  ``subject``
        is therefore not available as an extension point argument name.
        """
        if subject is not None and (type(subject) is not str or not 0 < len(subject) <= MAX_SUBJECT
                                    or not subject.isprintable()):
            check_subject(subject)  # says what is wrong (inlined above: the common case costs no call)
        return self._platform.call(self.code, extension_point, kwargs, None, subject)

    def explain(self, extension_point: str, /, *, subject: str | None = None, **kwargs: Any) -> CallResult:
        """Like :meth:`call`, and also say which plugin did what, in order (rollouts and variants too)."""
        if subject is not None:
            check_subject(subject)
        trace: list[TraceStep] = []
        try:
            value = self._platform.call(self.code, extension_point, kwargs, trace, subject)
        except ZhongtaiError as exc:
            exc.partial_trace = tuple(trace)  # the steps that ran, the failing one last
            raise
        revision = self._platform.snapshot.revision
        return CallResult(extension_point, self.code, value, tuple(trace), revision)

    def plan(self, extension_point: str) -> CallPlan:
        return self._platform.plan(self.code, extension_point)

    def effective_plugins(self) -> Mapping[str, EffectivePlugin]:
        return self._platform._plans_for(self.code).effective

    def record(self, event: str, /, *, subject: str, value: float | None = None) -> None:
        """Record outcome *event* (``"order.paid"``) of *subject* here, e.g. an experiment's conversion.

        Buffered and written in the background (see runtime/telemetry.py); never
        a database write on the caller's thread.
        """
        name, who, number = check_event(event, subject, value)
        self._platform.exposures.event(self.code, name, who, number)

    def admission(self, plugin: str, /, *, subject: str | None = None) -> Admission:
        """Whether *plugin* serves *subject* here, why, and which experiment variant it gets.

        Records an exposure when a variant is served (asking is showing).
        """
        from zhongtai.core.runtime.admission import admission

        platform = self._platform
        plans = platform._plans_for(self.code)
        return admission(platform.snapshot, platform.exposures, self.code, plugin, check_subject(subject),
                         suspended_by=plans.suspended_by, effective=plans.effective.get(plugin))
