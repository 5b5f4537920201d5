"""One-time codes sent by SMS or email: generation, keyed digests, the component handler.

A code is never stored: the session keeps ``HMAC-SHA256(server_key, session,
step, code)``, bound to its session and step so a digest is worthless anywhere
else.  Checking recomputes the digest and compares in constant time.  Expiry,
the attempt limit, single use and the resend cooldown are enforced by the
session service from this handler's settings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from zhongtai.core.errors import ConfigError
from zhongtai.core.specs.notifiers import VERIFICATION, Message, Recipient
from zhongtai.core.specs.verification import Challenge, ComponentHandler, StepRequest, StepResult
from zhongtai.plugins.verification.masking import mask

#: The subject fields a code can be sent to.
CHANNELS = ("phone", "email")


def new_code(length: int) -> str:
    """A uniformly random code of *length* decimal digits (leading zeros kept)."""
    return f"{secrets.randbelow(10**length):0{length}d}"


def code_digest(key: bytes, *, session: str, step: str, code: str) -> str:
    """The keyed digest stored in place of *code*."""
    message = "\x1f".join((session, step, code)).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def code_matches(key: bytes, *, session: str, step: str, code: str, digest: str) -> bool:
    """True if *code* is the one *digest* was made from (constant-time comparison)."""
    candidate = code_digest(key, session=session, step=step, code=code)
    return hmac.compare_digest(candidate.encode("ascii"), digest.encode("ascii"))


def server_key(value: str, *, plugin: str, setting: str = "server_key") -> bytes:
    """The configured key as bytes; a clear :class:`ConfigError` if it is missing or short."""
    from zhongtai.plugins.verification.config import MIN_KEY_LENGTH

    if not value:
        raise ConfigError(
            f"plugin {plugin!r}: {setting} is not set; set it with "
            f"`zhongtai plugins enable {plugin} --business CODE --set {setting}=env:NAME`"
        )
    if len(value) < MIN_KEY_LENGTH:
        raise ConfigError(f"plugin {plugin!r}: {setting} must be at least {MIN_KEY_LENGTH} characters")
    return value.encode("utf-8")


class OneTimeCodeHandler(ComponentHandler):
    """A code sent to the subject's ``phone`` (SMS) or ``email``; one class, two channels."""

    sends_codes = True

    def __init__(
        self, *, channel: str, key: str, plugin: str, length: int = 6,
        ttl: dt.timedelta = dt.timedelta(minutes=5), max_attempts: int = 5,
        resend_cooldown: dt.timedelta = dt.timedelta(seconds=60), max_sends: int = 5,
        text: str = "{code}", subject: str = "",
    ) -> None:
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}, not {channel!r}")
        self.channel = channel
        self.needs = (channel,)
        self._key = key
        self._plugin = plugin
        self.length = length
        self.ttl = ttl
        self.max_attempts = max_attempts
        self.resend_cooldown = resend_cooldown
        self.max_sends = max_sends
        self._text = text
        self._subject = subject

    def _key_bytes(self) -> bytes:
        return server_key(self._key, plugin=self._plugin)

    def challenge(self, request: StepRequest) -> Challenge:
        """A fresh code: its digest and expiry to store, and the message that carries it."""
        key = self._key_bytes()
        code = new_code(self.length)
        address = request.facts[self.channel]
        recipient = Recipient(phone=address) if self.channel == "phone" else Recipient(email=address)
        message_id = f"{request.session}.{request.step}.{secrets.token_hex(4)}"
        minutes = max(1, int(self.ttl.total_seconds() // 60))
        message = Message(
            id=message_id,
            kind=VERIFICATION,
            recipient=recipient,
            body=self._text.format(code=code, minutes=minutes),
            subject=self._subject if self.channel == "email" else "",
            idempotency_key=message_id,
        )
        return Challenge(
            digest=code_digest(key, session=request.session, step=request.step, code=code),
            expires_at=request.now + self.ttl,
            message=message,
        )

    def check(self, request: StepRequest) -> StepResult:
        shown = f"code sent to {mask(self.channel, request.facts.get(self.channel, ''))}"
        if request.challenge is None:
            return StepResult(False, "no code has been sent for this step", shown)
        code = "".join(request.value.split())
        if len(code) != self.length or not code.isascii() or not code.isdigit():
            return StepResult(False, f"a code has {self.length} digits", shown)
        if code_matches(self._key_bytes(), session=request.session, step=request.step, code=code,
                        digest=request.challenge.digest):
            return StepResult(True, "", shown)
        return StepResult(False, "wrong code", shown)
