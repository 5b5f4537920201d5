"""The per-subject throttle: codes per window, failed attempts across sessions, lock-out.

A session bounds its own attempts (``max_attempts``) and sends (``max_sends``,
``resend_cooldown_seconds``); an attacker simply opens another session.  This
module bounds the *subject* -- each identifier it gives (``user``, ``phone``,
``email``, ``id_number``, ``card_number``), under the top-level business -- across
every session:

========================== ======= ===============================================
setting (verification.standard) default meaning
========================== ======= ===============================================
``subject_codes_per_window``    10 codes sent to one subject per window
``subject_window_seconds``    3600 the window (fixed, aligned to the epoch)
``subject_max_failures``        10 consecutive failed attempts (any step, any session)
                                   before the subject is locked out
``subject_lockout_seconds``    900 how long a lock-out lasts (no codes, no checks)
========================== ======= ===============================================

NIST SP 800-63B §5.2.2 (rate limiting) is the anchor: a verifier SHALL limit
consecutive failed attempts on one account to no more than 100; the defaults are
far stricter (10, then 15 minutes' lock-out, i.e. at most ~960 guesses a day against
a 6-digit code, each session additionally capped).  A success resets the failures.

Rows hold a keyed digest (HMAC-SHA256 under the business's ``server_key``) of each
identifier, never the identifier.  Every change is a conditional ``UPDATE`` on the
counter row, so concurrent sessions cannot both take the last send.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from collections.abc import Mapping, Sequence

import attrs
from sqlalchemy import case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from zhongtai.core.identity import lineage
from zhongtai.plugins.verification.errors import VerificationError
from zhongtai.plugins.verification.models import ThrottleRow

#: The subject fields that identify someone (each gets its own counters).
IDENTIFIERS = ("user", "phone", "email", "id_number", "card_number")
_FALLBACK_KEY = b"zhongtai-verification-throttle"


class ThrottledError(VerificationError):
    """Too many codes for, or failed attempts by, one subject: nothing was sent or checked."""


@attrs.frozen
class ThrottlePolicy:
    codes_per_window: int = 10
    window_seconds: int = 3600
    max_failures: int = 10
    lockout_seconds: int = 900


def subject_keys(secret: str, business: str, facts: Mapping[str, str]) -> list[str]:
    """Keyed digests of the subject's identifiers, scoped to *business*'s top-level business."""
    key = secret.encode("utf-8") if secret else _FALLBACK_KEY
    root = lineage(business)[0]
    return sorted(
        hmac.new(key, f"{root}\x1f{field}\x1f{facts[field]}".encode(), hashlib.sha256).hexdigest()
        for field in IDENTIFIERS if facts.get(field)
    )


def _window(now: dt.datetime, seconds: int) -> dt.datetime:
    epoch = now.timestamp()
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, dt.UTC)


def _ensure_rows(session: Session, keys: Sequence[str], now: dt.datetime) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for key in keys:
        session.execute(dialect.insert(ThrottleRow).values(
            key=key, window_start=now, sends=0, failures=0, locked_until=None, updated_at=now,
        ).on_conflict_do_nothing())


def require_unlocked(session: Session, keys: Sequence[str], now: dt.datetime) -> None:
    """:class:`ThrottledError` if any of *keys* is locked out at *now*."""
    if not keys:
        return
    until = session.scalar(select(ThrottleRow.locked_until).where(
        ThrottleRow.key.in_(keys), ThrottleRow.locked_until > now).order_by(ThrottleRow.locked_until.desc()))
    if until is not None:
        wait = math.ceil((until - now).total_seconds())
        raise ThrottledError(f"too many failed attempts for this subject: verification is locked for {wait} s")


def take_send(session: Session, keys: Sequence[str], policy: ThrottlePolicy, now: dt.datetime) -> None:
    """Count one code sent to the subject, or :class:`ThrottledError` (the caller's transaction rolls back)."""
    require_unlocked(session, keys, now)
    if not keys:
        return
    _ensure_rows(session, keys, now)
    window = _window(now, policy.window_seconds)
    for key in keys:
        taken = session.execute(
            update(ThrottleRow)
            .where(ThrottleRow.key == key,
                   or_(ThrottleRow.window_start != window, ThrottleRow.sends < policy.codes_per_window))
            .values(sends=case((ThrottleRow.window_start == window, ThrottleRow.sends + 1), else_=1),
                    window_start=window, updated_at=now)
            .returning(ThrottleRow.key)
        ).first()
        if taken is None:
            reopens = window + dt.timedelta(seconds=policy.window_seconds)
            wait = math.ceil((reopens - now).total_seconds())
            raise ThrottledError(
                f"{policy.codes_per_window} codes were already sent to this subject within "
                f"{policy.window_seconds} s; the next one can be sent in {wait} s")


def record_failure(session: Session, keys: Sequence[str], policy: ThrottlePolicy, now: dt.datetime) -> bool:
    """Count a failed attempt; lock the subject out at the limit.  True if this failure locked it."""
    if not keys:
        return False
    _ensure_rows(session, keys, now)
    session.execute(update(ThrottleRow).where(ThrottleRow.key.in_(keys))
                    .values(failures=ThrottleRow.failures + 1, updated_at=now))
    locked = session.execute(
        update(ThrottleRow).where(ThrottleRow.key.in_(keys), ThrottleRow.failures >= policy.max_failures)
        .values(failures=0, locked_until=now + dt.timedelta(seconds=policy.lockout_seconds))
        .returning(ThrottleRow.key)
    ).first()
    return locked is not None


def record_success(session: Session, keys: Sequence[str], now: dt.datetime) -> None:
    """A passed step: the subject's consecutive failures start again from zero."""
    if keys:
        session.execute(update(ThrottleRow).where(ThrottleRow.key.in_(keys), ThrottleRow.failures > 0)
                        .values(failures=0, updated_at=now))


def policy_for(platform: object, business: str) -> tuple[ThrottlePolicy, str]:
    """The throttle settings of *business* (its ``verification.standard`` config, else the defaults)
    and the key its identifiers are digested under (the resolved ``server_key``; may be empty)."""
    from zhongtai.core.config import build_config
    from zhongtai.core.errors import ConfigError
    from zhongtai.plugins.verification.config import VerificationConfig

    snapshot = getattr(platform, "snapshot", None)
    effective = snapshot.effective(business).get("verification.standard") if snapshot is not None else None
    config = VerificationConfig()
    if effective is not None:
        assert snapshot is not None
        try:
            config = build_config(VerificationConfig, effective.config, plugin="verification.standard",
                                  resolve_secrets=True, allowed_env=snapshot.allowed_secrets(business),
                                  business=business)
        except ConfigError:
            config = build_config(VerificationConfig, {k: v for k, v in effective.config.items()
                                                       if k not in ("server_key", "totp_key")})
    policy = ThrottlePolicy(config.subject_codes_per_window, config.subject_window_seconds,
                            config.subject_max_failures, config.subject_lockout_seconds)
    return policy, config.server_key
