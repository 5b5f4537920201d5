"""Per-plugin call time limits, for extension points whose failure policy allows dropping a contribution.

A plugin that does not answer in time is treated like one that raised: under
``skip`` its contribution is dropped and recorded, under ``deny`` it denies.
Points whose policy is ``fail`` never get a limit (a wrong price is worse than
a slow one, and abandoning the call would leave the caller without one).

Limits of doing this in-process: Python cannot stop a running thread, so a
timed-out implementation keeps running in its worker thread until it returns
on its own; its result is then discarded.  The pool is bounded, so a plugin
that hangs forever eventually occupies every worker and later calls of timed
points time out at once -- visible in traces and metrics, never a hang of the
caller.  Use real timeouts inside plugins (socket, HTTP, SMTP) as the first
line of defence; this is the second.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
from collections.abc import Callable, Mapping
from typing import Any

from zhongtai.core.extension import ExtensionPoint, OnError


class PluginTimeout(Exception):
    """An implementation did not answer within its extension point's limit."""


class CallTimeouts:
    """The time limits of one Platform and the bounded thread pool that enforces them."""

    def __init__(self, overrides: Mapping[str, float] | None = None, *, max_workers: int = 16) -> None:
        self._overrides = dict(overrides or {})
        self._max_workers = max_workers
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

    def seconds_for(self, point: ExtensionPoint) -> float | None:
        """The limit for *point*, or ``None`` (no limit, or a ``fail`` point)."""
        if point.on_error is OnError.FAIL:
            return None
        seconds = self._overrides.get(point.name, point.timeout)
        return seconds if seconds is not None and seconds > 0 else None

    def bound(self, function: Callable[..., Any], seconds: float) -> Callable[..., Any]:
        """*function* run in the pool, raising :class:`PluginTimeout` after *seconds*.

        It runs in a copy of the caller's context, so the business and the current span go along.
        """

        def bounded(*args: Any) -> Any:
            future = self._executor().submit(contextvars.copy_context().run, function, *args)
            try:
                return future.result(timeout=seconds)
            except concurrent.futures.TimeoutError:
                future.cancel()
                raise PluginTimeout(f"did not answer within {seconds:g}s") from None

        return bounded

    def _executor(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(self._max_workers, "zhongtai-plugin")
        return self._pool

    def close(self) -> None:
        """Stop accepting work; running implementations are not waited for."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
