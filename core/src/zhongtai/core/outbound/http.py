"""HTTP requests through the guard: pinned address, no redirects, capped answers, no bodies kept.

Needs ``httpx`` (``pip install zhongtai-core[http]``; the notifier package
depends on it).  The request goes to the address the guard resolved -- the URL's
host is replaced by that address, the ``Host`` header and TLS SNI/certificate
check keep the name -- so a second DNS answer can never redirect it.
Redirects are not followed (a 3xx is just a final answer).  The response body
is read up to ``max_response_bytes`` and thrown away: callers get the status and
the standard reason phrase for it, never text chosen by the server.
"""

from __future__ import annotations

import http
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from zhongtai.core.outbound.addresses import NOTHING, Allowance, OutboundRefused, Target, resolve_url

if TYPE_CHECKING:
    import httpx

#: Bytes of an answer read (then discarded) before the connection is dropped.
MAX_RESPONSE_BYTES = 64 * 1024
#: Upper bound of any request's time limit, seconds.
MAX_TIMEOUT = 60.0


class OutboundFailed(OutboundRefused):
    """The request went out (or tried to) and failed: a network error or a time limit."""


@attrs.frozen
class HttpAnswer:
    """What is kept of an HTTP answer: the status and its standard reason phrase."""

    status: int
    reason: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def describe(self) -> str:
        return f"{self.status} {self.reason}".strip()


def reason_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


class OutboundHttp:
    """A pool of HTTP clients, one per TLS server name, that only send guarded requests.

    Thread-safe; one per process (or per channel) is enough.
    """

    def __init__(self, max_connections: int = 64) -> None:
        self._clients: dict[str, httpx.Client] = {}
        self._lock = threading.Lock()
        self._max_connections = max_connections

    def _client(self, target: Target) -> httpx.Client:
        # Pools are keyed by address, so TLS connections are never shared between server names.
        key = target.host if target.scheme == "https" else ""
        client = self._clients.get(key)
        if client is None:
            import httpx

            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    limits = httpx.Limits(max_connections=self._max_connections,
                                          max_keepalive_connections=self._max_connections // 2)
                    client = self._clients[key] = httpx.Client(trust_env=False, limits=limits,
                                                               follow_redirects=False)
        return client

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def post(
        self, url: str, *, content: bytes, headers: Mapping[str, str] | None = None,
        allowance: Allowance = NOTHING, business: str = "", timeout: float = 10.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES, what: str = "URL",
    ) -> HttpAnswer:
        """POST *content* to *url* if the guard admits it; the status and reason of the answer.

        Raises :class:`OutboundRefused` (destination not allowed or malformed,
        nothing sent) or :class:`OutboundFailed` (network error, time limit).
        """
        import httpx

        target = resolve_url(url, allowance, business=business, what=what)
        limit = min(max(float(timeout), 0.1), MAX_TIMEOUT)
        deadline = time.monotonic() + limit
        address = f"[{target.address}]" if ":" in target.address else target.address
        pinned = f"{target.scheme}://{address}:{target.port}{target.path}"
        sent = {**(headers or {}), "host": target.host_header}
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            with self._client(target).stream("POST", pinned, content=content, headers=sent,
                                             timeout=httpx.Timeout(limit), extensions=extensions) as response:
                seen = 0
                for chunk in response.iter_raw():
                    seen += len(chunk)
                    if seen >= max_response_bytes or time.monotonic() > deadline:
                        break  # enough: the answer is judged by its status alone
                return HttpAnswer(response.status_code, reason_phrase(response.status_code))
        except httpx.TimeoutException:
            raise OutboundFailed(f"no answer from {target.host} within {limit:g} s") from None
        except httpx.HTTPError as exc:
            raise OutboundFailed(f"{type(exc).__name__} talking to {target.host}: "
                                 f"{_short(str(exc) or type(exc).__name__)}") from None


def _short(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
