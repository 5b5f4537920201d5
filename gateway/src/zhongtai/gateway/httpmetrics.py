"""HTTP metrics of the gateway: requests per operation and status, and their latency.

Rendered in the Prometheus text format after the platform's call metrics
(:mod:`zhongtai.core.runtime.metrics`), with the same latency buckets.
"""

from __future__ import annotations

import bisect
import collections
import threading
from collections.abc import Iterator

from zhongtai.core.runtime.metrics import BUCKETS


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class HttpMetrics:
    """Counters and a latency histogram per (operation, method, status); thread-safe.

    :meth:`observe` only appends to a buffer (atomic in CPython); observations are
    folded into the counts under the lock when the metrics are read or once
    1,024 have accumulated -- as the platform's call meters do.
    """

    FOLD_EVERY = 1024

    def __init__(self) -> None:
        self._requests: dict[tuple[str, str, int], int] = {}
        self._latency: dict[str, list[float | int]] = {}  # operation -> bucket counts..., sum
        self._lock = threading.Lock()
        self._pending: collections.deque[tuple[str, str, int, float]] = collections.deque()

    def observe(self, operation: str, method: str, status: int, seconds: float) -> None:
        self._pending.append((operation, method, status, seconds))
        if len(self._pending) >= self.FOLD_EVERY:
            self._fold()

    def _fold(self) -> None:
        with self._lock:
            pending, requests, latency = self._pending, self._requests, self._latency
            for _ in range(len(pending)):
                operation, method, status, seconds = pending.popleft()
                key = (operation, method, status)
                requests[key] = requests.get(key, 0) + 1
                counts = latency.get(operation)
                if counts is None:
                    counts = latency[operation] = [0] * (len(BUCKETS) + 1) + [0.0]
                counts[bisect.bisect_left(BUCKETS, seconds)] += 1
                counts[-1] += seconds

    def prometheus(self) -> str:
        return "".join(self._exposition())

    def _exposition(self) -> Iterator[str]:
        self._fold()
        with self._lock:
            requests = sorted(self._requests.items())
            latency = {k: list(v) for k, v in sorted(self._latency.items())}
        yield "# HELP zhongtai_http_requests_total HTTP requests per operation, method and status.\n"
        yield "# TYPE zhongtai_http_requests_total counter\n"
        for (operation, method, status), count in requests:
            yield (f'zhongtai_http_requests_total{{operation="{_label(operation)}",method="{method}",'
                   f'status="{status}"}} {count}\n')
        yield "# HELP zhongtai_http_request_seconds Latency of HTTP requests per operation.\n"
        yield "# TYPE zhongtai_http_request_seconds histogram\n"
        for operation, counts in latency.items():  # counts: bucket counts, then the sum of seconds
            label = f'operation="{_label(operation)}"'
            total: int = 0
            for bound, bucket in zip(BUCKETS, counts):
                total += int(bucket)
                yield f'zhongtai_http_request_seconds_bucket{{{label},le="{bound:g}"}} {total}\n'
            total += int(counts[len(BUCKETS)])
            yield f'zhongtai_http_request_seconds_bucket{{{label},le="+Inf"}} {total}\n'
            yield f"zhongtai_http_request_seconds_sum{{{label}}} {counts[-1]:.9f}\n"
            yield f"zhongtai_http_request_seconds_count{{{label}}} {total}\n"
