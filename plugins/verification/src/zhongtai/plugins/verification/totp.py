"""The TOTP component: a code from the subject's authenticator app (RFC 6238).

Where a user's secret comes from is an adapter, :class:`TotpSecrets`, so that an
account system can serve enrolled secrets from its own store.  The package ships
:class:`DerivedTotpSecrets`, which derives each user's secret from the
configured ``totp_key`` (nothing stored; rotating the key re-enrols everyone).

A code is accepted once: the handler asks the session service to accept a pass
only for a time step later than the last accepted one for the same secret.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol

from zhongtai.core.specs.verification import ComponentHandler, StepRequest, StepResult
from zhongtai.plugins.verification import otp
from zhongtai.plugins.verification.codes import server_key


class TotpSecrets(Protocol):
    """Where the TOTP secret of a user of a business comes from."""

    def secret_for(self, business: str, user: str) -> bytes | None:
        """The user's secret, or ``None`` if they have not enrolled an authenticator."""


class DerivedTotpSecrets:
    """``HMAC-SHA1(totp_key, user)``: a 160-bit secret per user, derived, never stored."""

    def __init__(self, key: str, *, plugin: str) -> None:
        self._key = key
        self._plugin = plugin

    def secret_for(self, business: str, user: str) -> bytes:
        key = server_key(self._key, plugin=self._plugin, setting="totp_key")
        return hmac.new(key, b"zhongtai-totp\x1f" + user.encode("utf-8"), hashlib.sha1).digest()


def replay_key(secret: bytes) -> str:
    """A key naming *secret* for the replay guard without revealing it."""
    return "totp:" + hashlib.sha256(secret).hexdigest()[:40]


class TotpHandler(ComponentHandler):
    """Checks a TOTP code for the subject's ``user``."""

    needs = ("user",)

    def __init__(
        self, secrets: TotpSecrets, *, digits: int = 6, period: int = 30, algorithm: str = "sha1",
        window: int = 1, max_attempts: int = 5,
    ) -> None:
        self._secrets = secrets
        self.digits = digits
        self.period = period
        self.algorithm = algorithm
        self.window = window
        self.max_attempts = max_attempts

    def check(self, request: StepRequest) -> StepResult:
        secret = self._secrets.secret_for(request.business, request.facts["user"])
        if secret is None:
            return StepResult(False, "no authenticator is enrolled for this subject", fatal=True)
        step = otp.totp_match(
            secret, request.value, request.now.timestamp(), digits=self.digits, period=self.period,
            algorithm=self.algorithm, window=self.window,
        )
        if step is None:
            return StepResult(False, "wrong or expired authenticator code", "******")
        return StepResult(True, "", "******", replay_key=replay_key(secret), replay_counter=step)
