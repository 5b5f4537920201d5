"""Compare registry contents before and after a refused change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text


def all_rows(url_or_engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in the registry database, sorted, by table name.

    Reads table names only (no column reflection: with a dozen packages' tables,
    reflecting every table for every hypothesis case cost most of a test's time).
    """
    from sqlalchemy import create_engine

    engine = create_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    with engine.connect() as connection:
        quote = connection.dialect.identifier_preparer.quote
        result = {
            name: sorted(tuple(map(repr, row)) for row in connection.execute(text(f"SELECT * FROM {quote(name)}")))
            for name in inspect(connection).get_table_names()
        }
    if isinstance(url_or_engine, str):
        engine.dispose()
    return result


def schema_diff(url: str, metadata: Any) -> list[Any]:
    """alembic's differences between the database and *metadata*, for *metadata*'s tables only.

    Tables the database holds beyond *metadata* (another package's) are not reported.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    def ours(name: str | None, kind: str, parent: Any) -> bool:
        return kind != "table" or name in metadata.tables

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": ours})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()
