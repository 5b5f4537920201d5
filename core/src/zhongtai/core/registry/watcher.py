"""Hearing about registry changes as they commit: PostgreSQL ``LISTEN``.

Migration ``core_0002`` makes every revision bump ``NOTIFY zhongtai_registry``
with the payload ``<schema>:<revision>``.  A :class:`RevisionWatcher` keeps one
dedicated autocommit connection that listens on that channel in a daemon
thread and passes the revisions of *its* registry (its schema) to a callback.

It never touches the caller's state itself: callbacks only set flags, and the
caller reloads on its own thread.  When the connection breaks, the watcher
says so (``connected``, ``error``), retries with backoff, and after reconnecting calls
``on_change(None)`` -- "you may have missed changes, check" -- since
notifications sent while nobody listened are gone.  Callbacks are held weakly:
when their owner is garbage collected the watcher stops by itself.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import weakref
from collections.abc import Callable
from typing import Any

CHANNEL = "zhongtai_registry"
#: How often an idle watcher checks that its owner still exists.
_IDLE_CHECK = 5.0
_BACKOFF_FIRST, _BACKOFF_MAX = 0.2, 2.0
_SCHEMA_QUERY = (
    "SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.oid = to_regclass('zt_registry_state')"
)


def _weak(callback: Callable[..., None]) -> Callable[[], Callable[..., None] | None]:
    if hasattr(callback, "__self__"):
        return weakref.WeakMethod(callback)  # type: ignore[arg-type]
    return weakref.ref(callback)


class RevisionWatcher:
    """Listen for revision notifications of one registry; see the module docstring."""

    def __init__(
        self, cargs: tuple[Any, ...], cparams: dict[str, Any], on_change: Callable[[int | None], None],
        *, where: str = "the registry",
    ) -> None:
        self._cargs = cargs
        self._cparams = dict(cparams)
        self._on_change = _weak(on_change)
        self._where = where
        self._stop = threading.Event()
        self._pipe_lock = threading.Lock()  # the pipe is closed by the thread, written by stop()
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="zhongtai-registry-watcher", daemon=True)
        #: Whether the LISTEN connection is up, and why not (read by the owner's status).
        self.connected = False
        self.error: str | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and close the connection (returns at once; the thread ends promptly)."""
        if self._stop.is_set():
            return
        self._stop.set()
        with self._pipe_lock:
            if self._wake_w >= 0:
                with contextlib.suppress(OSError):
                    os.write(self._wake_w, b"x")
        if not self._thread.is_alive():
            self._close_pipe()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # -- the thread ----------------------------------------------------------
    def _run(self) -> None:
        backoff = _BACKOFF_FIRST
        try:
            while not self._stop.is_set():
                try:
                    self._listen()
                    backoff = _BACKOFF_FIRST
                except Exception as exc:  # noqa: BLE001 - any failure: report, wait, reconnect
                    self._report(False, _reason(exc))
                    if self._stop.wait(backoff):
                        break
                    backoff = min(backoff * 2, _BACKOFF_MAX)
        finally:
            self.connected = False
            self._close_pipe()

    def _listen(self) -> None:
        import psycopg

        with psycopg.connect(*self._cargs, **self._cparams, autocommit=True) as connection:
            row = connection.execute(_SCHEMA_QUERY).fetchone()
            schema = str(row[0]) if row else ""
            connection.execute(f"LISTEN {CHANNEL}")
            self._report(True, None)
            if not self._deliver(None):
                return
            while not self._stop.is_set():
                ready, _, _ = select.select([connection.fileno(), self._wake_r], [], [], _IDLE_CHECK)
                if self._wake_r in ready:
                    return
                if not ready:
                    if self._on_change() is None:  # the owner is gone
                        self._stop.set()
                    continue
                for notify in connection.notifies(timeout=0):
                    where, _, revision = notify.payload.rpartition(":")
                    if where == schema and revision.isdigit() and not self._deliver(int(revision)):
                        return

    def _deliver(self, revision: int | None) -> bool:
        callback = self._on_change()
        if callback is None:
            self._stop.set()
            return False
        callback(revision)
        return True

    def _report(self, connected: bool, error: str | None) -> None:
        self.connected = connected
        self.error = None if error is None else f"not listening to {self._where}: {error}"

    def _close_pipe(self) -> None:
        with self._pipe_lock:
            for fd in (self._wake_r, self._wake_w):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._wake_r = self._wake_w = -1


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
