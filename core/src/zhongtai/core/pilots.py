"""Pilot businesses (种子用户) of incubating plugins, and promotion to general use.

A plugin whose manifest says ``lifecycle = "incubating"`` may be enabled only at
a business that a platform admin has listed as one of its *pilots*, or below
one (a pilot covers its subtree).  ``promote`` records that the plugin may now
be enabled everywhere.  Rules:

* only a platform admin adds or removes pilots and promotes; each change is one
  registry transaction with an audit row (``plugin.pilot.add``,
  ``plugin.pilot.remove``, ``plugin.promote``);
* pilots and promotions are for installed, incubating plugins; a plugin that is
  not incubating needs neither, and promoting twice is refused;
* a pilot cannot be removed while the (unpromoted) plugin is enabled there or
  below it and no other pilot covers that business -- disable it first;
* like every governance rule, the check holds once the registry has a platform
  admin (an *open* registry, see :mod:`zhongtai.core.governance`, enforces
  nothing); in-process plugins are the application's own code and are exempt.

:func:`pilot_problem` is what ``enable`` asks, inside its transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypeVar

import attrs
from sqlalchemy import select

from zhongtai.core import governance
from zhongtai.core.actors import resolve_actor
from zhongtai.core.discovery import IN_PROCESS, PluginInfo
from zhongtai.core.errors import NotFound, UserError
from zhongtai.core.identity import lineage, validate_code
from zhongtai.core.registry.models import PilotRow, PromotionRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from zhongtai.core.registry.snapshot import Snapshot
    from zhongtai.core.runtime.engine import Runtime

INCUBATING = "incubating"
T = TypeVar("T")


@attrs.frozen
class Pilot:
    plugin: str
    business: str
    added_by: str = ""
    added_at: dt.datetime | None = None


@attrs.frozen
class Promotion:
    plugin: str
    promoted_by: str
    promoted_at: dt.datetime | None = None


class _RolledBack(Exception):
    """Raised inside a change to roll a dry run back; carries what the change would have returned."""

    def __init__(self, value: object) -> None:
        super().__init__("dry run")
        self.value = value


def _covered(business: str, pilots: set[str]) -> bool:
    return any(level in pilots for level in lineage(business))


def pilot_problem(session: Session, info: PluginInfo, business: str) -> str | None:
    """Why *info* may not be enabled at *business* under the pilot rule, or ``None``."""
    if info.lifecycle != INCUBATING or info.distribution == IN_PROCESS:
        return None
    if session.get(PromotionRow, info.name) is not None or governance.Access.load(session).open:
        return None
    pilots = set(session.scalars(select(PilotRow.business).where(PilotRow.plugin == info.name)))
    if _covered(business, pilots):
        return None
    listed = ", ".join(sorted(pilots)) or "none yet"
    return (f"plugin {info.name!r} is incubating and {business} is not one of its pilot businesses "
            f"({listed}); a platform admin adds one with `zhongtai plugins pilots add {info.name} "
            f"--business {business}` or promotes it with `zhongtai plugins promote {info.name}`")


def _incubating(platform: Runtime, plugin: str, what: str) -> PluginInfo:
    info = platform.plugins.require(plugin)
    if info.lifecycle != INCUBATING:
        raise UserError(f"plugin {plugin!r} is {info.lifecycle}, not incubating: it needs no {what}")
    return info


def add(platform: Runtime, plugin: str, business: str, *, actor: str | None = None, dry_run: bool = False) -> Pilot:
    """List *business* (and its subtree) as a pilot of incubating *plugin* (platform admins only).

    ``dry_run=True`` checks everything and writes nothing.
    """
    validate_code(business)
    _incubating(platform, plugin, "pilot businesses")
    try:
        return _add(platform, plugin, business, actor, dry_run)
    except _RolledBack as rolled_back:
        return rolled_back.value  # type: ignore[return-value]  # the value _result was given


def _add(platform: Runtime, plugin: str, business: str, actor: str | None, dry_run: bool) -> Pilot:
    with platform.registry.change(resolve_actor(actor)) as tx:
        governance.Access.load(tx.session).require_admin(tx.actor, f"add pilot businesses of {plugin}")
        if tx.business(business) is None:
            raise NotFound(f"unknown business {business!r}")
        if tx.session.get(PromotionRow, plugin) is not None:
            raise UserError(f"plugin {plugin!r} is already promoted: it may be enabled at any business")
        if tx.session.get(PilotRow, (plugin, business)) is not None:
            raise UserError(f"{business} is already a pilot business of {plugin}")
        now = dt.datetime.now(dt.UTC)
        tx.session.add(PilotRow(plugin=plugin, business=business, added_by=tx.actor, added_at=now))
        tx.record("plugin.pilot.add", business=business, plugin=plugin, after={"pilot": business})
        return _result(Pilot(plugin, business, tx.actor, now), dry_run)


def _result(value: T, dry_run: bool) -> T:
    """*value*, or (dry run) raise so that the change rolls back and *value* is returned by the caller."""
    if dry_run:
        raise _RolledBack(value)
    return value


def remove(platform: Runtime, plugin: str, business: str, *, actor: str | None = None,
           dry_run: bool = False) -> None:
    """Take *business* off *plugin*'s pilots; refused while that leaves an enablement uncovered."""
    validate_code(business)
    try:
        _remove(platform, plugin, business, actor, dry_run)
    except _RolledBack:
        pass


def _remove(platform: Runtime, plugin: str, business: str, actor: str | None, dry_run: bool) -> None:
    with platform.registry.change(resolve_actor(actor)) as tx:
        governance.Access.load(tx.session).require_admin(tx.actor, f"remove pilot businesses of {plugin}")
        row = tx.session.get(PilotRow, (plugin, business))
        if row is None:
            raise NotFound(f"{business} is not a pilot business of {plugin}")
        if tx.session.get(PromotionRow, plugin) is None:
            platform.refresh()
            remaining = set(tx.session.scalars(
                select(PilotRow.business).where(PilotRow.plugin == plugin, PilotRow.business != business)))
            stranded = _enabled_outside(platform.snapshot, plugin, business, remaining)
            if stranded:
                raise UserError(
                    f"{plugin} is enabled at {stranded}, which only the pilot {business} covers; "
                    f"disable it there first (or promote {plugin})")
        tx.session.delete(row)
        tx.record("plugin.pilot.remove", business=business, plugin=plugin, before={"pilot": business})
        _result(None, dry_run)


def _enabled_outside(snapshot: Snapshot, plugin: str, business: str, remaining: set[str]) -> str | None:
    """A business at or below *business* enabling *plugin* that no *remaining* pilot covers."""
    for code in (business, *snapshot.descendants(business)):
        row = snapshot.enablements.get(code, {}).get(plugin)
        if row is not None and row.enabled and not _covered(code, remaining):
            return code
    return None


def promote(platform: Runtime, plugin: str, *, actor: str | None = None, dry_run: bool = False) -> Promotion:
    """Record that incubating *plugin* may now be enabled at every business (platform admins only)."""
    _incubating(platform, plugin, "promotion")
    try:
        return _promote(platform, plugin, actor, dry_run)
    except _RolledBack as rolled_back:
        return rolled_back.value  # type: ignore[return-value]  # the value _result was given


def _promote(platform: Runtime, plugin: str, actor: str | None, dry_run: bool) -> Promotion:
    with platform.registry.change(resolve_actor(actor)) as tx:
        governance.Access.load(tx.session).require_admin(tx.actor, f"promote {plugin}")
        if tx.session.get(PromotionRow, plugin) is not None:
            raise UserError(f"plugin {plugin!r} is already promoted")
        pilots = sorted(tx.session.scalars(select(PilotRow.business).where(PilotRow.plugin == plugin)))
        now = dt.datetime.now(dt.UTC)
        tx.session.add(PromotionRow(plugin=plugin, promoted_by=tx.actor, promoted_at=now))
        tx.record("plugin.promote", plugin=plugin, before={"pilots": pilots}, after={"promoted": True})
        return _result(Promotion(plugin, tx.actor, now), dry_run)


def outside_pilots(platform: Runtime, snapshot: Snapshot) -> list[tuple[str, str]]:
    """``(plugin, business)`` where an unpromoted incubating plugin is enabled outside its pilots.

    Only rows written before the rule applied can be there (enabled while the
    registry was open, or before the manifest said ``incubating``); ``zhongtai
    doctor`` warns about them.  Empty for an open registry.
    """
    incubating = {i.name for i in platform.plugins.infos()
                  if i.lifecycle == INCUBATING and i.distribution != IN_PROCESS}
    if not incubating:
        return []
    with platform.registry.session() as session:
        if governance.Access.load(session).open:
            return []
        promoted = set(session.scalars(select(PromotionRow.plugin)))
        covering: dict[str, set[str]] = {}
        for row in session.scalars(select(PilotRow)):
            covering.setdefault(row.plugin, set()).add(row.business)
    return [(plugin, code) for code, rows in sorted(snapshot.enablements.items())
            for plugin, row in sorted(rows.items())
            if row.enabled and plugin in incubating and plugin not in promoted
            and not _covered(code, covering.get(plugin, set()))]


def pilots(platform: Runtime, plugin: str | None = None) -> list[Pilot]:
    """Every pilot business, or *plugin*'s, sorted by plugin and business."""
    query = select(PilotRow).order_by(PilotRow.plugin, PilotRow.business)
    if plugin is not None:
        query = query.where(PilotRow.plugin == plugin)
    with platform.registry.session() as session:
        return [Pilot(r.plugin, r.business, r.added_by, r.added_at) for r in session.scalars(query)]


def promotions(platform: Runtime) -> dict[str, Promotion]:
    """Every promoted plugin, by name."""
    with platform.registry.session() as session:
        return {r.plugin: Promotion(r.plugin, r.promoted_by, r.promoted_at)
                for r in session.scalars(select(PromotionRow))}
