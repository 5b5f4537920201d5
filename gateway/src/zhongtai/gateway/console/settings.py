"""The console's settings: keyword arguments or ``ZHONGTAI_CONSOLE_*`` variables.

``secret_key`` signs the session cookie and seals pending changes (see
:mod:`.sessions`).  Every worker process of one deployment needs the same key;
without one each process makes up its own, so sessions do not survive a
restart and do not cross workers.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping

import attrs

from zhongtai.core.errors import UserError

ENV_PREFIX = "ZHONGTAI_CONSOLE_"
MIN_KEY = 32


def _key_check(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if len(value) < MIN_KEY:
        raise UserError(f"{ENV_PREFIX}SECRET_KEY must be at least {MIN_KEY} characters long")


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value <= 0:
        raise UserError(f"console setting {attribute.name} must be more than 0, not {value!r}")


@attrs.frozen
class ConsoleSettings:
    """How the console behaves (docs/console.md lists the variables)."""

    #: Signs session cookies and seals pending changes; the same for every worker.
    secret_key: str = attrs.field(factory=lambda: secrets.token_urlsafe(48), validator=_key_check, repr=False)
    #: Seconds a login lasts (absolute, not sliding).
    session_seconds: int = attrs.field(default=8 * 3600, validator=_positive)
    #: Seconds a dry-run diff may be confirmed after it was shown.
    confirm_seconds: int = attrs.field(default=600, validator=_positive)
    #: Businesses per page of the capability map and the tree; audit rows per page.
    page_size: int = attrs.field(default=50, validator=_positive)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ConsoleSettings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in attrs.fields(cls):
            raw = env.get(ENV_PREFIX + field.name.upper())
            if raw is None or raw == "":
                continue
            if field.type in (int, "int"):
                try:
                    values[field.name] = int(raw)
                except ValueError:
                    raise UserError(f"{ENV_PREFIX}{field.name.upper()}={raw!r} is not a whole number") from None
            else:
                values[field.name] = raw
        return cls(**values)  # type: ignore[arg-type]
