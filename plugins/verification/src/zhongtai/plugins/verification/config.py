"""Config of the ``verification.standard`` plugin, per business (merged root -> leaf)."""

from __future__ import annotations

from typing import Any

import attrs

from zhongtai.core.specs.verification import Flow
from zhongtai.plugins.verification.otp import ALGORITHMS
from zhongtai.sdk import secret_field

#: Shortest accepted HMAC / TOTP derivation key, in characters.
MIN_KEY_LENGTH = 16

DEFAULT_SMS_TEXT = "Your verification code is {code}. It expires in {minutes} minutes. Never share it."
DEFAULT_EMAIL_SUBJECT = "Your verification code"


def _help(text: str) -> dict[str, Any]:
    return {"help": text}


def _between(low: int, high: int) -> Any:
    return [attrs.validators.ge(low), attrs.validators.le(high)]


def _check_text(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        value.format(code="123456", minutes=5)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"{attribute.name} may use only {{code}} and {{minutes}}: {exc}") from None
    if "{code}" not in value:
        raise ValueError(f"{attribute.name} must contain {{code}}")


def _key_length(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    """A key given directly must be long enough (checked at enable; an ``env:NAME`` is checked when resolved)."""
    if value and not value.startswith("env:") and len(value) < MIN_KEY_LENGTH:
        raise ValueError(f"{attribute.name} must be at least {MIN_KEY_LENGTH} characters (it has {len(value)})")


def _check_flows(instance: Any, attribute: attrs.Attribute[dict[str, list[str]]],
                 value: dict[str, list[str]]) -> None:
    for name, steps in value.items():
        Flow(name, tuple(steps))  # raises ValueError naming the flow


@attrs.frozen
class VerificationConfig:
    """Settings of the standard components and flows.

    ``server_key`` keys the HMAC under which one-time codes are stored;
    ``totp_key`` derives each user's authenticator secret.  Both are secrets
    (masked everywhere; give them as ``env:NAME``).  ``flows`` overrides or adds
    named flows: ``{"signup": ["sms-code", "id-number"]}``.
    """

    server_key: str = secret_field("", validator=_key_length,
                                   metadata=_help("HMAC key for one-time codes, >= 16 characters (env:NAME)"))
    totp_key: str = secret_field("", validator=_key_length,
                                 metadata=_help("key deriving each user's TOTP secret, >= 16 characters (env:NAME)"))
    code_length: int = attrs.field(default=6, validator=_between(4, 10), metadata=_help("digits per code"))
    code_ttl_seconds: int = attrs.field(default=300, validator=_between(30, 3600),
                                        metadata=_help("how long a code stays valid"))
    max_attempts: int = attrs.field(default=5, validator=_between(1, 20),
                                    metadata=_help("wrong submissions before a session fails"))
    resend_cooldown_seconds: int = attrs.field(default=60, validator=_between(0, 3600),
                                               metadata=_help("minimum time between two codes"))
    max_sends: int = attrs.field(default=5, validator=_between(1, 20), metadata=_help("codes per step"))
    totp_digits: int = attrs.field(default=6, validator=_between(6, 8))
    totp_period: int = attrs.field(default=30, validator=_between(15, 120))
    totp_algorithm: str = attrs.field(default="sha1", validator=attrs.validators.in_(tuple(ALGORITHMS)))
    totp_window: int = attrs.field(default=1, validator=_between(0, 2),
                                   metadata=_help("time steps of clock drift accepted either side"))
    totp_issuer: str = "zhongtai"
    session_ttl_seconds: int = attrs.field(default=1800, validator=_between(60, 86400))
    sms_text: str = attrs.field(default=DEFAULT_SMS_TEXT, validator=_check_text)
    email_subject: str = DEFAULT_EMAIL_SUBJECT
    flows: dict[str, list[str]] = attrs.field(factory=dict, validator=_check_flows,
                                              metadata=_help("named flows overriding the defaults"))
    subject_codes_per_window: int = attrs.field(default=10, validator=_between(1, 1000),
                                                metadata=_help("codes sent to one subject per window, all sessions"))
    subject_window_seconds: int = attrs.field(default=3600, validator=_between(60, 7 * 86400),
                                              metadata=_help("the window of subject_codes_per_window"))
    subject_max_failures: int = attrs.field(default=10, validator=_between(1, 100),
                                            metadata=_help("consecutive failed attempts per subject, all "
                                                           "sessions, before a lock-out (NIST SP 800-63B: <= 100)"))
    subject_lockout_seconds: int = attrs.field(default=900, validator=_between(60, 86400),
                                               metadata=_help("how long a subject stays locked out"))
