"""Changes made from the console: dry run first, then the same change confirmed.

A :class:`Change` is what a form asks for (enable with config and priority,
disable, suspend, resume).  :func:`run` hands it to :mod:`zhongtai.core.management`
-- with ``dry_run=True`` for the diff, for real on confirmation -- as the
logged-in principal, so the kernel's governance decides again inside the
transaction and the audit row names that principal.  The confirmation carries
the version of the row the diff was computed from: if someone changed it in
between, the kernel refuses (``StaleWrite``) instead of applying a change
nobody saw.  :func:`diff_rows` and :func:`impact_rows` turn a
:class:`~zhongtai.core.management.ChangeReport` into what the page shows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from zhongtai.core import management
from zhongtai.core.errors import UserError
from zhongtai.core.management import ChangeReport

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

ENABLE, DISABLE, SUSPEND, RESUME = "enable", "disable", "suspend", "resume"
ACTIONS = (ENABLE, DISABLE, SUSPEND, RESUME)
IMPACT_SHOWN = 50  # descendants listed in a diff; the rest are counted


@attrs.frozen
class Change:
    action: str
    business: str
    plugin: str | None = None
    config: Mapping[str, Any] | None = None
    priority: int | None = None
    expected_version: int | None = None

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        action, business, plugin = data.get("action"), data.get("business"), data.get("plugin")
        config, priority, version = data.get("config"), data.get("priority"), data.get("expected_version")
        if action not in ACTIONS or not isinstance(business, str) or not isinstance(plugin, (str, type(None))) \
                or not isinstance(config, (dict, type(None))) or not isinstance(priority, (int, type(None))) \
                or not isinstance(version, (int, type(None))):
            raise UserError("this confirmation does not describe a change; start the change again")
        return cls(str(action), business, plugin, config, priority, version)


def current_version(platform: Platform, change: Change) -> int:
    """The version of the row *change* edits, as the diff sees it (0: no row yet)."""
    snapshot = platform.snapshot
    if change.plugin is not None:
        row = snapshot.enablements.get(change.business, {}).get(change.plugin)
        return row.version if row is not None else 0
    business = snapshot.businesses.get(change.business)
    return business.version if business is not None else 0


def run(platform: Platform, change: Change, actor: str, *, dry_run: bool) -> ChangeReport:
    """Dry-run or apply *change* as *actor* (one registry transaction with one audit row)."""
    version = change.expected_version
    if change.action == ENABLE:
        assert change.plugin is not None
        return management.enable(platform, change.plugin, change.business, config=dict(change.config or {}),
                                 priority=change.priority, actor=actor, dry_run=dry_run, replace_config=True,
                                 expected_version=version)
    if change.action == DISABLE:
        assert change.plugin is not None
        return management.disable(platform, change.plugin, change.business, actor=actor, dry_run=dry_run,
                                  expected_version=version)
    status = "suspended" if change.action == SUSPEND else "active"
    return management.set_status(platform, change.business, status, actor=actor, dry_run=dry_run,
                                 expected_version=version)


@attrs.frozen
class DiffRow:
    key: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _flat(value: Mapping[str, Any] | None) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, item in (value or {}).items():
        if key == "config" and isinstance(item, Mapping):
            for name, setting in item.items():
                flat[f"config.{name}"] = _shown(setting)
        else:
            flat[key] = _shown(item)
    return flat


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def diff_rows(report: ChangeReport) -> list[DiffRow]:
    """Every field of the changed row before and after (secrets already masked by the kernel)."""
    before, after = _flat(report.before), _flat(report.after)
    keys = list(dict.fromkeys([*before, *after]))
    return [DiffRow(key, before.get(key, "—"), after.get(key, "—")) for key in keys]


def impact_rows(report: ChangeReport) -> tuple[list[management.Impact], int]:
    """The businesses whose effective plugins change (the first :data:`IMPACT_SHOWN`), and how many in all."""
    changed = [impact for impact in report.impact if not impact.empty]
    return changed[:IMPACT_SHOWN], len(changed)
