"""SMTP connections through the guard: the server's name is resolved once and the address pinned.

The name stays the TLS server name (``starttls``/``ssl`` check the certificate
against it); the socket goes to the address the guard admitted.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from typing import Any

from zhongtai.core.outbound.addresses import NOTHING, Allowance, check_text, resolve_host

SECURITY = ("none", "starttls", "ssl")


class _PinnedSMTP(smtplib.SMTP):
    def __init__(self, address: str, **kwargs: Any) -> None:
        self._pinned = address
        super().__init__(**kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return socket.create_connection((self._pinned, port), timeout, self.source_address)


class _PinnedSMTPSSL(smtplib.SMTP_SSL):
    def __init__(self, address: str, **kwargs: Any) -> None:
        self._pinned = address
        super().__init__(**kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        raw = socket.create_connection((self._pinned, port), timeout, self.source_address)
        return self.context.wrap_socket(raw, server_hostname=self._host)  # type: ignore[attr-defined]


def smtp_connect(
    host: str, port: int, *, allowance: Allowance = NOTHING, business: str = "", security: str = "none",
    timeout: float = 10.0,
) -> smtplib.SMTP:
    """A connected SMTP client for *host*:*port* if the guard admits it (else :class:`OutboundRefused`).

    *security*: ``none``, ``starttls`` or ``ssl`` (certificates checked against *host*).
    """
    check_text("SMTP host", host, limit=253)
    if security not in SECURITY:
        raise ValueError(f"security must be one of {SECURITY}")
    address = str(resolve_host(host, port, allowance, business=business))
    limit = min(max(float(timeout), 0.1), 60.0)
    client: smtplib.SMTP
    if security == "ssl":
        client = _PinnedSMTPSSL(address, timeout=limit, context=ssl.create_default_context())
    else:
        client = _PinnedSMTP(address, timeout=limit)
    try:
        client.connect(host, port)
        if security == "starttls":
            client.starttls(context=ssl.create_default_context())
    except BaseException:
        client.close()
        raise
    return client
