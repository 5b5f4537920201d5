"""Compare registry contents before and after a refused change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, select


def all_rows(url_or_engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in the registry database, sorted, by table name."""
    from sqlalchemy import create_engine

    engine = create_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        result = {
            name: sorted((tuple(map(repr, row)) for row in connection.execute(select(table))))
            for name, table in metadata.tables.items()
        }
    if isinstance(url_or_engine, str):
        engine.dispose()
    return result
