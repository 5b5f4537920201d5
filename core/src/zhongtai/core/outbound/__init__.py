"""The one outbound-request guard: every request a plugin sends on a business's behalf goes through it.

* :mod:`.addresses` -- URL/host checks, which addresses are internal, per-business
  :class:`Allowance` (``zhongtai access network allow HOST|CIDR --business CODE``),
  resolving a host once into a pinned :class:`Target`;
* :mod:`.http` -- :class:`OutboundHttp`: POST to the pinned address, no redirects,
  capped answer size and time, only the status kept;
* :mod:`.smtp` -- :func:`smtp_connect`: an SMTP client on the pinned address.

:func:`allowance_for` reads a business's allowance from a Platform's registry
snapshot (its own entries and its ancestors').
"""

from __future__ import annotations

from typing import Any

from zhongtai.core.outbound.addresses import (
    NOTHING,
    Allowance,
    OutboundRefused,
    Target,
    check_text,
    check_url,
    internal_reason,
    parse_entry,
    resolve_host,
    resolve_url,
)
from zhongtai.core.outbound.http import MAX_RESPONSE_BYTES, HttpAnswer, OutboundFailed, OutboundHttp
from zhongtai.core.outbound.smtp import smtp_connect

__all__ = [
    "MAX_RESPONSE_BYTES",
    "NOTHING",
    "Allowance",
    "HttpAnswer",
    "OutboundFailed",
    "OutboundHttp",
    "OutboundRefused",
    "Target",
    "allowance_for",
    "check_text",
    "check_url",
    "internal_reason",
    "parse_entry",
    "resolve_host",
    "resolve_url",
    "smtp_connect",
]


def allowance_for(platform: Any, business: str) -> Allowance:
    """What *business* may reach beyond the public internet: its allowances and its ancestors'."""
    if platform is None:
        return NOTHING
    return Allowance(platform.snapshot.allowed_networks(business))
