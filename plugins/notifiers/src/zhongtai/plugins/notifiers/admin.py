"""Audited changes to the notifiers' platform settings, through the registry's change machinery.

Every change is one registry transaction (:meth:`Registry.change`): the
governance rule is checked under the write lock, the rows are written, and one
audit row (``zhongtai audit``) records who changed what -- or nothing happens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from zhongtai.core import governance
from zhongtai.core.errors import NotFound
from zhongtai.core.identity import validate_code
from zhongtai.core.management import default_actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from zhongtai.core.runtime.platform import Platform

T = TypeVar("T")
#: The ``plugin`` column of the audit rows the notifiers write.
AUDIT_PLUGIN = "notifiers"


def known_business(platform: Platform, business: str) -> None:
    """NotFound unless *business* exists (the snapshot is refreshed once before giving up)."""
    validate_code(business)
    if business not in platform.snapshot.businesses:
        platform.refresh()
    if business not in platform.snapshot.businesses:
        raise NotFound(f"unknown business {business!r}")


def audited_change(
    platform: Platform, *, actor: str | None, action: str, what: str, business: str | None,
    apply: Callable[[Session, str], tuple[T, Mapping[str, Any] | None, Mapping[str, Any] | None]],
    admin_only: bool = True, note: str = "",
) -> T:
    """Run *apply(session, actor)* as one audited registry change by *actor*.

    *apply* returns ``(result, before, after)``; the audit row records
    *action* with *before*/*after*.  ``admin_only``: only a platform admin may
    (otherwise an admin or a member of the business's owner team).
    """
    who = actor or default_actor()
    with platform.registry.change(who) as tx:
        rules = governance.access(tx.session)
        if admin_only or business is None:
            rules.require_admin(who, what)
        else:
            rules.require_manage(who, platform.snapshot, business, what)
        result, before, after = apply(tx.session, who)
        tx.record(action, business=business, plugin=AUDIT_PLUGIN, before=before, after=after, note=note)
    return result


def record_event(platform: Platform, *, action: str, business: str | None, after: Mapping[str, Any],
                 note: str = "", actor: str = "zhongtai-notifiers") -> None:
    """An audit row for something the platform did on its own (a budget exceeded, a campaign finished)."""
    with platform.registry.change(actor) as tx:
        tx.record(action, business=business, plugin=AUDIT_PLUGIN, after=after, note=note)
