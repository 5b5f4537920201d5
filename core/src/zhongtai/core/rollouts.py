"""Changing and reading staged rollouts (``zhongtai rollout``): the kill switch included.

A rollout is stored on the plugin's own enablement row at the business (see
:mod:`zhongtai.core.rollout` for what it means); every change is one registry
transaction with an audit row and a revision bump, so running processes pick
it up like any other change.  ``stop`` is the kill switch: 0% and an empty
allow-list -- nobody is served -- with the previous rule kept in the audit row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from zhongtai.core import governance
from zhongtai.core.errors import NotFound, UserError
from zhongtai.core.identity import validate_code
from zhongtai.core.management import ChangeReport, change_impact, not_enabled, run_change
from zhongtai.core.registry.snapshot import Snapshot
from zhongtai.core.rollout import NORMALIZER, Rollout

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform


def _own_row(snap: Snapshot, plugin: str, business: str) -> Any:
    if business not in snap.businesses:
        raise NotFound(f"unknown business {business!r}")
    row = snap.enablements.get(business, {}).get(plugin)
    if row is None or not row.enabled:
        enabled, _ = snap.state_of(business, plugin)
        hint = (f"; rollouts live on the enabling row: use --business {snap.effective(business)[plugin].source}"
                if enabled else "; enable it first")
        raise UserError(not_enabled(snap, plugin, business, itself=True) + hint)
    return row


def _change(platform: Platform, plugin: str, business: str, action: str, make: Any, *,
            actor: str | None, dry_run: bool) -> ChangeReport:
    validate_code(business)

    def body(tx: Any, snap: Snapshot) -> ChangeReport:
        row = _own_row(snap, plugin, business)
        governance.access(tx.session).require_manage(tx.actor, snap, business, f"change the rollout of {plugin}")
        before = dict(row.rollout) if row.rollout else None
        after = make(Rollout.from_json(before) if before else None)
        if after == before:
            raise UserError(f"the rollout of {plugin!r} at {business} is already {_words(after)}")
        tx.put_traffic(business, plugin, rollout=after)
        tx.record(action, business=business, plugin=plugin, before={"rollout": before}, after={"rollout": after})
        tx.flush()
        new = snap.replaced(enablement=attrs.evolve(row, rollout=after))
        return ChangeReport(action, business, plugin, {"rollout": before}, {"rollout": after},
                            change_impact(snap, new, business), False)

    return run_change(platform, actor, dry_run, body)


def _words(rule: Mapping[str, Any] | None) -> str:
    return "none (every subject)" if rule is None else Rollout.from_json(rule).describe()


def set_rollout(
    platform: Platform, plugin: str, business: str, *, percent: object | None = None,
    allow: Sequence[str] | None = None, start: object = ..., end: object = ..., group: object = ...,
    normalizer: object | None = None, actor: str | None = None, dry_run: bool = False,
) -> ChangeReport:
    """Set the rollout of *plugin* at *business*; options not given keep their current value.

    A plugin without a rollout starts from 100%, no allow-list, no window.
    """
    platform.plugins.require(plugin)

    def make(current: Rollout | None) -> dict[str, Any]:
        base = current or Rollout()
        rule = Rollout.build(
            base.percent if percent is None else percent,
            base.allow if allow is None else allow,
            base.start if start is ... else start,
            base.end if end is ... else end,
            base.group if group is ... else group,
            base.normalizer if normalizer is None else normalizer,
        )
        return rule.to_json()

    return _change(platform, plugin, business, "rollout.set", make, actor=actor, dry_run=dry_run)


def stop_rollout(platform: Platform, plugin: str, business: str, *, actor: str | None = None,
                 dry_run: bool = False) -> ChangeReport:
    """The kill switch: nobody is served (0%, allow-list emptied; the audit row keeps the old rule)."""

    def make(current: Rollout | None) -> dict[str, Any]:
        base = current or Rollout()
        return attrs.evolve(base, percent=0.0, allow=()).to_json()

    return _change(platform, plugin, business, "rollout.stop", make, actor=actor, dry_run=dry_run)


def clear_rollout(platform: Platform, plugin: str, business: str, *, actor: str | None = None,
                  dry_run: bool = False) -> ChangeReport:
    """Remove the rollout: the plugin serves every subject again."""

    def make(current: Rollout | None) -> None:
        if current is None:
            raise UserError(f"plugin {plugin!r} has no rollout at {business}")
        return None

    return _change(platform, plugin, business, "rollout.clear", make, actor=actor, dry_run=dry_run)


def rollouts(platform: Platform, business: str | None = None, plugin: str | None = None) -> list[dict[str, Any]]:
    """Every rollout in the registry (at *business* and below, of *plugin*), as JSON-ready rows."""
    snap = platform.snapshot
    if business is not None:
        validate_code(business)
        if business not in snap.businesses:
            raise NotFound(f"unknown business {business!r}")
    rows = []
    for code in sorted(snap.enablements):
        if business is not None and code != business and not code.startswith(business + "."):
            continue
        for name, row in sorted(snap.enablements[code].items()):
            if row.rollout and (plugin is None or name == plugin):
                rule = Rollout.from_json(row.rollout)
                rows.append({"business": code, "plugin": name, "enabled": row.enabled, **rule.to_json(),
                             "group": rule.group or f"{code}:{name}", "summary": rule.describe(),
                             "updated_by": row.updated_by})
    return rows


__all__ = ["NORMALIZER", "clear_rollout", "rollouts", "set_rollout", "stop_rollout"]
