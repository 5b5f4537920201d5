"""API tokens: the credentials of the gateway's principals (``zhongtai access tokens``).

A token is issued once as ``zt_<id>_<secret>``: ``<id>`` is public (it names the
token in listings and audit rows), ``<secret>`` is 256 random bits of which only a
SHA-256 hash is stored (a random secret needs no slow password hash), compared in
constant time.  Each token has

* a **scope**: ``call`` (call extension points and capability routes),
  ``manage`` (also change businesses and plugins through the admin API) or
  ``admin`` (a platform admin);
* a **business subtree** it is bound to (``edu`` covers ``edu`` and ``edu.*``);
  only ``admin`` tokens may be unbound (the whole platform);
* an optional **expiry**, a **revoked** time once revoked, and the time it was
  **last used** (recorded at most once per :data:`TOUCH_INTERVAL` per process).

Changes made with a token name the principal ``token:<id>/<name>`` as their actor;
:mod:`zhongtai.core.governance` gives such a principal exactly its token's rights,
checked again inside the change's transaction (a token revoked a moment ago can
change nothing).  Creating and revoking tokens are registry changes with an audit
row; who may do it follows governance (manage the business; admin tokens: admins).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import TYPE_CHECKING

import attrs
from sqlalchemy import select, update

from zhongtai.core import governance
from zhongtai.core.actors import resolve_actor
from zhongtai.core.errors import NotFound, PermissionDenied, Unauthenticated, UserError
from zhongtai.core.identity import validate_code
from zhongtai.core.principals import (  # re-exported: tokens.py is where users look for them
    ADMIN,
    CALL,
    MANAGE,
    PRINCIPAL_PREFIX,
    SCOPES,
    Token,
    check_claimed_actor,
    is_principal,
    principal_token,
)
from zhongtai.core.principals import RANK as _RANK
from zhongtai.core.principals import token_from_row as _from_row
from zhongtai.core.principals import utc_now as _now
from zhongtai.core.registry.models import TokenRow

if TYPE_CHECKING:
    from zhongtai.core.registry.store import Registry
    from zhongtai.core.runtime.engine import Runtime

PREFIX = "zt_"
__all__ = [
    "ADMIN", "CALL", "MANAGE", "PREFIX", "PRINCIPAL_PREFIX", "SCOPES", "IssuedToken", "Token",
    "check_claimed_actor", "create", "describe", "is_principal", "list_tokens", "parse_duration",
    "principal_token", "revoke", "split_bearer", "touch", "verify",
]

#: Seconds between two recordings of a token's last-used time by one process.
TOUCH_INTERVAL = 60.0
MAX_EXPIRY = dt.timedelta(days=3660)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
_ID = re.compile(r"[0-9a-f]{12}\Z")
_DURATION = re.compile(r"(\d{1,6})([mhdw])\Z")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@attrs.frozen
class IssuedToken:
    """A new token and its bearer string -- the only time the secret exists outside the caller."""

    token: Token
    bearer: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_duration(text: str) -> dt.timedelta:
    """``30m``, ``12h``, ``90d`` or ``2w`` as a :class:`~datetime.timedelta` (at most ten years)."""
    match = _DURATION.match(text.strip())
    if not match:
        raise UserError(f"expiry {text!r} must be a number followed by m, h, d or w (e.g. 90d)")
    delta = dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if not dt.timedelta(0) < delta <= MAX_EXPIRY:
        raise UserError(f"expiry {text!r} must be more than zero and at most {MAX_EXPIRY.days} days")
    return delta


# -- changes ----------------------------------------------------------------------------
def create(
    platform: Runtime, *, business: str | None, scope: str, name: str = "",
    expires: dt.timedelta | None = None, actor: str | None = None,
) -> IssuedToken:
    """Issue a token; the bearer string in the answer is never stored or shown again."""
    if scope not in SCOPES:
        raise UserError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    if business is None and scope != ADMIN:
        raise UserError(f"a {scope} token must be bound to a business (--business CODE)")
    if business is not None:
        validate_code(business)
    token_id = secrets.token_hex(6)
    name = name or f"{scope}-{business or 'platform'}"
    if not _NAME.match(name):
        raise UserError(f"token name {name[:70]!r} must be 1-64 characters of letters, digits, '.', '_' and '-'")
    secret = secrets.token_urlsafe(32)
    created_at = _now()
    expires_at = created_at + expires if expires is not None else None
    registry = platform.registry
    with registry.change(resolve_actor(actor)) as tx:
        platform.refresh()
        snapshot = platform.snapshot
        rules = governance.access(tx.session)
        if business is not None and business not in snapshot.businesses:
            raise NotFound(f"unknown business {business!r}")
        if scope == ADMIN and business is None:
            rules.require_admin(tx.actor, "create platform-wide admin tokens")
        else:
            assert business is not None
            rules.require_manage(tx.actor, snapshot, business, f"create {scope} tokens")
        creator = principal_token(tx.session, tx.actor)
        if creator is not None and _RANK[scope] > _RANK[creator.scope]:
            raise PermissionDenied(f"{tx.actor} may not create a token of a wider scope ({scope}) than its own")
        tx.session.add(TokenRow(
            id=token_id, name=name, business=business, scope=scope, secret_hash=_hash(secret),
            created_at=created_at, created_by=tx.actor, expires_at=expires_at, revoked_at=None, revoked_by="",
        ))
        token = Token(token_id, name, business, scope, created_at, tx.actor, expires_at)
        tx.record("token.create", business=business, after=describe(token))
    return IssuedToken(token, f"{PREFIX}{token_id}_{secret}")


def revoke(platform: Runtime, token_id: str, *, actor: str | None = None) -> Token:
    """Revoke a token for good (it stays listed, as revoked)."""
    with platform.registry.change(resolve_actor(actor)) as tx:
        row = tx.session.get(TokenRow, token_id) if _ID.match(token_id) else None
        if row is None:
            raise NotFound(f"unknown token {token_id!r} (see zhongtai access tokens list)")
        if row.revoked_at is not None:
            raise UserError(f"token {token_id} is already revoked")
        platform.refresh()
        rules = governance.access(tx.session)
        if row.business is None:
            rules.require_admin(tx.actor, "revoke platform-wide tokens")
        else:
            rules.require_manage(tx.actor, platform.snapshot, row.business, "revoke tokens")
        before = describe(_from_row(row))
        row.revoked_at = _now()
        row.revoked_by = tx.actor
        token = _from_row(row)
        tx.record("token.revoke", business=row.business, before=before, after=describe(token))
    return token


# -- reads ------------------------------------------------------------------------------
def list_tokens(registry: Registry, business: str | None = None) -> list[Token]:
    """Every token, or those bound at or below *business*, oldest first."""
    query = select(TokenRow).order_by(TokenRow.created_at, TokenRow.id)
    if business is not None:
        query = query.where((TokenRow.business == business) | TokenRow.business.like(business + ".%"))
    with registry.session() as session:
        return [_from_row(row) for row in session.scalars(query)]


def split_bearer(bearer: str) -> tuple[str, str]:
    """``(id, secret)`` of a bearer string; :class:`Unauthenticated` if it is not shaped like one."""
    if not bearer.startswith(PREFIX) or len(bearer) > 200:
        raise Unauthenticated("not a zhongtai API token")
    token_id, _, secret = bearer[len(PREFIX):].partition("_")
    if not _ID.match(token_id) or not secret:
        raise Unauthenticated("not a zhongtai API token")
    return token_id, secret


def verify(registry: Registry, bearer: str, now: dt.datetime | None = None) -> Token:
    """The active token *bearer* is, else :class:`Unauthenticated` (unknown, revoked, expired)."""
    token_id, secret = split_bearer(bearer)
    with registry.session() as session:
        row = session.get(TokenRow, token_id)
        token = _from_row(row) if row is not None else None
        digest = row.secret_hash if row is not None else _hash("")
    if not hmac.compare_digest(digest, _hash(secret)) or token is None:
        raise Unauthenticated("unknown API token")
    state = token.state(now)
    if state != "active":
        raise Unauthenticated(f"API token {token.id} is {state}")
    return token


def touch(registry: Registry, used: dict[str, dt.datetime]) -> None:
    """Record when tokens were last used (telemetry: no revision, no audit row)."""
    if not used:
        return
    with registry.engine.begin() as connection:
        for token_id, when in used.items():
            connection.execute(update(TokenRow).where(TokenRow.id == token_id).values(last_used_at=when))


def describe(token: Token, now: dt.datetime | None = None) -> dict[str, object]:
    """A token as a JSON-ready dict (listings, audit rows); never the secret or its hash."""
    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat(timespec="seconds") if value is not None else None

    return {
        "id": token.id, "name": token.name, "business": token.business, "scope": token.scope,
        "state": token.state(now), "principal": token.principal, "created_at": iso(token.created_at),
        "created_by": token.created_by, "expires_at": iso(token.expires_at), "revoked_at": iso(token.revoked_at),
        "revoked_by": token.revoked_by, "last_used_at": iso(token.last_used_at),
    }
