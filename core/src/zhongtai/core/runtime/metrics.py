"""Call metrics per (business, extension point, plugin): calls, errors, a latency histogram.

A :class:`Metrics` belongs to one Platform (``Platform(metrics=True)``).  Each
plan entry carries the :class:`Meter` of its series; the policy runners
(:mod:`zhongtai.core.policies`) time every implementation call and record its
latency there, count raised exceptions and timeouts as errors, and report
contract violations (wrong type, forbidden value) to the same meter.  :meth:`Metrics.prometheus` renders the
Prometheus text exposition format for a service's ``/metrics`` endpoint;
:meth:`Metrics.series` gives the same numbers as values for ``zhongtai stats``.
Metering costs two clock reads per implementation call, which is why it is opt-in.
"""

from __future__ import annotations

import bisect
import collections
import itertools
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import attrs

#: Upper bounds (seconds) of the latency buckets, Prometheus-style; +Inf is implied.
BUCKETS: tuple[float, ...] = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                              0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def fold_latencies(waiting: collections.deque[float], counts: list[int]) -> tuple[int, float]:
    """Move the latencies (seconds) *waiting* now into bucket *counts*; how many moved, and their sum.

    *counts* has one count per :data:`BUCKETS` bound, then one for +Inf; bucket
    ``i`` counts ``BUCKETS[i-1] < seconds <= BUCKETS[i]``.  Only what waits when
    the fold starts is taken, so appends may go on meanwhile (``deque`` is
    thread-safe).  Sorted once, each bucket's count is one bisection: a fold of
    1,024 latencies costs about as much as a few dozen of them bisected one by one.
    """
    taken = list(itertools.starmap(waiting.popleft, itertools.repeat((), len(waiting))))  # no bytecode per item
    if not taken:
        return 0, 0.0
    taken.sort()
    below = 0
    for index, bound in enumerate(BUCKETS):
        upto = bisect.bisect_right(taken, bound, lo=below)
        counts[index] += upto - below
        below = upto
    counts[len(BUCKETS)] += len(taken) - below
    return len(taken), sum(taken)


@attrs.frozen
class Series:
    """The numbers of one (business, extension point, plugin)."""

    business: str
    extension_point: str
    plugin: str
    calls: int
    errors: int
    seconds: float
    buckets: tuple[int, ...]  # cumulative counts per BUCKETS bound, then +Inf

    def quantile(self, q: float) -> float | None:
        """An upper bound of the *q*-quantile latency from the histogram (None: no calls)."""
        if not self.calls:
            return None
        rank = q * self.calls
        for bound, count in zip((*BUCKETS, float("inf")), self.buckets):
            if count >= rank:
                return bound
        return float("inf")


class Meter:
    """Records the calls of one series; thread-safe.

    A successful call costs two clock reads and one ``deque.append`` (atomic in
    CPython): latencies wait in :attr:`latencies` and are folded into the
    counts under the lock when anyone reads the series, or once
    ``FOLD_EVERY`` have accumulated (the recorder calls :meth:`fold`).  Errors
    and rejections are counted under the lock at once.
    """

    __slots__ = ("_counts", "_lock", "business", "calls", "errors", "extension_point", "latencies", "plugin",
                 "seconds")

    FOLD_EVERY = 1024

    def __init__(self, business: str, extension_point: str, plugin: str) -> None:
        self.business = business
        self.extension_point = extension_point
        self.plugin = plugin
        self.calls = 0
        self.errors = 0
        self.seconds = 0.0
        self._counts = [0] * (len(BUCKETS) + 1)
        self._lock = threading.Lock()
        #: successful calls' latencies (seconds) not folded into the counts yet: append, then
        #: :meth:`fold` once ``FOLD_EVERY`` wait (what :func:`zhongtai.core.policies` does)
        self.latencies: collections.deque[float] = collections.deque()

    def __call__(self, seconds: float, error: bool) -> None:
        index = bisect.bisect_left(BUCKETS, seconds)
        with self._lock:
            self.calls += 1
            self.errors += error
            self.seconds += seconds
            self._counts[index] += 1

    def reject(self) -> None:
        """A call that returned a value its contract forbids: an error after the fact."""
        with self._lock:
            self.errors += 1

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """*function*, recording each call's latency and whether it raised."""
        clock, latencies = time.perf_counter, self.latencies
        record, fold_every = latencies.append, self.FOLD_EVERY

        def metered(*args: Any) -> Any:
            started = clock()
            try:
                result = function(*args)
            except BaseException:
                self(clock() - started, True)
                raise
            record(clock() - started)
            if len(latencies) >= fold_every:
                self.fold()
            return result

        return metered

    def fold(self) -> None:
        """Move the waiting latencies into the counts (under the lock; appends may go on meanwhile)."""
        with self._lock:
            calls, seconds = fold_latencies(self.latencies, self._counts)
            self.calls += calls
            self.seconds += seconds

    def series(self) -> Series:
        self.fold()
        with self._lock:
            cumulative, total = [], 0
            for count in self._counts:
                total += count
                cumulative.append(total)
            return Series(self.business, self.extension_point, self.plugin, self.calls, self.errors,
                          self.seconds, tuple(cumulative))


class Metrics:
    """All meters of one Platform.  Meters survive plan recompilation."""

    def __init__(self) -> None:
        self._meters: dict[tuple[str, str, str], Meter] = {}
        self._lock = threading.Lock()
        #: Identifies these metrics when flushed: host, pid, and a per-instance suffix.
        self.process = f"{socket.gethostname()[:100]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"

    def meter(self, business: str, extension_point: str, plugin: str) -> Meter:
        key = (business, extension_point, plugin)
        with self._lock:
            meter = self._meters.get(key)
            if meter is None:
                meter = self._meters[key] = Meter(*key)
            return meter

    def series(self) -> list[Series]:
        with self._lock:
            meters = sorted(self._meters.items())
        return [meter.series() for _, meter in meters]

    def prometheus(self) -> str:
        """The Prometheus text exposition format (version 0.0.4) of every series."""
        return render_prometheus(self.series())


def render_prometheus(series: list[Series]) -> str:
    """*series* in the Prometheus text exposition format (version 0.0.4)."""
    return "".join(_exposition(series))


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _exposition(series: list[Series]) -> Iterator[str]:
    yield "# HELP zhongtai_plugin_calls_total Implementation calls per business, extension point and plugin.\n"
    yield "# TYPE zhongtai_plugin_calls_total counter\n"
    for s in series:
        yield f"zhongtai_plugin_calls_total{{{_labels(s)}}} {s.calls}\n"
    yield "# HELP zhongtai_plugin_errors_total Calls that raised, timed out or broke their contract.\n"
    yield "# TYPE zhongtai_plugin_errors_total counter\n"
    for s in series:
        yield f"zhongtai_plugin_errors_total{{{_labels(s)}}} {s.errors}\n"
    yield "# HELP zhongtai_plugin_call_seconds Latency of implementation calls.\n"
    yield "# TYPE zhongtai_plugin_call_seconds histogram\n"
    for s in series:
        labels = _labels(s)
        for bound, count in zip(BUCKETS, s.buckets):
            yield f'zhongtai_plugin_call_seconds_bucket{{{labels},le="{bound:g}"}} {count}\n'
        yield f'zhongtai_plugin_call_seconds_bucket{{{labels},le="+Inf"}} {s.buckets[-1]}\n'
        yield f"zhongtai_plugin_call_seconds_sum{{{labels}}} {s.seconds:.9f}\n"
        yield f"zhongtai_plugin_call_seconds_count{{{labels}}} {s.calls}\n"


def _labels(s: Series) -> str:
    return (f'business="{_label(s.business)}",extension_point="{_label(s.extension_point)}",'
            f'plugin="{_label(s.plugin)}"')
