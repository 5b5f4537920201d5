"""Changes to the registry, with every rule that guards them.

Each operation runs in one registry transaction (see
:meth:`zhongtai.core.registry.store.Registry.change`): it takes the write lock,
reads the current state, validates the change against it, writes the rows and
one audit row, and commits -- or writes nothing at all.  ``dry_run=True`` does
every step, then rolls back, and returns the same report.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from zhongtai.core import governance
from zhongtai.core.actors import ACTOR_ENV, MAX_TEXT, check_text, default_actor, resolve_actor
from zhongtai.core.cli import params
from zhongtai.core.config import build_config, check_env_references, describe_fields, mask_config
from zhongtai.core.discovery import OK
from zhongtai.core.documents import check_stored_config
from zhongtai.core.errors import (
    ConfigError,
    ConflictError,
    NotFound,
    PermissionDenied,
    PluginUnavailable,
    RegistryError,
    UserError,
)
from zhongtai.core.extension import Policy
from zhongtai.core.identity import lineage, parent_of, validate_code
from zhongtai.core.pilots import pilot_problem
from zhongtai.core.registry.snapshot import Business, Enablement, Snapshot

if TYPE_CHECKING:
    from zhongtai.core.runtime.engine import Runtime

__all__ = [
    "ACTOR_ENV", "MAX_TEXT", "PRIORITY_RANGE", "STATUSES", "ChangeReport", "Impact", "business_impact", "change_impact",
    "check_conflicts", "create_business", "default_actor", "disable", "effective_config", "enable", "inherit",
    "not_enabled",
    "run_change", "set_status", "suspended_by", "usable", "validate_config",
]

STATUSES = ("active", "suspended")
PRIORITY_RANGE = params.PRIORITY_RANGE  # one definition, shared with `plugins enable --priority`


def _check_priority(priority: object) -> None:
    low, high = PRIORITY_RANGE
    if not isinstance(priority, int) or isinstance(priority, bool) or not low <= priority <= high:
        raise UserError(f"priority must be an integer from {low} to {high}, not {priority!r}")


@attrs.frozen
class Impact:
    """How a change alters one business: its effective plugins, its status, whether its calls are served."""

    business: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reconfigured: tuple[str, ...] = ()
    status: str | None = None
    #: How its calls change when its own status does not: ``"refused (edu is suspended)"`` below a
    #: business being suspended, ``"served again"`` below one being resumed; ``None``: no change.
    calls: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.reconfigured or self.status or self.calls)


@attrs.frozen
class ChangeReport:
    """What a change did (or, for a dry run, would do)."""

    action: str
    business: str
    plugin: str | None
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    impact: tuple[Impact, ...]
    applied: bool
    revision: int | None = None
    warnings: tuple[str, ...] = ()
    #: The changed row's version afterwards: pass it as ``expected_version`` to change it again safely.
    version: int | None = None


class _DryRun(Exception):
    def __init__(self, report: ChangeReport) -> None:
        super().__init__("dry run")
        self.report = report


def change_impact(old: Snapshot, new: Snapshot, code: str) -> tuple[Impact, ...]:
    """The impact of a change at *code* on it and on every business below it."""
    return tuple(business_impact(old, new, business) for business in (code, *new.descendants(code)))


def business_impact(old: Snapshot, new: Snapshot, business: str) -> Impact:
    """How going from *old* to *new* alters *business* (``status`` ``"removed"`` if it is gone)."""
    before = old.effective(business) if business in old.businesses else {}
    after = new.effective(business) if business in new.businesses else {}
    status_before = old.businesses[business].status if business in old.businesses else None
    status_after = new.businesses[business].status if business in new.businesses else "removed"
    status = status_after if status_after != status_before else None
    refused_before, refused_after = suspended_by(old, business), suspended_by(new, business)
    calls = None
    if status is None and (refused_before is None) != (refused_after is None):
        calls = f"refused ({refused_after} is suspended)" if refused_after else "served again"
    return Impact(
        business=business,
        added=tuple(sorted(set(after) - set(before))),
        removed=tuple(sorted(set(before) - set(after))),
        reconfigured=tuple(sorted(
            p for p in set(before) & set(after)
            if (before[p].config, before[p].priority, before[p].levels)
            != (after[p].config, after[p].priority, after[p].levels)
        )),
        status=status,
        calls=calls,
    )


def not_enabled(snapshot: Snapshot, plugin: str, business: str, *, itself: bool = False) -> str:
    """``plugin 'x' is not enabled at B (why)``, the reason said once: inherited, disabled where, or above."""
    _, why = snapshot.state_of(business, plugin)
    if why == "not enabled":  # no row at any level: say where we looked, not the same words again
        why = "nor at any level above it" if parent_of(business) is not None else ""
    where = f"{business} itself" if itself else business
    return f"plugin {plugin!r} is not enabled at {where}" + (f" ({why})" if why else "")


def suspended_by(snapshot: Snapshot, business: str) -> str | None:
    """The suspended business at or above *business* whose suspension refuses its calls, or ``None``."""
    return next((level for level in lineage(business)
                 if level in snapshot.businesses and snapshot.businesses[level].status == "suspended"), None)


def run_change(platform: Runtime, actor: str | None, dry_run: bool, body: Any) -> ChangeReport:
    """Run *body(tx, snapshot)* in one registry change; roll back on dry runs.

    The snapshot is the platform's, caught up *after* the write lock is taken:
    exactly the committed registry no other writer can change before we commit,
    read incrementally (a change costs what it touches, not the registry's size).
    """
    registry = platform.registry
    try:
        with registry.change(resolve_actor(actor)) as tx:
            platform.refresh()
            report: ChangeReport = body(tx, platform.snapshot)
            if dry_run:
                raise _DryRun(report)
            report = attrs.evolve(report, applied=True, revision=tx.revision)
    except _DryRun as dry:
        return dry.report
    with contextlib.suppress(RegistryError):  # committed; the platform catches up on its next check
        platform.refresh()
    return report


def create_business(
    platform: Runtime, code: str, *, name: str = "", owner: str = "", actor: str | None = None,
    dry_run: bool = False,
) -> ChangeReport:
    validate_code(code)
    check_text("name", name)
    check_text("owner", owner)
    parent = parent_of(code)

    def body(tx: Any, snap: Snapshot) -> ChangeReport:
        if code in snap.businesses:
            raise UserError(f"business {code!r} already exists")
        if parent is not None and parent not in snap.businesses:
            raise NotFound(f"cannot create {code!r}: its parent business {parent!r} does not exist")
        rules = governance.access(tx.session)
        if parent is None:
            rules.require_admin(tx.actor, f"create the top-level business {code}")
        else:
            rules.require_manage(tx.actor, snap, parent, "create businesses")
        written = tx.add_business(code, parent, name or code, owner)
        after = {"code": code, "parent": parent, "name": name or code, "owner": owner, "status": "active"}
        tx.record("business.create", business=code, after=after)
        tx.flush()
        new = snap.replaced(business=Business(code, parent, name or code, owner))
        return ChangeReport("business.create", code, None, None, after, change_impact(snap, new, code), False,
                            version=written.version)

    return run_change(platform, actor, dry_run, body)


def set_status(
    platform: Runtime, code: str, status: str, *, actor: str | None = None, dry_run: bool = False,
    expected_version: int | None = None,
) -> ChangeReport:
    validate_code(code)
    if status not in STATUSES:
        raise UserError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")

    def body(tx: Any, snap: Snapshot) -> ChangeReport:
        row = tx.require_business(code, expected_version=expected_version)
        governance.access(tx.session).require_manage(tx.actor, snap, code, f"set the status to {status}")
        if row.status == status:
            raise UserError(f"business {code} is already {status}")
        before = {"status": row.status}
        row.status = status
        row.updated_by = tx.actor
        action = "business.suspend" if status == "suspended" else "business.resume"
        tx.record(action, business=code, before=before, after={"status": status})
        tx.flush()
        new = snap.replaced(business=attrs.evolve(snap.businesses[code], status=status))
        return ChangeReport(action, code, None, before, {"status": status}, change_impact(snap, new, code), False,
                            version=row.version)

    return run_change(platform, actor, dry_run, body)


def usable(platform: Runtime, plugin: str) -> tuple[type | None, list[str]]:
    """Check that *plugin* may be enabled; return its config class and warnings."""
    info = platform.plugins.require(plugin)
    if info.status != OK:
        raise PluginUnavailable(f"plugin {plugin!r} cannot be enabled: it is {info.status}: {info.error}")
    if info.lifecycle == "retired":
        raise PluginUnavailable(f"plugin {plugin!r} is retired and cannot be enabled")
    loaded = platform.plugins.load(plugin)
    warnings = [f"plugin {plugin!r} is deprecated"] if info.lifecycle == "deprecated" else []
    return loaded.config_class, warnings


def validate_config(platform: Runtime, plugin: str, cls: type | None, snap: Snapshot, code: str) -> None:
    """Every business at or below *code* must end up with a valid config for *plugin*."""
    info = platform.plugins.require(plugin)
    per_level = any(
        platform.extension_points[p].per_level for p in info.extension_points if p in platform.extension_points
    )
    for business in (code, *snap.descendants(code)):
        effective = snap.effective(business).get(plugin)
        if effective is None or cls is None:
            if effective is not None and cls is None and any(cfg for _, cfg in effective.levels):
                raise ConfigError(f"plugin {plugin!r} takes no config")
            continue
        layers = [cfg for _, cfg in effective.levels] if per_level else [effective.config]
        allowed = snap.allowed_secrets(business)
        for raw in layers:
            try:
                check_env_references(cls, raw, allowed, plugin=plugin, business=business)
                build_config(cls, raw, plugin=plugin)
            except ConfigError as exc:
                where = "" if business == code else f" (as inherited by {business})"
                raise ConfigError(f"{exc.message}{where}") from None


def check_conflicts(platform: Runtime, plugin: str, snap: Snapshot, code: str, priority: int) -> None:
    """Two plugins answering the same ``first`` point at one level need different priorities."""
    mine = platform.plugins.require(plugin).extension_points
    firsts = [p for p in mine if p in platform.extension_points
              and platform.extension_points[p].policy is Policy.FIRST]
    for other, row in snap.enablements.get(code, {}).items():
        if other == plugin or not row.enabled or row.priority != priority:
            continue
        info = platform.plugins.get(other)
        shared = [p for p in firsts if info is not None and p in info.extension_points]
        if shared:
            raise ConflictError(
                f"plugin {plugin!r} and {other!r} would both answer {shared[0]} at {code} with "
                f"priority {priority}; give one a different --priority"
            )


def _row_view(cls: type | None, row: Enablement | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"enabled": row.enabled, "priority": row.priority, "config": mask_config(cls, row.config)}


def enable(
    platform: Runtime, plugin: str, business: str, *, config: Mapping[str, Any] | None = None,
    priority: int | None = None, actor: str | None = None, dry_run: bool = False,
    replace_config: bool = False, expected_version: int | None = None,
) -> ChangeReport:
    validate_code(business)
    if priority is not None:
        _check_priority(priority)
    if config is not None and not isinstance(config, Mapping):
        raise ConfigError(f"config must be a mapping of field names to values, not {type(config).__name__}")
    given = dict(config or {})
    check_stored_config(given, source=f"config of plugin {plugin!r}")
    cls, warnings = usable(platform, plugin)

    def body(tx: Any, snap: Snapshot) -> ChangeReport:
        if business not in snap.businesses:
            raise NotFound(f"unknown business {business!r}")
        governance.access(tx.session).require_manage(tx.actor, snap, business, f"enable {plugin}")
        info = platform.plugins.require(plugin)
        refusal = governance.admission_problem(tx.session, info)
        if refusal:
            raise PermissionDenied(f"plugin {plugin!r} is not admitted: {refusal}")
        refusal = pilot_problem(tx.session, info, business)
        if refusal:
            raise PermissionDenied(refusal)
        tx.expect_version(business, plugin, expected_version)  # before judging the change against newer rows
        current = snap.enablements.get(business, {}).get(plugin)
        # a disabled row keeps its config and priority: enabling it again restores them (unless replaced)
        base = dict(current.config) if current is not None and not replace_config else {}
        base.update(given)
        new_priority = priority if priority is not None else (current.priority if current else 0)
        row = Enablement(business, plugin, True, base, new_priority)
        new = snap.replaced(enablement=row)
        validate_config(platform, plugin, cls, new, business)
        check_conflicts(platform, plugin, snap, business, new_priority)
        before, after = _row_view(cls, current), _row_view(cls, row)
        if current is not None and before == after and current.config == base:
            raise UserError(f"plugin {plugin!r} is already enabled at {business} with this config")
        written = tx.put_enablement(business, plugin, enabled=True, config=base, priority=new_priority,
                                    expected_version=expected_version)
        tx.record("plugin.enable", business=business, plugin=plugin, before=before, after=after)
        tx.flush()
        return ChangeReport("plugin.enable", business, plugin, before, after, change_impact(snap, new, business),
                            False, warnings=tuple(warnings), version=written.version)

    return run_change(platform, actor, dry_run, body)


def disable(
    platform: Runtime, plugin: str, business: str, *, actor: str | None = None, dry_run: bool = False,
    expected_version: int | None = None,
) -> ChangeReport:
    validate_code(business)
    info = platform.plugins.get(plugin)
    if info is None:
        snap = platform.registry.snapshot()
        if not any(plugin in rows for rows in snap.enablements.values()):
            platform.plugins.require(plugin)  # raises NotFound with the installed list
    cls = None
    if info is not None and info.status == OK:
        try:
            cls = platform.plugins.load(plugin).config_class
        except PluginUnavailable:
            cls = None

    def body(tx: Any, snap: Snapshot) -> ChangeReport:
        if business not in snap.businesses:
            raise NotFound(f"unknown business {business!r}")
        governance.access(tx.session).require_manage(tx.actor, snap, business, f"disable {plugin}")
        tx.expect_version(business, plugin, expected_version)  # before judging the change against newer rows
        current = snap.enablements.get(business, {}).get(plugin)
        if current is not None and not current.enabled:
            raise UserError(f"plugin {plugin!r} is already disabled at {business}")
        if current is not None and current.experiment:
            raise UserError(f"experiment {current.experiment.get('name')!r} is running on {plugin} at {business}; "
                            "stop it first (zhongtai experiments stop NAME)")
        effective, _ = snap.state_of(business, plugin)
        if current is None and not effective:
            raise UserError(f"plugin {plugin!r} is not enabled at {business} or above it")
        # the level's own config and priority are kept on the disabled row: enabling again restores them;
        # `inherit` removes the row (and them) so the level inherits again
        kept, kept_priority = (dict(current.config), current.priority) if current is not None else ({}, 0)
        row = Enablement(business, plugin, False, kept, kept_priority)
        new = snap.replaced(enablement=row)
        written = tx.put_enablement(business, plugin, enabled=False, config=kept, priority=kept_priority,
                                    expected_version=expected_version)
        written.rollout = None  # a disabled row serves nobody; enabling again starts without a rollout
        before, after = _row_view(cls, current), _row_view(cls, row)
        tx.record("plugin.disable", business=business, plugin=plugin, before=before, after=after)
        tx.flush()
        return ChangeReport("plugin.disable", business, plugin, before, after, change_impact(snap, new, business),
                            False, version=written.version)

    return run_change(platform, actor, dry_run, body)


def inherit(
    platform: Runtime, plugin: str, business: str, *, actor: str | None = None, dry_run: bool = False,
    expected_version: int | None = None,
) -> ChangeReport:
    """Remove *business*'s own row of *plugin* -- enabled or disabled -- so the level inherits again.

    The row's config and priority go with it.  Governed like ``enable`` and
    ``disable`` (the actor must manage *business*), audited, one transaction.  A
    row carrying a running experiment is refused (stop the experiment first).
    Works for plugins no longer installed too (cleaning up after an uninstall).
    """
    validate_code(business)
    info = platform.plugins.get(plugin)
    cls = None
    if info is not None and info.status == OK:
        with contextlib.suppress(PluginUnavailable):
            cls = platform.plugins.load(plugin).config_class

    def body(tx: Any, snap: Snapshot) -> ChangeReport:
        if business not in snap.businesses:
            raise NotFound(f"unknown business {business!r}")
        governance.access(tx.session).require_manage(tx.actor, snap, business, f"make {plugin} inherit")
        tx.expect_version(business, plugin, expected_version)
        current = snap.enablements.get(business, {}).get(plugin)
        if current is None:
            if info is None:
                platform.plugins.require(plugin)  # NotFound with the installed list
            _, why = snap.state_of(business, plugin)
            raise UserError(f"{business} has no row of its own for plugin {plugin!r}: it already inherits ({why})")
        if current.experiment:
            raise UserError(f"plugin {plugin!r} at {business} carries a running experiment; stop it first "
                            "(zhongtai experiments stop NAME)")
        new = snap.replaced(remove=(business, plugin))
        if info is not None and info.status == OK:
            validate_config(platform, plugin, cls, new, business)
        tx.remove_enablement(business, plugin)
        before = _row_view(cls, current)
        tx.record("plugin.inherit", business=business, plugin=plugin, before=before, after=None)
        tx.flush()
        return ChangeReport("plugin.inherit", business, plugin, before, None, change_impact(snap, new, business),
                            False)

    return run_change(platform, actor, dry_run, body)


def effective_config(platform: Runtime, plugin: str, business: str, *, masked: bool = True) -> dict[str, Any]:
    validate_code(business)
    snap = platform.snapshot
    if business not in snap.businesses:
        raise NotFound(f"unknown business {business!r}")
    info = platform.plugins.require(plugin)
    effective = snap.effective(business).get(plugin)
    if effective is None:
        raise UserError(not_enabled(snap, plugin, business))
    cls = platform.plugins.load(plugin).config_class if info.status == OK else None
    if cls is None:
        return dict(effective.config)
    defaults = {f.name: f.default for f in describe_fields(cls) if not f.required}
    merged = {**defaults, **effective.config}
    return mask_config(cls, merged) if masked else merged
