"""Per-token rate limits (token buckets) and bounded request bodies."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.requests import ClientDisconnect

from zhongtai.gateway.problems import Problem

if TYPE_CHECKING:
    from zhongtai.gateway.exchange import Exchange


class RateLimiter:
    """*rate* requests per second per key with bursts of up to *burst*; ``rate == 0``: unlimited.

    Kept per process: with ``--workers N`` a token may get up to N times the rate.
    """

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()
        self._clock = clock

    def take(self, key: str) -> None:
        """Spend one request of *key*'s budget, or raise a 429 :class:`Problem` with Retry-After."""
        if self.rate <= 0:
            return
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
                raise Problem(429, f"rate limit of {self.rate:g} requests per second exceeded; retry in {wait:.2f} s",
                              slug="rate-limited", headers={"Retry-After": str(max(1, round(wait + 0.5)))},
                              extra={"retry_after": round(wait, 3)})
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > 100_000:  # forget idle keys rather than grow without bound
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}


async def read_body(request: Exchange, limit: int) -> bytes:
    """The request body, refusing (413) more than *limit* bytes before reading them all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise Problem(400, "Content-Length is not a number") from None
        if size > limit:
            raise Problem(413, f"request body of {size} bytes is larger than the limit of {limit}",
                          slug="too-large")
    chunks: list[bytes] = []
    total = 0
    while True:  # the ASGI messages themselves: no async generator per request
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            raise Problem(413, f"request body is larger than the limit of {limit} bytes", slug="too-large")
        if not message.get("more_body", False):
            if not chunks:  # the whole body in one message: the common case
                return chunk
            chunks.append(chunk)
            return b"".join(chunks)
        chunks.append(chunk)
