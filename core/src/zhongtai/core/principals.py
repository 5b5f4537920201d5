"""Token principals: what an API token is, and the actor name changes made with it carry.

The part of :mod:`zhongtai.core.tokens` that :mod:`zhongtai.core.governance`
judges changes by (a principal ``token:<id>/<name>`` has exactly its token's
rights); issuing, revoking and verifying tokens stay in ``tokens.py``, which
re-exports these names.
"""

from __future__ import annotations

import datetime as dt

import attrs
from sqlalchemy.orm import Session

from zhongtai.core.errors import PermissionDenied, UserError
from zhongtai.core.identity import is_within
from zhongtai.core.registry.models import TokenRow

CALL, MANAGE, ADMIN = "call", "manage", "admin"
SCOPES = (CALL, MANAGE, ADMIN)
RANK = {CALL: 0, MANAGE: 1, ADMIN: 2}
PRINCIPAL_PREFIX = "token:"


@attrs.frozen
class Token:
    """A token as stored, without its secret."""

    id: str
    name: str
    business: str | None
    scope: str
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    revoked_by: str = ""
    last_used_at: dt.datetime | None = None

    @property
    def principal(self) -> str:
        """The actor name of changes made with this token: ``token:<id>/<name>``."""
        return f"{PRINCIPAL_PREFIX}{self.id}/{self.name}"

    def state(self, now: dt.datetime | None = None) -> str:
        """``active``, ``revoked`` or ``expired``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and aware(self.expires_at) <= (now or utc_now()):
            return "expired"
        return "active"

    def allows(self, scope: str) -> bool:
        """True if this token's scope includes *scope* (admin > manage > call)."""
        return RANK[self.scope] >= RANK[scope]

    def covers(self, business: str) -> bool:
        """True if *business* is inside this token's subtree."""
        return self.business is None or is_within(business, self.business)


def utc_now() -> dt.datetime:
    """The current time, zone-aware (UTC)."""
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """*value* with UTC as its zone if it has none (SQLite drops the zone)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def token_from_row(row: TokenRow) -> Token:
    """The :class:`Token` a stored row describes."""
    def when(value: dt.datetime | None) -> dt.datetime | None:
        return aware(value) if value is not None else None

    return Token(row.id, row.name, row.business, row.scope, aware(row.created_at), row.created_by,
                 when(row.expires_at), when(row.revoked_at), row.revoked_by, when(row.last_used_at))


def is_principal(actor: str) -> bool:
    """True if *actor* names a token principal (``token:...``), which nobody may merely claim."""
    return actor.startswith(PRINCIPAL_PREFIX)


def check_claimed_actor(actor: str) -> str:
    """Refuse a claimed actor name (``--as``, a trusted SSO header) that poses as a token principal."""
    if is_principal(actor):
        raise UserError(f"actor names starting with {PRINCIPAL_PREFIX!r} are reserved for API tokens")
    return actor


def principal_token(session: Session, actor: str) -> Token | None:
    """The token *actor* names if it is a token principal (``None`` for other actors).

    Raises :class:`PermissionDenied` when the token is unknown, revoked or expired.
    """
    if not is_principal(actor):
        return None
    token_id = actor[len(PRINCIPAL_PREFIX):].split("/", 1)[0]
    row = session.get(TokenRow, token_id)
    token = token_from_row(row) if row is not None else None
    if token is None or token.state() != "active":
        state = token.state() if token is not None else "unknown"
        raise PermissionDenied(f"{actor} may not change anything: the token is {state}")
    return token
