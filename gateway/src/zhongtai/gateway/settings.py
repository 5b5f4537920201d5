"""The gateway's deployment settings, from keyword arguments or ``ZHONGTAI_GATEWAY_*`` variables.

Every worker process of ``zhongtai serve --workers N`` builds its app from the
environment (:func:`GatewaySettings.from_env`), so the CLI passes its options on
through those variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs

from zhongtai.core.errors import UserError

ENV_PREFIX = "ZHONGTAI_GATEWAY_"


def _positive(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value > 0:
        raise UserError(f"gateway setting {attribute.name} must be more than 0, not {value!r}")


def _not_negative(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value < 0:
        raise UserError(f"gateway setting {attribute.name} must be 0 or more, not {value!r}")


@attrs.frozen
class GatewaySettings:
    """How one gateway deployment behaves (docs/gateway.md lists the variables)."""

    #: Largest request body accepted (413 above it).
    max_body_bytes: int = attrs.field(default=1_048_576, validator=_positive)
    #: Seconds a call or admin change may take before the client gets 504.
    request_timeout: float = attrs.field(default=10.0, validator=_positive)
    #: Requests per second per token (0: no limit), and the burst allowed above that rate.
    rate_limit: float = attrs.field(default=50.0, validator=_not_negative)
    rate_burst: int = attrs.field(default=100, validator=_positive)
    #: Origins allowed by CORS; empty: CORS is off (no CORS headers at all).
    cors_origins: tuple[str, ...] = ()
    #: SSO: a header a trusted reverse proxy sets to the signed-in user (off when empty) ...
    trusted_user_header: str = ""
    #: ... honoured only from these client addresses (the proxy's).
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    #: Seconds between registry revision checks (PostgreSQL also pushes changes as they commit).
    refresh_interval: float = attrs.field(default=0.5, validator=_not_negative)
    #: Extension points (fnmatch patterns) whose plugins only compute: called on the event loop, without
    #: a thread hop or the request time limit.  Points of plugins that may wait on I/O must not match.
    inline_points: tuple[str, ...] = ("pricing.*", "theming.*", "channels.*", "identity.*")
    #: How long an Idempotency-Key's first answer is kept, in seconds.
    idempotency_ttl: float = attrs.field(default=86_400.0, validator=_positive)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GatewaySettings:
        """Settings from ``ZHONGTAI_GATEWAY_<FIELD>`` variables (comma-separated lists)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in attrs.fields(cls):
            raw = env.get(ENV_PREFIX + field.name.upper())
            if raw is None:
                continue
            values[field.name] = _parse(field.name, field.type, raw)
        return cls(**values)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """The variables that make :meth:`from_env` return these settings."""
        env = {}
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            env[ENV_PREFIX + field.name.upper()] = ",".join(value) if isinstance(value, tuple) else str(value)
        return env


def _parse(name: str, tp: object, raw: str) -> object:
    kind = str(tp)
    try:
        if "tuple" in kind:
            return tuple(item.strip() for item in raw.split(",") if item.strip())
        if kind in ("int", "<class 'int'>"):
            return int(raw)
        if kind in ("float", "<class 'float'>"):
            return float(raw)
    except ValueError:
        raise UserError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a number") from None
    return raw
