"""``Idempotency-Key`` on writing POSTs: a retry gets the first answer, not a second effect.

Keys are kept per principal, with a fingerprint of method, path and body: the
same key with a different request is refused (422), a retry while the first
request is still running is refused (409), and a completed request's answer is
replayed with ``Idempotent-Replayed: true`` for ``idempotency_ttl`` seconds.
Answers to be retried anyway (429, 5xx) are not kept.  The store is per process;
put a sticky load balancer (by token) in front of several hosts, or rely on the
registry's optimistic versions (``expected_version``) for admin changes.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

import attrs

from zhongtai.gateway.problems import Problem

HEADER = "idempotency-key"
MAX_KEY = 255
MAX_ENTRIES = 50_000


@attrs.frozen
class Stored:
    status: int
    headers: Mapping[str, str]
    body: bytes
    media_type: str


_RUNNING = object()


class IdempotencyStore:
    """First answers per (principal, key), see the module docstring."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._entries: OrderedDict[tuple[str, str], tuple[str, float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._clock = clock

    @staticmethod
    def fingerprint(method: str, path: str, body: bytes) -> str:
        return hashlib.sha256(b"\0".join((method.encode(), path.encode(), body))).hexdigest()

    def begin(self, principal: str, key: str, fingerprint: str) -> Stored | None:
        """The stored answer to replay, or ``None`` after reserving *key* for this request."""
        if not key or len(key) > MAX_KEY:
            raise Problem(400, f"Idempotency-Key must be 1-{MAX_KEY} characters")
        now = self._clock()
        with self._lock:
            self._expire(now)
            entry = self._entries.get((principal, key))
            if entry is not None:
                stored_fingerprint, _, answer = entry
                if stored_fingerprint != fingerprint:
                    raise Problem(422, "this Idempotency-Key was used for a different request", slug="key-reused")
                if answer is _RUNNING:
                    raise Problem(409, "a request with this Idempotency-Key is still being processed",
                                  slug="key-in-use", headers={"Retry-After": "1"})
                assert isinstance(answer, Stored)
                return answer
            self._entries[(principal, key)] = (fingerprint, now, _RUNNING)
            return None

    def finish(self, principal: str, key: str, answer: Stored | None) -> None:
        """Keep *answer* for replays (``None``: forget the key, the request may be retried)."""
        with self._lock:
            entry = self._entries.pop((principal, key), None)
            if entry is not None and answer is not None:
                self._entries[(principal, key)] = (entry[0], self._clock(), answer)

    def _expire(self, now: float) -> None:
        while self._entries:
            _, (_, at, answer) = next(iter(self._entries.items()))
            if answer is not _RUNNING and (now - at > self.ttl or len(self._entries) > MAX_ENTRIES):
                self._entries.popitem(last=False)
            else:
                break
