"""The :class:`Registry`: one database, transactions with audit rows, a revision.

Every change goes through :meth:`Registry.change`, which opens one transaction,
bumps the registry revision *first* (taking the write lock on SQLite and a row
lock on PostgreSQL, so concurrent writers queue instead of deadlocking), lets
the caller modify rows through a :class:`Transaction`, and writes one audit row
per recorded change.  Any exception, including ``KeyboardInterrupt``, rolls the
whole transaction back: a refused change writes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import attrs
from sqlalchemy import Engine, create_engine, event, inspect, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from zhongtai.core.errors import NotFound, RegistryError, StaleWrite
from zhongtai.core.registry.models import (
    SCHEMA_VERSION,
    AuditRow,
    Base,
    BusinessRow,
    EnablementRow,
    RegistryState,
    utcnow,
)
from zhongtai.core.registry.snapshot import Business, Enablement, Snapshot

ENV_URL = "ZHONGTAI_DATABASE_URL"
DEFAULT_URL = "sqlite:///zhongtai.db"


def default_url() -> str:
    """``$ZHONGTAI_DATABASE_URL``, else ``zhongtai.db`` in the working directory."""
    return os.environ.get(ENV_URL) or DEFAULT_URL


def safe_url(url: str) -> str:
    """*url* with any password masked, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


@attrs.frozen
class AuditEntry:
    id: int
    revision: int
    at: dt.datetime
    actor: str
    action: str
    business: str | None
    plugin: str | None
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    note: str = ""


def _make_engine(url: str) -> Engine:
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception as exc:
        raise RegistryError(f"invalid database URL: {exc}") from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 10.0}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except Exception as exc:  # missing driver, bad option ...
        raise RegistryError(f"cannot use database {safe_url(url)}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
    finally:
        cursor.close()


class Transaction:
    """Row operations inside one registry change; see :meth:`Registry.change`."""

    def __init__(self, session: Session, actor: str, revision: int) -> None:
        self.session = session
        self.actor = actor
        self.revision = revision
        self.audited = 0

    # -- businesses ----------------------------------------------------------
    def business(self, code: str) -> BusinessRow | None:
        return self.session.get(BusinessRow, code)

    def require_business(self, code: str) -> BusinessRow:
        row = self.business(code)
        if row is None:
            raise NotFound(f"unknown business {code!r}")
        return row

    def add_business(self, code: str, parent: str | None, name: str, owner: str) -> BusinessRow:
        now = utcnow()
        row = BusinessRow(code=code, parent=parent, name=name, owner=owner, status="active",
                          created_at=now, updated_at=now, updated_by=self.actor)
        self.session.add(row)
        return row

    # -- enablements ---------------------------------------------------------
    def enablement(self, business: str, plugin: str) -> EnablementRow | None:
        return self.session.scalars(
            select(EnablementRow).where(EnablementRow.business == business, EnablementRow.plugin == plugin)
        ).first()

    def put_enablement(
        self, business: str, plugin: str, *, enabled: bool, config: Mapping[str, Any], priority: int,
        expected_version: int | None = None,
    ) -> EnablementRow:
        row = self.enablement(business, plugin)
        if expected_version is not None:
            current = row.version if row is not None else 0
            if current != expected_version:
                raise self.stale(business, plugin, row)
        now = utcnow()
        if row is None:
            row = EnablementRow(business=business, plugin=plugin)
            self.session.add(row)
        row.enabled = enabled
        row.config = dict(config)
        row.priority = priority
        row.updated_at = now
        row.updated_by = self.actor
        return row

    def remove_enablement(self, business: str, plugin: str) -> None:
        row = self.enablement(business, plugin)
        if row is not None:
            self.session.delete(row)

    def stale(self, business: str, plugin: str | None, row: Any) -> StaleWrite:
        by = getattr(row, "updated_by", "") or "someone"
        at = getattr(row, "updated_at", None)
        when = f" at {at.isoformat(timespec='seconds')}" if at else ""
        what = f"{plugin} at {business}" if plugin else business
        return StaleWrite(f"{what} was changed by {by}{when}; reload and retry")

    # -- audit ---------------------------------------------------------------
    def record(
        self, action: str, *, business: str | None = None, plugin: str | None = None,
        before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None, note: str = "",
    ) -> None:
        """Append an audit row (callers pass secret-masked ``before``/``after``)."""
        self.session.add(AuditRow(
            revision=self.revision, at=utcnow(), actor=self.actor, action=action, business=business,
            plugin=plugin, before=dict(before) if before is not None else None,
            after=dict(after) if after is not None else None, note=note,
        ))
        self.audited += 1


class Registry:
    """A zhongtai registry in one database (SQLite file or PostgreSQL)."""

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self.url = url or default_url()
        self.engine = _make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._checked = False
        self._create = create

    def close(self) -> None:
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # -- schema --------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the schema in an empty database; refuse anything that is not ours."""
        if self._checked:
            return
        try:
            with self.engine.connect() as connection:
                tables = set(inspect(connection).get_table_names())
        except SQLAlchemyError as exc:
            raise RegistryError(self._unreachable(exc)) from None
        if RegistryState.__tablename__ not in tables:
            if tables - _OWN_TABLES_PREFIXED(tables):
                raise RegistryError(f"{safe_url(self.url)} is not a zhongtai registry (it has other tables)")
            if not self._create:
                raise RegistryError(f"{safe_url(self.url)} has no zhongtai registry")
            self._create_schema()
        else:
            self._check_version()
        self._checked = True

    def _create_schema(self) -> None:
        try:
            with self.engine.begin() as connection:
                Base.metadata.create_all(connection)
                exists = connection.execute(select(RegistryState.id)).first()
                if exists is None:
                    connection.execute(RegistryState.__table__.insert().values(
                        id=1, revision=0, schema_version=SCHEMA_VERSION, mode="development",
                        changed_at=utcnow()))
        except SQLAlchemyError as exc:
            raise RegistryError(self._unreachable(exc)) from None

    def _check_version(self) -> None:
        try:
            with self.engine.connect() as connection:
                version = connection.execute(
                    select(RegistryState.schema_version).where(RegistryState.id == 1)).scalar_one_or_none()
        except SQLAlchemyError as exc:
            raise RegistryError(self._unreachable(exc)) from None
        if version is None:
            raise RegistryError(f"{safe_url(self.url)} is not a zhongtai registry (no state row)")
        if version != SCHEMA_VERSION:
            newer = "newer" if version > SCHEMA_VERSION else "older"
            raise RegistryError(
                f"registry schema version {version} is {newer} than this zhongtai understands "
                f"({SCHEMA_VERSION}); run `zhongtai db upgrade` with a matching version"
            )

    def _unreachable(self, exc: BaseException) -> str:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = detail[0] if detail else type(exc).__name__
        if "file is not a database" in reason:
            return f"{safe_url(self.url)} is not a zhongtai registry: {reason}"
        return f"cannot use the registry at {safe_url(self.url)}: {reason}"

    # -- reads ---------------------------------------------------------------
    @contextmanager
    def _reading(self) -> Iterator[Session]:
        self.ensure_schema()
        try:
            with self._sessions() as session:
                yield session
        except DBAPIError as exc:
            raise RegistryError(self._unreachable(exc)) from None

    def revision(self) -> int:
        with self._reading() as session:
            return int(session.scalar(select(RegistryState.revision).where(RegistryState.id == 1)) or 0)

    def mode(self) -> str:
        with self._reading() as session:
            return str(session.scalar(select(RegistryState.mode).where(RegistryState.id == 1)))

    def snapshot(self) -> Snapshot:
        """Every business and enablement, read in one transaction."""
        b, e = BusinessRow.__table__.c, EnablementRow.__table__.c
        with self._reading() as session:
            state = session.execute(
                select(RegistryState.revision, RegistryState.mode).where(RegistryState.id == 1)).one()
            businesses = [
                Business(r.code, r.parent, r.name, r.owner, r.status, r.version, r.updated_at, r.updated_by)
                for r in session.execute(select(b.code, b.parent, b.name, b.owner, b.status, b.version,
                                                b.updated_at, b.updated_by))
            ]
            enablements = [
                Enablement(r.business, r.plugin, bool(r.enabled), r.config or {}, r.priority, r.version,
                           r.updated_at, r.updated_by)
                for r in session.execute(select(e.business, e.plugin, e.enabled, e.config, e.priority,
                                                e.version, e.updated_at, e.updated_by))
            ]
        return Snapshot(int(state.revision), businesses, enablements, state.mode)

    def audit(
        self, business: str | None = None, since: dt.datetime | None = None, limit: int | None = None,
        *, include_descendants: bool = True,
    ) -> list[AuditEntry]:
        """Audit rows, newest first."""
        query = select(AuditRow).order_by(AuditRow.id.desc())
        if business is not None:
            if include_descendants:
                query = query.where((AuditRow.business == business) | AuditRow.business.like(business + ".%"))
            else:
                query = query.where(AuditRow.business == business)
        if since is not None:
            query = query.where(AuditRow.at >= since)
        if limit is not None:
            query = query.limit(limit)
        with self._reading() as session:
            return [
                AuditEntry(r.id, r.revision, r.at, r.actor, r.action, r.business, r.plugin, r.before,
                           r.after, r.note)
                for r in session.scalars(query)
            ]

    # -- writes --------------------------------------------------------------
    @contextmanager
    def change(self, actor: str) -> Iterator[Transaction]:
        """One registry change: revision + 1, row changes, audit rows, all or nothing."""
        self.ensure_schema()
        session = self._sessions()
        try:
            with session.begin():
                revision = session.execute(
                    update(RegistryState).where(RegistryState.id == 1)
                    .values(revision=RegistryState.revision + 1, changed_at=utcnow())
                    .returning(RegistryState.revision)
                ).scalar_one()
                tx = Transaction(session, actor, int(revision))
                yield tx
                if tx.audited == 0:
                    raise RuntimeError("a registry change must record at least one audit row")
                session.flush()
        except DBAPIError as exc:
            raise RegistryError(self._write_failure(exc)) from None
        except Exception as exc:
            from sqlalchemy.orm.exc import StaleDataError

            if isinstance(exc, StaleDataError):
                raise StaleWrite("the row was changed by someone else meanwhile; retry") from None
            raise
        finally:
            session.close()

    def _write_failure(self, exc: DBAPIError) -> str:
        text = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if "readonly" in text.replace(" ", "").lower():
            return f"the registry at {safe_url(self.url)} is read-only: {text}"
        if "locked" in text.lower():
            return f"the registry at {safe_url(self.url)} is locked by another process: {text}"
        if "full" in text.lower():
            return f"the registry at {safe_url(self.url)} could not be written (disk full?): {text}"
        return f"the registry at {safe_url(self.url)} refused the change: {text}"


def _OWN_TABLES_PREFIXED(tables: set[str]) -> set[str]:  # noqa: N802 - reads like a constant
    """Tables a half-created zhongtai registry (or an alembic run) may already hold."""
    return {t for t in tables if t.startswith("zt_") or t == "alembic_version"}
