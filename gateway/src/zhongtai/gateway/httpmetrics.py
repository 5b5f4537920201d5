"""HTTP metrics of the gateway: requests per operation and status, and their latency.

Rendered in the Prometheus text format after the platform's call metrics
(:mod:`zhongtai.core.runtime.metrics`), with the same latency buckets.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterator

from zhongtai.core.runtime.metrics import BUCKETS, fold_latencies


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class HttpMetrics:
    """Counters and a latency histogram per (operation, method, status); thread-safe.

    :meth:`observe` only appends the latency to its key's buffer (a ``deque``:
    atomic in CPython); buffers are folded into the counts under the lock when
    the metrics are read or once one holds 1,024 -- as the platform's call
    meters do, with the same :func:`~zhongtai.core.runtime.metrics.fold_latencies`.
    """

    FOLD_EVERY = 1024

    def __init__(self) -> None:
        self._requests: dict[tuple[str, str, int], int] = {}
        self._latency: dict[str, list[int]] = {}  # operation -> count per bucket (BUCKETS, then +Inf)
        self._seconds: dict[str, float] = {}  # operation -> sum of latencies
        self._lock = threading.Lock()
        #: per (operation, method, status): latencies not folded into the counts yet
        self._waiting: dict[tuple[str, str, int], collections.deque[float]] = {}

    def observe(self, operation: str, method: str, status: int, seconds: float) -> None:
        """Count one request of *operation* answered with *status* after *seconds*."""
        key = (operation, method, status)
        waiting = self._waiting.get(key)
        if waiting is None:
            with self._lock:
                waiting = self._waiting.setdefault(key, collections.deque())
        waiting.append(seconds)
        if len(waiting) >= self.FOLD_EVERY:
            self._fold()

    def _fold(self) -> None:
        with self._lock:
            for key, waiting in self._waiting.items():
                operation = key[0]
                counts = self._latency.get(operation)
                if counts is None:
                    counts = self._latency[operation] = [0] * (len(BUCKETS) + 1)
                taken, seconds = fold_latencies(waiting, counts)
                if taken:
                    self._requests[key] = self._requests.get(key, 0) + taken
                    self._seconds[operation] = self._seconds.get(operation, 0.0) + seconds

    def prometheus(self) -> str:
        return "".join(self._exposition())

    def _exposition(self) -> Iterator[str]:
        self._fold()
        with self._lock:
            requests = sorted(self._requests.items())
            latency = {k: list(v) for k, v in sorted(self._latency.items())}
            seconds = dict(self._seconds)
        yield "# HELP zhongtai_http_requests_total HTTP requests per operation, method and status.\n"
        yield "# TYPE zhongtai_http_requests_total counter\n"
        for (operation, method, status), count in requests:
            yield (f'zhongtai_http_requests_total{{operation="{_label(operation)}",method="{method}",'
                   f'status="{status}"}} {count}\n')
        yield "# HELP zhongtai_http_request_seconds Latency of HTTP requests per operation.\n"
        yield "# TYPE zhongtai_http_request_seconds histogram\n"
        for operation, counts in latency.items():
            label = f'operation="{_label(operation)}"'
            total = 0
            for bound, bucket in zip(BUCKETS, counts):
                total += bucket
                yield f'zhongtai_http_request_seconds_bucket{{{label},le="{bound:g}"}} {total}\n'
            total += counts[len(BUCKETS)]
            yield f'zhongtai_http_request_seconds_bucket{{{label},le="+Inf"}} {total}\n'
            yield f"zhongtai_http_request_seconds_sum{{{label}}} {seconds.get(operation, 0.0):.9f}\n"
            yield f"zhongtai_http_request_seconds_count{{{label}}} {total}\n"
