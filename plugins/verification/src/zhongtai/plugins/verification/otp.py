"""HOTP (RFC 4226) and TOTP (RFC 6238) through pyotp, with the matched time step.

Secrets are raw bytes here; pyotp wants base32, which :func:`base32` gives.
:func:`totp_match` returns the time step a code matched so that the caller can
refuse a second use of it (RFC 6238 section 5.2): a verifier accepts a code
only for a time step later than the last one accepted for the same secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import pyotp

ALGORITHMS: dict[str, Callable[..., Any]] = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
}


def base32(secret: bytes) -> str:
    """The base32 form of *secret* (without padding), as authenticator apps expect."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def _digest(algorithm: str) -> Callable[..., Any]:
    try:
        return ALGORITHMS[algorithm]
    except KeyError:
        raise ValueError(f"unknown OTP algorithm {algorithm!r} (known: {', '.join(ALGORITHMS)})") from None


def hotp(secret: bytes, counter: int, *, digits: int = 6, algorithm: str = "sha1") -> str:
    """The HOTP value of *secret* at *counter*."""
    return str(pyotp.HOTP(base32(secret), digits=digits, digest=_digest(algorithm)).at(counter))


def time_step(unix_time: float, period: int = 30) -> int:
    """The RFC 6238 time step ``T = floor(unix_time / period)`` (T0 = 0)."""
    return int(unix_time // period)


def totp(secret: bytes, unix_time: float, *, digits: int = 6, period: int = 30, algorithm: str = "sha1") -> str:
    """The TOTP value of *secret* at *unix_time*."""
    generator = pyotp.TOTP(base32(secret), digits=digits, digest=_digest(algorithm), interval=period)
    return str(generator.at(int(unix_time)))


def totp_match(
    secret: bytes, code: str, unix_time: float, *, digits: int = 6, period: int = 30,
    algorithm: str = "sha1", window: int = 1,
) -> int | None:
    """The time step within ``±window`` steps of *unix_time* whose code equals *code*, or ``None``.

    Every candidate is compared in constant time; the latest matching step wins.
    """
    code = code.strip()
    if len(code) != digits or not code.isascii() or not code.isdigit():
        return None
    generator = pyotp.HOTP(base32(secret), digits=digits, digest=_digest(algorithm))
    now = time_step(unix_time, period)
    matched: int | None = None
    for step in range(now - window, now + window + 1):
        if step >= 0 and hmac.compare_digest(str(generator.at(step)).encode(), code.encode()):
            matched = step
    return matched


def provisioning_uri(secret: bytes, *, account: str, issuer: str, digits: int = 6, period: int = 30,
                     algorithm: str = "sha1") -> str:
    """The ``otpauth://`` URI an authenticator app enrols from (it contains the secret)."""
    generator = pyotp.TOTP(base32(secret), digits=digits, digest=_digest(algorithm), interval=period)
    return str(generator.provisioning_uri(name=account, issuer_name=issuer))
