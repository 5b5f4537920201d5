"""Who is calling: an API token (``Authorization: Bearer zt_...``) or, when configured, SSO.

Tokens are verified against the registry once and then cached by the SHA-256 of
the bearer string until the registry revision moves (revoking a token is a
registry change, so a revocation reaches every worker as fast as any other
change) -- and a cached token's expiry is checked on every request.

SSO (off by default): with ``trusted_user_header`` set, a request *from one of
``trusted_proxies``* that carries that header and no bearer token is made by the
user the header names.  That user gets no token rights: calls for any business,
and changes exactly as governance allows that actor name (grants in
``zhongtai access``), checked by the kernel.  Names starting with ``token:`` are
refused: nobody can pose as a token principal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from zhongtai.core import tokens
from zhongtai.core.errors import PermissionDenied, Unauthenticated, UserError
from zhongtai.gateway.settings import GatewaySettings

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform
    from zhongtai.gateway.exchange import Exchange

log = logging.getLogger("zhongtai.gateway")

TOKEN = "token"
SSO = "sso"


@attrs.frozen
class Principal:
    """The authenticated caller of one request."""

    kind: str  # "token" or "sso"
    actor: str  # the audit log's actor: token:<id>/<name>, or the SSO user
    scope: str  # call | manage | admin
    subtree: str | None  # the business subtree it is bound to (None: every business)
    token: tokens.Token | None = None

    @property
    def key(self) -> str:
        """What rate limits and idempotency keys are kept per."""
        return self.actor

    def require_scope(self, scope: str) -> None:
        """:class:`PermissionDenied` unless this principal's token has *scope* (or a wider one)."""
        if self.token is not None and not self.token.allows(scope):
            raise PermissionDenied(f"{self.actor} has a {self.scope} token; this needs {scope} scope")

    def require(self, scope: str, business: str | None) -> None:
        """:class:`PermissionDenied` unless this principal has *scope* for *business* (None: platform-wide)."""
        self.require_scope(scope)
        if business is None:
            if self.subtree is not None:
                raise PermissionDenied(f"{self.actor} is bound to {self.subtree}; this needs a platform-wide token")
            return
        self.require_within(business)

    def require_within(self, business: str) -> None:
        """:class:`PermissionDenied` unless *business* is inside this principal's subtree (its scope aside)."""
        if self.subtree is not None and not (business == self.subtree or business.startswith(self.subtree + ".")):
            raise PermissionDenied(f"{self.actor} is bound to {self.subtree} and may not reach {business}")


class Authenticator:
    """Turns a request's credentials into a :class:`Principal` (see the module docstring)."""

    def __init__(self, platform: Platform, settings: GatewaySettings,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.platform = platform
        self.settings = settings
        self._cache: dict[bytes, tuple[int | None, Principal]] = {}
        self._touched: dict[str, float] = {}
        self._clock = clock

    def cached(self, request: Exchange) -> Principal | None:
        """The principal of *request* if it is known without reading the registry, else ``None``.

        Raises :class:`Unauthenticated` for a missing or malformed credential or an expired token.
        """
        header = request.headers.get("authorization")
        if header is None:
            sso = self._sso(request)
            if sso is not None:
                return sso
            raise Unauthenticated("no credential: send Authorization: Bearer <token> (zhongtai access tokens create)")
        scheme, _, bearer = header.partition(" ")
        bearer = bearer.strip()
        if not bearer or scheme.lower() != "bearer":
            raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
        entry = self._cache.get(_digest(bearer))
        snapshot = self.platform._snapshot  # what _revision() reads, without the call: once per request
        if entry is None or entry[0] != (snapshot.revision if snapshot is not None else None):
            return None
        principal = entry[1]
        token = principal.token
        assert token is not None
        if token.expires_at is not None or token.revoked_at is not None:  # else it is active: no clock read
            state = token.state()
            if state != "active":
                raise Unauthenticated(f"API token {token.id} is {state}")
        return principal

    def verify(self, request: Exchange) -> Principal:
        """Read the token from the registry (blocking: call it from a worker thread)."""
        header = request.headers.get("authorization", "")
        bearer = header.partition(" ")[2].strip()
        revision = self._revision()
        token = tokens.verify(self.platform.registry, bearer)
        principal = Principal(TOKEN, token.principal, token.scope, token.business, token)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[_digest(bearer)] = (revision, principal)
        return principal

    def touch_due(self, principal: Principal) -> bool:
        """True when this process should record the token's last-used time now (at most once a minute)."""
        if principal.token is None:
            return False
        now = self._clock()
        last = self._touched.get(principal.token.id)
        if last is not None and now - last < tokens.TOUCH_INTERVAL:
            return False
        self._touched[principal.token.id] = now
        return True

    def touch(self, principal: Principal) -> None:
        """Record the last-used time (blocking; failures are logged, never fail a request)."""
        assert principal.token is not None
        try:
            tokens.touch(self.platform.registry, {principal.token.id: dt.datetime.now(dt.UTC)})
        except Exception as exc:  # noqa: BLE001 - telemetry must never fail a request
            log.warning("could not record when token %s was used: %s", principal.token.id, exc)

    def _revision(self) -> int | None:
        snapshot = self.platform._snapshot
        return snapshot.revision if snapshot is not None else None

    def _sso(self, request: Exchange) -> Principal | None:
        header = self.settings.trusted_user_header
        if not header:
            return None
        user = request.headers.get(header.lower())
        if user is None or request.client not in self.settings.trusted_proxies:
            return None
        user = user.strip()
        if not user or len(user) > 200:
            raise Unauthenticated(f"the {header} header must name a user (1-200 characters)")
        try:
            tokens.check_claimed_actor(user)
        except UserError as exc:
            raise Unauthenticated(exc.message) from None
        return Principal(SSO, user, tokens.ADMIN, None)


def _digest(bearer: str) -> bytes:
    """The cache key of a bearer string: a cryptographic hash, so the cache holds no usable credential
    (BLAKE2b: half the cost of SHA-256 per request here)."""
    return hashlib.blake2b(bearer.encode(), digest_size=32).digest()
