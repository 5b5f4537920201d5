"""Metrics in the registry database, so ``zhongtai stats`` sees every process.

Each :class:`~zhongtai.core.runtime.metrics.Metrics` (one per Platform) flushes
its cumulative series under its own key (host:pid:instance); :func:`load` adds
all of them up.  This is telemetry, not
configuration: a flush is one short transaction of its own, with no audit row
and no revision bump, because no business's plugins change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from zhongtai.core.errors import RegistryError
from zhongtai.core.registry.models import MetricRow
from zhongtai.core.registry.store import Registry
from zhongtai.core.runtime.metrics import BUCKETS, Metrics, Series


def flush(registry: Registry, metrics: Metrics) -> int:
    """Replace the rows of *metrics* with its current series; return how many were written."""
    return flush_series(registry, metrics.series(), metrics.process)


def flush_series(registry: Registry, series: Iterable[Series], key: str) -> int:
    """Replace the rows under *key* with *series*; return how many were written."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"process": key, "business": s.business, "extension_point": s.extension_point, "plugin": s.plugin,
         "calls": s.calls, "errors": s.errors, "seconds": s.seconds, "buckets": list(s.buckets),
         "updated_at": now}
        for s in series if s.calls or s.errors
    ]
    registry.ensure_schema()
    try:
        with registry.engine.begin() as connection:
            connection.execute(delete(MetricRow).where(MetricRow.process == key))
            if rows:
                connection.execute(insert(MetricRow), rows)
    except SQLAlchemyError as exc:
        raise RegistryError(f"could not record metrics: {str(getattr(exc, 'orig', exc)).splitlines()[0]}") from None
    return len(rows)


class _Total:
    __slots__ = ("buckets", "calls", "errors", "seconds")

    def __init__(self) -> None:
        self.calls = 0
        self.errors = 0
        self.seconds = 0.0
        self.buckets = [0] * (len(BUCKETS) + 1)

    def add(self, row: MetricRow) -> None:
        self.calls += row.calls
        self.errors += row.errors
        self.seconds += row.seconds
        self.buckets = [a + b for a, b in zip(self.buckets, row.buckets)]


def load(registry: Registry, business: str | None = None) -> list[Series]:
    """Every series, added up over all processes (optionally for one business and below)."""
    query = select(MetricRow)
    if business is not None:
        query = query.where((MetricRow.business == business) | MetricRow.business.like(business + ".%"))
    totals: dict[tuple[str, str, str], _Total] = {}
    with registry.session() as session:
        for row in session.scalars(query):
            totals.setdefault((row.business, row.extension_point, row.plugin), _Total()).add(row)
    return [Series(b, p, n, t.calls, t.errors, t.seconds, tuple(t.buckets))
            for (b, p, n), t in sorted(totals.items())]
