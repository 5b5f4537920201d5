"""Experiment exposures and outcome events: buffered in memory, written in batches.

The call path only touches a dict (an exposure: which subject was served which
variant, first time only) or a list (an outcome event); a background thread,
started on first use, writes what has gathered every ``interval`` seconds (or
sooner when ``max_buffer`` items wait) in one short transaction of its own:
telemetry, like metrics -- no audit row, no revision bump.  :meth:`flush`
writes now; :meth:`close` (``Platform.close``, the end of a CLI command) stops
the thread and flushes.  A failed write keeps the items for the next try until
``max_buffer`` is reached; then the oldest are dropped and counted in ``dropped``.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from zhongtai.core.errors import RegistryError, UserError
from zhongtai.core.registry.models import EventRow, ExposureRow
from zhongtai.core.rollout import check_subject

if TYPE_CHECKING:
    from zhongtai.core.registry.store import Registry

MAX_NAME = 200


def check_event(name: object, subject: object, value: object) -> tuple[str, str, float | None]:
    """An outcome event's fields, checked; :class:`UserError` with one line otherwise."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or not name.isprintable():
        raise UserError(f"event name must be printable text of 1 to {MAX_NAME} characters")
    who = check_subject(subject)
    if who is None:
        raise UserError("an outcome event needs a subject")
    if value is None:
        return name, who, None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise UserError(f"event value must be a number, not {value!r}"[:200]) from None
    if isinstance(value, bool) or not math.isfinite(number) or abs(number) > 1e15:
        raise UserError(f"event value must be a finite number of at most 1e15, not {value!r}"[:200])
    return name, who, number


class Exposures:
    """The buffer and its background writer (one per Platform)."""

    def __init__(self, registry: Registry, *, interval: float = 2.0, max_buffer: int = 100_000) -> None:
        self.registry = registry
        self.interval = interval
        self.max_buffer = max_buffer
        self._exposures: dict[tuple[str, str], tuple[str, str, float]] = {}
        self._events: list[tuple[str, str, str, float | None, float]] = []
        self._buffer = threading.Lock()  # held only to add to or swap the buffers: never during a write
        self._lock = threading.Lock()  # one writer at a time; starting the thread
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        #: transactions written, exposures and events written, items dropped (buffer full while failing)
        self.writes = 0
        self.written = 0
        self.dropped = 0
        self.error: str | None = None

    # -- the call path ---------------------------------------------------------
    def expose(self, experiment: str, variant: str, subject: str, business: str) -> None:
        """*subject* was served *variant* of *experiment* (only the first time counts)."""
        key = (experiment, subject)
        if key not in self._exposures:
            with self._buffer:
                self._exposures.setdefault(key, (variant, business, time.time()))
            self._started()

    def event(self, business: str, name: str, subject: str, value: float | None) -> None:
        """An outcome event, already checked (see :func:`check_event`)."""
        with self._buffer:
            self._events.append((business, name, subject, value, time.time()))
        self._started()

    def pending(self) -> int:
        return len(self._exposures) + len(self._events)

    def _started(self) -> None:
        if self._thread is None and not self._closed:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="zhongtai-exposures", daemon=True)
                    self._thread.start()
        if len(self._exposures) + len(self._events) >= self.max_buffer:
            self._wake.set()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._closed:
                break
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - kept for the next try; self.error says why; the thread lives on
                pass

    # -- writing ---------------------------------------------------------------
    def flush(self) -> int:
        """Write everything buffered in one transaction; return how many items were written."""
        with self._lock:
            with self._buffer:
                exposures, self._exposures = self._exposures, {}
                events, self._events = self._events, []
            if not exposures and not events:
                return 0
            try:
                self._write(exposures, events)
            except BaseException as exc:  # whatever failed (Ctrl-C included), the items wait for the next try
                self.error = exc.message if isinstance(exc, RegistryError) else f"{type(exc).__name__}: {exc}"
                self._keep(exposures, events)
                raise
            self.error = None
            self.writes += 1
            self.written += len(exposures) + len(events)
            return len(exposures) + len(events)

    def _write(self, exposures: dict[tuple[str, str], tuple[str, str, float]],
               events: list[tuple[str, str, str, float | None, float]]) -> None:
        registry = self.registry
        registry.ensure_schema()
        try:
            with registry.engine.begin() as connection:
                if exposures:
                    rows = [{"experiment": experiment, "subject": subject, "variant": variant,
                             "business": business, "first_at": _at(at)}
                            for (experiment, subject), (variant, business, at) in exposures.items()]
                    connection.execute(_insert_new(registry.dialect), rows)
                if events:
                    connection.execute(insert(EventRow), [
                        {"business": business, "name": name, "subject": subject, "value": value, "at": _at(at)}
                        for business, name, subject, value, at in events])
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()
            raise RegistryError(f"could not record exposures and events: {reason[0] if reason else exc}") from None

    def _keep(self, exposures: dict[tuple[str, str], tuple[str, str, float]],
              events: list[tuple[str, str, str, float | None, float]]) -> None:
        with self._buffer:
            self._merge(exposures, events)

    def _merge(self, exposures: dict[tuple[str, str], tuple[str, str, float]],
               events: list[tuple[str, str, str, float | None, float]]) -> None:
        for key, value in exposures.items():
            self._exposures.setdefault(key, value)
        self._events[:0] = events
        overflow = len(self._exposures) + len(self._events) - self.max_buffer
        if overflow > 0:
            cut = min(overflow, len(self._events))
            del self._events[:cut]
            for key in list(self._exposures)[: overflow - cut]:
                del self._exposures[key]
            self.dropped += overflow

    def close(self) -> None:
        """Stop the writer and flush what is left (best effort: telemetry never fails a caller)."""
        self._closed = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - best effort at shutdown; self.error says why
            pass


def _at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _insert_new(dialect: str) -> Any:
    """INSERT of exposure rows that keeps a subject's first exposure (skips ones already there)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(ExposureRow).on_conflict_do_nothing(index_elements=["experiment", "subject"])
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(ExposureRow).on_conflict_do_nothing(index_elements=["experiment", "subject"])
