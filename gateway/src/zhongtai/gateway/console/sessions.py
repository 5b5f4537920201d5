"""Console sessions: a signed cookie, a CSRF token, and sealed pending changes.

A visitor gets a session cookie on the first page (it carries only a random id
and a CSRF token until they log in).  Logging in with an API token of scope
``manage`` or ``admin`` starts a *new* session (new id, new CSRF token) that
names the token -- never its secret.  Every request checks again that the token
is still active, so revoking it (or its expiry) ends every console session
made with it.  Sessions end after ``session_seconds`` whatever happens.

The cookie is signed (itsdangerous, HMAC-SHA1 over the payload and issue
time), ``HttpOnly``, ``SameSite=Strict``, scoped to the console's path, and
``Secure`` when the request came over TLS.  Logging out clears it and
remembers the session id as ended in this process until it would have expired.

A change is confirmed in a second request after its dry-run diff was shown;
what was previewed travels in a hidden form field *sealed* with Fernet
(AES-128-CBC + HMAC-SHA256, keyed from ``secret_key``), so the secret config
values a user typed are never echoed into the page, and the confirmation
applies exactly what was shown, for the same session, within
``confirm_seconds``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any

import attrs
import itsdangerous
from cryptography.fernet import Fernet, InvalidToken

from zhongtai.core.errors import PermissionDenied, UserError
from zhongtai.gateway.console.settings import ConsoleSettings

COOKIE = "zt_console"
CSRF_FIELD = "csrf"


@attrs.frozen
class ConsoleSession:
    """One browser's session: anonymous (``principal is None``) or logged in with a token."""

    sid: str
    csrf: str
    issued: float
    principal: str | None = None  # token:<id>/<name>, the audit log's actor
    token_id: str | None = None
    scope: str | None = None  # manage | admin
    subtree: str | None = None  # the business subtree the token is bound to (None: every business)

    @property
    def logged_in(self) -> bool:
        return self.principal is not None

    def may_edit(self, business: str) -> bool:
        """True if this session's token may change *business* (edit controls are shown)."""
        if self.principal is None:
            return False
        return self.subtree is None or business == self.subtree or business.startswith(self.subtree + ".")


def new_session(**login: Any) -> ConsoleSession:
    return ConsoleSession(sid=secrets.token_urlsafe(18), csrf=secrets.token_urlsafe(32), issued=time.time(), **login)


class SessionCodec:
    """Reads and writes session cookies and sealed pending changes with one deployment's key."""

    def __init__(self, settings: ConsoleSettings) -> None:
        self.settings = settings
        self._signer = itsdangerous.URLSafeTimedSerializer(settings.secret_key, salt="zhongtai.console.session")
        digest = hashlib.sha256(b"zhongtai.console.seal\0" + settings.secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._ended: dict[str, float] = {}
        self._lock = threading.Lock()

    # -- cookies -----------------------------------------------------------------------
    def dumps(self, session: ConsoleSession) -> str:
        return self._signer.dumps(attrs.asdict(session))

    def loads(self, cookie: str | None) -> ConsoleSession | None:
        """The session in *cookie*, or ``None`` if it is missing, forged, expired or logged out."""
        if not cookie or len(cookie) > 4096:
            return None
        try:
            data = self._signer.loads(cookie, max_age=self.settings.session_seconds)
            session = ConsoleSession(**data)
        except (itsdangerous.BadData, TypeError):
            return None
        if time.time() - session.issued > self.settings.session_seconds:
            return None
        with self._lock:
            if session.sid in self._ended:
                return None
        return session

    def end(self, session: ConsoleSession) -> None:
        """Remember *session* as logged out (until it would have expired anyway)."""
        now = time.time()
        with self._lock:
            self._ended = {sid: until for sid, until in self._ended.items() if until > now}
            self._ended[session.sid] = session.issued + self.settings.session_seconds

    # -- CSRF --------------------------------------------------------------------------
    @staticmethod
    def check_csrf(session: ConsoleSession, form: Mapping[str, Any]) -> None:
        """:class:`PermissionDenied` unless the form carries this session's CSRF token."""
        given = form.get(CSRF_FIELD)
        if not isinstance(given, str) or not hmac.compare_digest(given.encode(), session.csrf.encode()):
            raise PermissionDenied("the form's CSRF token is missing or wrong; reload the page and try again")

    # -- sealed pending changes --------------------------------------------------------
    def seal(self, session: ConsoleSession, change: Mapping[str, Any]) -> str:
        payload = json.dumps({"sid": session.sid, "change": change}, separators=(",", ":"))
        return self._fernet.encrypt(payload.encode()).decode()

    def unseal(self, session: ConsoleSession, sealed: object) -> dict[str, Any]:
        """The change sealed for *session*; :class:`UserError` if it is forged, foreign or too old."""
        if not isinstance(sealed, str) or len(sealed) > 1_000_000:
            raise UserError("the confirmation is missing; start the change again")
        try:
            payload = json.loads(self._fernet.decrypt(sealed.encode(), ttl=self.settings.confirm_seconds))
        except InvalidToken:
            raise UserError("this confirmation has expired or is not valid; start the change again") from None
        if payload.get("sid") != session.sid:
            raise PermissionDenied("this confirmation belongs to another session")
        change: dict[str, Any] = payload["change"]
        return change
