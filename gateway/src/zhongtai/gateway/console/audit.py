"""The audit log page: filtered by business (and below), actor, plugin and time, newest first.

Rows are read a page at a time (keyset pagination on the row id).  The kernel
stores ``before``/``after`` with secrets masked; they are masked once more here
with the plugin's config class, so a row written by anything else still never
shows a secret.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import select

from zhongtai.core.identity import validate_code
from zhongtai.core.registry.models import AuditRow
from zhongtai.core.views import masked, parse_since

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform


@attrs.frozen
class AuditFilter:
    business: str | None = None
    actor: str | None = None
    plugin: str | None = None
    since: str | None = None
    until: str | None = None
    before_id: int | None = None  # the page after the row with this id

    def query_args(self) -> dict[str, str]:
        """The filter as query parameters (without the page position)."""
        return {k: v for k, v in attrs.asdict(self).items() if v and k != "before_id"}


@attrs.frozen
class AuditPage:
    rows: tuple[dict[str, Any], ...]
    next_before: int | None  # the id to continue from, None on the last page


def _masked_side(platform: Platform, plugin: str | None, side: Mapping[str, Any] | None) -> Any:
    if side is None or plugin is None or not isinstance(side.get("config"), Mapping):
        return side
    return {**side, "config": masked(platform, plugin, side["config"])}


def _time(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def audit_page(platform: Platform, where: AuditFilter, page_size: int) -> AuditPage:
    """One page of the log (``UserError`` for a bad code or time)."""
    query = select(AuditRow)
    if where.business:
        validate_code(where.business)
        query = query.where((AuditRow.business == where.business)
                            | AuditRow.business.like(where.business.replace("%", "").replace("_", "\\_") + ".%",
                                                     escape="\\"))
    if where.actor:
        query = query.where(AuditRow.actor == where.actor)
    if where.plugin:
        query = query.where(AuditRow.plugin == where.plugin)
    if where.since:
        query = query.where(AuditRow.at >= parse_since(where.since))
    if where.until:
        query = query.where(AuditRow.at < parse_since(where.until))
    if where.before_id:
        query = query.where(AuditRow.id < where.before_id)
    query = query.order_by(AuditRow.id.desc()).limit(page_size + 1)
    with platform.registry.session() as session:
        found = list(session.scalars(query))
    rows = tuple(
        {"id": r.id, "revision": r.revision, "at": _time(r.at).isoformat(timespec="seconds"), "actor": r.actor,
         "action": r.action, "business": r.business, "plugin": r.plugin, "note": r.note,
         "before": _masked_side(platform, r.plugin, r.before), "after": _masked_side(platform, r.plugin, r.after)}
        for r in found[:page_size]
    )
    return AuditPage(rows, found[page_size - 1].id if len(found) > page_size else None)
