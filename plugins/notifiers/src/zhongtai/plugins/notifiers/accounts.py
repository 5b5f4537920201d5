"""Provider accounts: SMS gateways and mail servers are platform settings that businesses choose by name.

A platform admin adds an account (``zhongtai notify account add``): its
channel (``sms`` or ``email``), provider (``http``/``fake`` for SMS, ``smtp``
for email), settings (gateway URL, SMTP host and port, sender ...), the secret
as an ``env:NAME`` reference (resolved only when a message is sent, never
stored or shown), and optionally which businesses may use it (with their
sub-businesses; empty: every business).  A business sets ``account=NAME`` in
its ``notifiers.sms`` / ``notifiers.email`` config.  In ``production`` mode the
channels send only through accounts: free-form gateway URLs, hosts and keys in
a business's config are refused.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import delete, select

from zhongtai.core.errors import ConfigError, NotFound, UserError
from zhongtai.core.identity import lineage, validate_code
from zhongtai.core.registry.models import utcnow
from zhongtai.plugins.notifiers.admin import audited_change
from zhongtai.plugins.notifiers.models import AccountRow, engine_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from zhongtai.core.runtime.platform import Platform

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
PROVIDERS = {"sms": ("http", "fake"), "email": ("smtp",)}
#: Per provider: each setting's name and the type its value is converted with.
SETTINGS: dict[str, dict[str, type[str] | type[int] | type[float]]] = {
    "http": {"url": str, "sender": str, "timeout_seconds": float},
    "fake": {"fake_name": str},
    "smtp": {"host": str, "port": int, "sender": str, "username": str, "security": str, "timeout_seconds": float},
}
_ENV = re.compile(r"^env:[A-Za-z_][A-Za-z0-9_]{0,99}$")


@attrs.frozen
class Account:
    name: str
    channel: str
    provider: str
    settings: Mapping[str, Any]
    secret_ref: str = ""  # "env:NAME" or ""
    businesses: tuple[str, ...] = ()
    updated_by: str = ""
    updated_at: dt.datetime | None = None

    def allows(self, business: str) -> bool:
        return not self.businesses or any(level in self.businesses for level in lineage(business))

    def secret(self) -> str:
        """The secret's value, read from the environment now (ConfigError if unset)."""
        if not self.secret_ref:
            return ""
        var = self.secret_ref[4:]
        if var not in os.environ:
            raise ConfigError(f"account {self.name!r}: its secret refers to environment variable {var!r}, "
                              "which is not set")
        return os.environ[var]


def _checked_settings(provider: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    allowed = SETTINGS[provider]
    result: dict[str, Any] = {}
    for key, value in settings.items():
        if key not in allowed:
            raise UserError(f"unknown setting {key!r} for a {provider} account (settings: {', '.join(allowed)})")
        kind = allowed[key]
        try:
            result[key] = kind(value)
        except (TypeError, ValueError):
            raise UserError(f"setting {key!r} must be a {kind.__name__}, got {value!r}") from None
    if provider == "http" and not str(result.get("url", "")).startswith(("http://", "https://")):
        raise UserError("an http SMS account needs url=http(s)://...")
    if provider == "smtp" and not result.get("sender"):
        raise UserError("an smtp account needs sender=ADDRESS")
    if provider == "smtp" and result.get("security", "none") not in ("none", "starttls", "ssl"):
        raise UserError("security must be none, starttls or ssl")
    return result


def add_account(platform: Platform, name: str, *, channel: str, provider: str, settings: Mapping[str, Any],
                secret: str = "", businesses: Sequence[str] = (), actor: str | None = None) -> Account:
    """Add or replace provider account *name* (platform admins only); audited (the secret never appears)."""
    if not _NAME.match(name):
        raise UserError(f"bad account name {name!r}: lower-case letters, digits, '_', '.', '-'")
    if channel not in PROVIDERS:
        raise UserError(f"channel must be one of {', '.join(PROVIDERS)}, got {channel!r}")
    if provider not in PROVIDERS[channel]:
        raise UserError(f"a {channel} account's provider is one of {', '.join(PROVIDERS[channel])}, not {provider!r}")
    if secret and not _ENV.match(secret):
        raise UserError("give the secret as env:NAME (the environment variable holding it), never the value")
    for code in businesses:
        validate_code(code)
    values = _checked_settings(provider, settings)

    def apply(session: Session, who: str) -> tuple[Account, dict[str, Any] | None, dict[str, Any]]:
        row = session.get(AccountRow, name)
        before = _public(row) if row is not None else None
        if row is None:
            row = AccountRow(name=name)
            session.add(row)
        row.channel, row.provider, row.settings, row.secret = channel, provider, values, secret
        row.businesses, row.updated_by, row.updated_at = sorted(set(businesses)), who, utcnow()
        session.flush()
        return _account(row), before, _public(row)

    result: Account = audited_change(platform, actor=actor, action="notify.account.set",
                                     what=f"set provider account {name}", business=None, apply=apply)
    return result


def remove_account(platform: Platform, name: str, *, actor: str | None = None) -> None:
    def apply(session: Session, who: str) -> tuple[None, dict[str, Any], None]:
        row = session.get(AccountRow, name)
        if row is None:
            raise NotFound(f"no provider account {name!r}")
        before = _public(row)
        session.execute(delete(AccountRow).where(AccountRow.name == name))
        return None, before, None

    audited_change(platform, actor=actor, action="notify.account.remove", what=f"remove provider account {name}",
                   business=None, apply=apply)


def _public(row: AccountRow) -> dict[str, Any]:
    return {"name": row.name, "channel": row.channel, "provider": row.provider, "settings": dict(row.settings),
            "secret": row.secret, "businesses": list(row.businesses or [])}


def _account(row: AccountRow) -> Account:
    return Account(row.name, row.channel, row.provider, dict(row.settings or {}), row.secret,
                   tuple(row.businesses or ()), row.updated_by, row.updated_at)


def accounts(platform: Platform) -> list[Account]:
    from sqlalchemy.orm import Session

    with Session(engine_of(platform)) as session:
        return [_account(row) for row in session.scalars(select(AccountRow).order_by(AccountRow.name))]


def account_for(platform: Platform, name: str, *, channel: str, business: str) -> Account:
    """Account *name* for a *channel* delivery of *business*; ConfigError if missing, other channel or not allowed."""
    from sqlalchemy.orm import Session

    with Session(engine_of(platform)) as session:
        row = session.get(AccountRow, name)
        found = _account(row) if row is not None else None
    if found is None:
        raise ConfigError(f"no provider account {name!r} (ask a platform admin: zhongtai notify account list)")
    if found.channel != channel:
        raise ConfigError(f"provider account {name!r} is for {found.channel}, not {channel}")
    if not found.allows(business):
        raise ConfigError(f"provider account {name!r} is not open to business {business}")
    return found
