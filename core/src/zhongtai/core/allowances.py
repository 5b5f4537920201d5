"""Per-business allow-lists a platform admin keeps: ``env:`` secret names and internal networks.

* ``zt_secret_allow`` -- environment variables a business's config may reference
  as ``env:NAME`` (see :mod:`zhongtai.core.config`);
* ``zt_network_allow`` -- internal host names or CIDRs its outbound requests may
  reach (see :mod:`zhongtai.core.outbound`).

An entry at a business covers its whole subtree.  Only a platform admin may add
or remove entries; each change is one registry transaction with an audit row
naming the business (so running Platforms reload the lists and rebuild the
affected plans).  Anyone may list them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import attrs
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhongtai.core import governance
from zhongtai.core.actors import resolve_actor
from zhongtai.core.config import ENV_NAME
from zhongtai.core.errors import NotFound, UserError
from zhongtai.core.identity import validate_code
from zhongtai.core.outbound.addresses import parse_entry
from zhongtai.core.registry.models import NetworkAllowRow, SecretAllowRow

if TYPE_CHECKING:
    from zhongtai.core.runtime.engine import Runtime

SECRETS = "secrets"
NETWORK = "network"
KINDS = (SECRETS, NETWORK)


@attrs.frozen
class AllowEntry:
    kind: str  # secrets | network
    business: str
    value: str  # the variable name, or the host/CIDR
    allowed_by: str = ""
    allowed_at: dt.datetime | None = None


def normalize(kind: str, value: str) -> str:
    """*value* checked and normalised for *kind* (one-line :class:`UserError` otherwise)."""
    if kind == SECRETS:
        if not isinstance(value, str) or not ENV_NAME.fullmatch(value):
            raise UserError(f"{value[:60]!r} is not an environment variable name (letters, digits, underscores)")
        return value
    if kind == NETWORK:
        return parse_entry(value)
    raise UserError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")


def allow(platform: Runtime, kind: str, value: str, business: str, *, actor: str | None = None) -> AllowEntry:
    """Allow *value* (a variable name or host/CIDR) for *business* and its subtree."""
    validate_code(business)
    value = normalize(kind, value)
    with platform.registry.change(resolve_actor(actor)) as tx:
        governance.Access.load(tx.session).require_admin(tx.actor, f"allow-list {kind} entries")
        if tx.business(business) is None:
            raise NotFound(f"unknown business {business!r}")
        if _find(tx.session, kind, business, value) is not None:
            raise UserError(f"{value} is already allowed ({kind}) for {business}")
        now = dt.datetime.now(dt.UTC)
        if kind == SECRETS:
            tx.session.add(SecretAllowRow(business=business, name=value, allowed_by=tx.actor, allowed_at=now))
        else:
            tx.session.add(NetworkAllowRow(business=business, target=value, allowed_by=tx.actor, allowed_at=now))
        tx.record(f"access.{kind}.allow", business=business, after={kind: value})
        return AllowEntry(kind, business, value, tx.actor, now)


def deny(platform: Runtime, kind: str, value: str, business: str, *, actor: str | None = None) -> None:
    """Remove *value* from *business*'s allow-list (configs still naming it stop resolving)."""
    validate_code(business)
    value = normalize(kind, value)
    with platform.registry.change(resolve_actor(actor)) as tx:
        governance.Access.load(tx.session).require_admin(tx.actor, f"remove {kind} allow-list entries")
        row = _find(tx.session, kind, business, value)
        if row is None:
            raise NotFound(f"{value} is not allowed ({kind}) for {business}")
        tx.session.delete(row)
        tx.record(f"access.{kind}.deny", business=business, before={kind: value})


def _find(session: Session, kind: str, business: str, value: str) -> SecretAllowRow | NetworkAllowRow | None:
    if kind == SECRETS:
        return session.get(SecretAllowRow, (business, value))
    return session.get(NetworkAllowRow, (business, value))


def entries(platform: Runtime, kind: str, business: str | None = None) -> list[AllowEntry]:
    """The allow-list of *kind*, for every business or for *business* and its ancestors."""
    if kind not in KINDS:
        raise UserError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    with platform.registry.session() as session:
        if kind == SECRETS:
            result = [AllowEntry(kind, r.business, r.name, r.allowed_by, r.allowed_at)
                      for r in session.scalars(select(SecretAllowRow))]
        else:
            result = [AllowEntry(kind, r.business, r.target, r.allowed_by, r.allowed_at)
                      for r in session.scalars(select(NetworkAllowRow))]
    if business is not None:
        validate_code(business)
        result = [e for e in result if business == e.business or business.startswith(e.business + ".")]
    return sorted(result, key=lambda e: (e.business, e.value))
