"""The :class:`Registry`: one database, transactions with audit rows, a revision.

Every change goes through :meth:`Registry.change`, which opens one transaction,
bumps the registry revision *first* (taking the write lock: ``BEGIN IMMEDIATE``
on SQLite, the state row's lock on PostgreSQL, so concurrent writers queue
instead of deadlocking), lets the caller modify rows through a
:class:`Transaction`, and writes one audit row per recorded change.  Any
exception, including ``KeyboardInterrupt``, rolls the whole transaction back: a
refused change writes nothing.

The audit log doubles as the change log readers catch up from
(:meth:`Registry.refreshed`): every revision has at least one audit row, and the
audit rows of a change name every business whose rows it touched (the
transaction checks both before committing).

Reads that must be consistent (snapshots, refreshes) run in one snapshot
transaction: ``REPEATABLE READ`` on PostgreSQL, a ``BEGIN`` ed read in SQLite's
WAL mode.  Nobody ever sees half of a change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Engine, bindparam, create_engine, event, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from zhongtai.core.errors import NotFound, RegistryError, StaleWrite
from zhongtai.core.registry import migrate
from zhongtai.core.registry.models import (
    AuditRow,
    BusinessRow,
    EnablementRow,
    NetworkAllowRow,
    RegistryState,
    SecretAllowRow,
    utcnow,
)
from zhongtai.core.registry.snapshot import Allowances, Business, Enablement, Snapshot
from zhongtai.core.registry.watcher import RevisionWatcher

ENV_URL = "ZHONGTAI_DATABASE_URL"
#: Audit actions that change the allow-lists a snapshot carries (readers reload them).
ALLOWANCE_ACTIONS = ("access.secrets.allow", "access.secrets.deny", "access.network.allow", "access.network.deny")
DEFAULT_URL = "sqlite:///zhongtai.db"

#: Catching up through the audit log stops paying off beyond this many revisions or businesses.
INCREMENTAL_LIMIT = 1000
_IN_CHUNK = 500
#: libpq defaults for a registry connection (a URL query parameter of the same name wins):
#: fail fast when the server is unreachable, notice a silently dead peer within ~15 s.
_PG_CONNECT_DEFAULTS = {
    "connect_timeout": 5, "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
    "keepalives_count": 3, "tcp_user_timeout": 15000,
}


def default_url() -> str:
    """``$ZHONGTAI_DATABASE_URL``, else ``zhongtai.db`` in the working directory."""
    return os.environ.get(ENV_URL) or DEFAULT_URL


def safe_url(url: str) -> str:
    """*url* with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
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


@attrs.frozen
class Refresh:
    """The registry now, and which businesses' rows may differ from the old snapshot (``None``: any)."""

    snapshot: Snapshot
    touched: frozenset[str] | None


# -- engines --------------------------------------------------------------------------------
def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001
        raise RegistryError(f"invalid database URL: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres"):  # the driver zhongtai supports: psycopg 3
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_file(engine: Engine) -> Path | None:
    """The file of a file-based SQLite registry, if it does not exist yet; None otherwise."""
    url = engine.url
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:") \
            or url.query.get("mode") == "memory":
        return None
    path = Path(database)
    return None if path.exists() else path


def _make_engine(url: str) -> Engine:
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {}
    busy_timeout = 10.0
    if backend == "sqlite":
        # how long a writer waits for another process's lock: ?timeout=SECONDS in the URL
        try:
            busy_timeout = float(str(parsed.query.get("timeout", busy_timeout)))
        except ValueError:
            raise RegistryError(f"invalid timeout in database URL {safe_url(url)}") from None
        kwargs["connect_args"] = {"timeout": busy_timeout}
    elif backend == "postgresql":
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {k: v for k, v in _PG_CONNECT_DEFAULTS.items() if k not in parsed.query}
    try:
        engine = create_engine(parsed, **kwargs)
    except Exception as exc:  # noqa: BLE001 - missing driver, bad option ...
        raise RegistryError(f"cannot use database {safe_url(url)}: {exc}") from None
    if backend == "sqlite":
        event.listen(engine, "connect", functools.partial(_sqlite_connect, busy_ms=int(busy_timeout * 1000)))
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any, busy_ms: int = 10_000) -> None:
    # Take transactions out of the driver's hands (it would not BEGIN before a SELECT, so
    # two SELECTs could see two states); _sqlite_begin emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:  # connection settings only: nothing here may change the file (it may not be ours, see _use_wal)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    finally:
        cursor.close()


def _use_wal(engine: Engine) -> None:
    """Put a SQLite file that is known to be a zhongtai registry into WAL mode (persists in the file).

    Readers then never wait for the writer.  Called only after the schema check,
    so a foreign database that is refused stays byte-for-byte as it was.
    """
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with contextlib.suppress(Exception):  # a read-only file keeps its journal mode
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
    finally:
        raw.close()


def _sqlite_begin(connection: Any) -> None:
    writing = connection.get_execution_options().get(migrate.WRITE_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def _collect_touched(session: Session, _context: Any, _instances: Any) -> None:
    """``before_flush``: remember the businesses whose rows this transaction writes."""
    touched: set[str] = session.info.setdefault("zt_touched", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, BusinessRow):
            touched.add(obj.code)
        elif isinstance(obj, EnablementRow):
            touched.add(obj.business)


# -- row conversion (one place for snapshots and refreshes) -----------------------------------
# Snapshots read raw driver values -- per-column SQLAlchemy processing costs more than the
# fetch itself at 100,000 rows -- and decode JSON and timestamps here, once: SQLite hands
# back text, psycopg values it has already decoded.
_BUSINESS_SQL = "SELECT code, parent, name, owner, status, version, updated_at, updated_by FROM zt_business"
_ENABLEMENT_SQL = ("SELECT business, plugin, enabled, config, priority, version, updated_at, updated_by, "
                   "rollout, experiment FROM zt_enablement")
_BUSINESSES_IN = text(_BUSINESS_SQL + " WHERE code IN :codes").bindparams(bindparam("codes", expanding=True))
_ENABLEMENTS_IN = text(_ENABLEMENT_SQL + " WHERE business IN :codes").bindparams(
    bindparam("codes", expanding=True))


_decode_json = json.JSONDecoder().raw_decode  # json.loads without its whitespace regexes (we wrote the text)


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return _decode_json(value)[0]
        except ValueError:
            return json.loads(value)  # leading whitespace: someone else wrote this row
    return json.loads(value) if isinstance(value, bytes) else value


def _time(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _businesses(rows: Iterable[Any]) -> list[Business]:
    return [Business(code, parent, name, owner, status, version, _time(at), by)
            for code, parent, name, owner, status, version, at, by in rows]


def _enablements(rows: Iterable[Any]) -> list[Enablement]:
    return [Enablement(business, plugin, bool(enabled), _json(config) or {}, priority, version, _time(at), by,
                       _json(rollout) if rollout is not None else None,
                       _json(experiment) if experiment is not None else None)
            for business, plugin, enabled, config, priority, version, at, by, rollout, experiment in rows]


def _fetch_all(session: Session, sql: str) -> list[Any]:
    """Every row of *sql* as plain tuples from the DBAPI cursor of the session's transaction."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start:start + _IN_CHUNK]


class Transaction:
    """Row operations inside one registry change; see :meth:`Registry.change`.

    Contract: business and enablement rows are changed through the ORM (these
    methods or the rows they return, never bulk Core statements), and each
    business whose rows change is named by an audit row (:meth:`record` with
    ``business=``).  A record with ``business=None`` names no business: it is
    for registry-wide changes (grants, the mode) that readers need not reload
    rows for.  :meth:`Registry.change` refuses a change that breaks this.
    """

    def __init__(self, session: Session, actor: str, revision: int) -> None:
        self.session = session
        self.actor = actor
        self.revision = revision
        self.audited = 0
        self.audited_businesses: set[str | None] = set()
        self._enablements: dict[tuple[str, str], EnablementRow | None] = {}  # read once per transaction

    # -- businesses ----------------------------------------------------------
    def business(self, code: str) -> BusinessRow | None:
        return self.session.get(BusinessRow, code)

    def require_business(self, code: str, *, expected_version: int | None = None) -> BusinessRow:
        """The row of business *code*; :class:`StaleWrite` if its version is not *expected_version*."""
        row = self.business(code)
        if row is None:
            raise NotFound(f"unknown business {code!r}")
        if expected_version is not None and row.version != expected_version:
            raise self.stale(code, None, row, expected_version)
        return row

    def add_business(self, code: str, parent: str | None, name: str, owner: str) -> BusinessRow:
        now = utcnow()
        row = BusinessRow(code=code, parent=parent, name=name, owner=owner, status="active",
                          created_at=now, updated_at=now, updated_by=self.actor)
        self.session.add(row)
        return row

    # -- enablements ---------------------------------------------------------
    def enablement(self, business: str, plugin: str) -> EnablementRow | None:
        """The row of *plugin* at *business* (read once; the write lock keeps it current)."""
        key = (business, plugin)
        if key not in self._enablements:
            self._enablements[key] = self.session.scalars(
                select(EnablementRow).where(EnablementRow.business == business, EnablementRow.plugin == plugin)
            ).first()
        return self._enablements[key]

    def put_enablement(
        self, business: str, plugin: str, *, enabled: bool, config: Mapping[str, Any], priority: int,
        expected_version: int | None = None,
    ) -> EnablementRow:
        """Create or overwrite the row of *plugin* at *business*.

        With *expected_version* (0: "there is no row yet") the write happens only
        if the row is still at that version, else :class:`StaleWrite` says who
        changed it and when.
        """
        from zhongtai.core.documents import check_stored_config

        check_stored_config(config, source=f"config of plugin {plugin!r} at {business}")
        self.expect_version(business, plugin, expected_version)
        row = self.enablement(business, plugin)
        now = utcnow()
        if row is None:
            row = self._enablements[(business, plugin)] = EnablementRow(business=business, plugin=plugin)
            self.session.add(row)
        row.enabled = enabled
        row.config = dict(config)
        row.priority = priority
        row.updated_at = now
        row.updated_by = self.actor
        return row

    def put_traffic(self, business: str, plugin: str, *, rollout: Mapping[str, Any] | object | None = ...,
                    experiment: Mapping[str, Any] | object | None = ...) -> EnablementRow:
        """Set (``None``: clear) the rollout and/or running experiment of *plugin*'s own row at *business*."""
        row = self.enablement(business, plugin)
        if row is None:
            raise NotFound(f"plugin {plugin!r} has no row at {business}")
        if rollout is not ...:
            row.rollout = dict(rollout) if isinstance(rollout, Mapping) else None
        if experiment is not ...:
            row.experiment = dict(experiment) if isinstance(experiment, Mapping) else None
        row.updated_at = utcnow()
        row.updated_by = self.actor
        return row

    def expect_version(self, business: str, plugin: str, expected_version: int | None) -> None:
        """:class:`StaleWrite` unless the row of *plugin* at *business* is at *expected_version* (0: no row).

        Check this before validating a change against the current rows: an edit
        based on an older version must be retried, not judged (e.g. "already
        enabled with this config" when someone else made the same edit).
        """
        if expected_version is None:
            return
        row = self.enablement(business, plugin)
        if (row.version if row is not None else 0) != expected_version:
            raise self.stale(business, plugin, row, expected_version)

    def remove_enablement(self, business: str, plugin: str) -> None:
        row = self.enablement(business, plugin)
        if row is not None:
            self.session.delete(row)
            self._enablements[(business, plugin)] = None

    def flush(self) -> None:
        """Write pending rows now (so their new ``version`` is known); still inside the transaction."""
        self.session.flush()

    def stale(self, business: str, plugin: str | None, row: Any, expected: int | None = None) -> StaleWrite:
        what = f"{plugin} at {business}" if plugin else f"business {business}"
        if row is None:
            return StaleWrite(f"{what} was removed meanwhile (you expected version {expected}); reload and retry")
        by = getattr(row, "updated_by", "") or "someone"
        at = getattr(row, "updated_at", None)
        when = f" at {at.isoformat(timespec='seconds')}" if at else ""
        versions = f" (now version {row.version}, you expected {expected})" if expected is not None else ""
        return StaleWrite(f"{what} was changed by {by}{when}{versions}; reload and retry")

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
        self.audited_businesses.add(business)

    def _check_complete(self) -> None:
        if self.audited == 0:
            raise RuntimeError("a registry change must record at least one audit row")
        unnamed = set(self.session.info.get("zt_touched", ())) - self.audited_businesses
        if unnamed:
            raise RuntimeError(f"a registry change wrote rows of {sorted(unnamed)} without an audit row naming them")


class Registry:
    """A zhongtai registry in one database (SQLite file or PostgreSQL through psycopg 3).

    :param create: create the schema in an empty database on first use (default).
    """

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self.url = url or default_url()
        self.engine = _make_engine(self.url)
        #: The same engine for write transactions that read first: on SQLite they begin with
        #: ``BEGIN IMMEDIATE``, taking the write lock (waiting up to the busy timeout) before
        #: their first read.  A deferred transaction that reads and then writes fails at once with
        #: "database is locked" when another connection committed in between -- SQLite cannot
        #: wait there.  Elsewhere the option changes nothing.
        self.write_engine = self.engine.execution_options(**{migrate.WRITE_OPTION: True})
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessions, "before_flush", _collect_touched)
        self._checked = False
        self._create = create
        self._watchers: list[RevisionWatcher] = []
        #: The SQLite file of this registry while it does not exist (see :meth:`absent`); else None.
        self._file = _sqlite_file(self.engine)
        self._blank: Engine | None = None  # an empty registry in memory, served to reads while absent

    def close(self) -> None:
        """Stop any watchers and close every pooled connection."""
        for watcher in self._watchers:
            watcher.stop()
        self._watchers.clear()
        self.engine.dispose()
        if self._blank is not None:
            self._blank.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def where(self) -> str:
        return safe_url(self.url)

    # -- schema --------------------------------------------------------------
    def absent(self) -> bool:
        """True while this registry is a SQLite file that does not exist yet.

        Reads then see an empty registry and create nothing (``zhongtai capabilities``
        in a fresh directory leaves no ``zhongtai.db`` behind); the first change
        creates the file.  Checked until the file exists, then never again.  A file in
        a directory that does not exist is not absent but unreachable (an error).
        """
        path = self._file
        if path is None:
            return False
        if path.exists():
            self._file = None
            return False
        return path.parent.is_dir()  # a directory that is not there is an error, said when connecting

    def _blank_sessions(self) -> sessionmaker[Session]:
        """Sessions on an empty registry in memory (created once): what reading an absent registry sees."""
        if self._blank is None:
            from sqlalchemy.pool import StaticPool

            blank = create_engine("sqlite://", poolclass=StaticPool)
            migrate.upgrade(blank, where="an empty registry", create_only=True)
            self._blank = blank
        return sessionmaker(self._blank, expire_on_commit=False)

    def schema_status(self) -> migrate.SchemaStatus:
        """Where this database stands against the installed migrations (an absent file: ``empty``)."""
        if self.absent():
            return migrate.SchemaStatus("empty", (), migrate.installed_revisions()[1])
        try:
            with self.engine.connect() as connection:
                return migrate.status(connection)
        except SQLAlchemyError as exc:
            raise RegistryError(self._failure(exc)) from None

    def ensure_schema(self) -> None:
        """Create the schema in an empty database; refuse one that is older, newer or not ours."""
        if self._checked:
            return
        status = self.schema_status()
        if status.state == "empty" and self._create:
            if self.dialect == "sqlite":
                _use_wal(self.engine)
            migrate.upgrade(self.engine, where=self.where, create_only=True)
        elif not status.usable:
            raise RegistryError(status.problem(self.where))
        elif self.dialect == "sqlite":
            _use_wal(self.engine)
        self._checked = True

    def upgrade(self, target: str = "heads") -> migrate.UpgradeResult:
        """Upgrade the schema (``zhongtai db upgrade``); see :func:`zhongtai.core.registry.migrate.upgrade`."""
        result = migrate.upgrade(self.engine, target, where=self.where)
        self._checked = False
        return result

    def _failure(self, exc: BaseException, *, writing: bool = False) -> str:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = detail[0] if detail else type(exc).__name__
        lowered = reason.lower()
        unchanged = "; nothing was changed" if writing else ""
        if "file is not a database" in lowered:
            return f"{self.where} is not a zhongtai registry: {reason}"
        if "readonly" in lowered.replace(" ", ""):
            return f"the registry at {self.where} is read-only: {reason}{unchanged}"
        if "locked" in lowered:
            return f"the registry at {self.where} is locked by another process: {reason}{unchanged}"
        if "disk" in lowered and "full" in lowered:
            return f"the registry at {self.where} could not be written (disk full?): {reason}{unchanged}"
        if isinstance(exc, OperationalError) and (
            self.dialect == "postgresql" or exc.connection_invalidated or "unable to open" in lowered
        ):
            return f"cannot reach the registry at {self.where}: {reason}{unchanged}"
        if writing:
            return f"the registry at {self.where} refused the change: {reason}{unchanged}"
        return f"cannot use the registry at {self.where}: {reason}"

    # -- reads ---------------------------------------------------------------
    @contextmanager
    def _reading(self, *, consistent: bool = False) -> Iterator[Session]:
        """A read-only session; *consistent*: every statement sees the same committed state."""
        if self.absent():  # nothing to read, and reading must not create the file
            with self._blank_sessions()() as blank:
                yield blank
            return
        self.ensure_schema()
        try:
            with self._sessions() as session:
                if consistent and self.dialect == "postgresql":
                    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                yield session
        except DBAPIError as exc:
            raise RegistryError(self._failure(exc)) from None

    def session(self) -> AbstractContextManager[Session]:
        """A read-only session for packages that keep their own rows in the registry database.

        Database errors surface as :class:`RegistryError`; write through :meth:`change`.
        """
        return self._reading()

    def revision(self) -> int:
        with self._reading() as session:
            return int(session.scalar(select(RegistryState.revision).where(RegistryState.id == 1)) or 0)

    def mode(self) -> str:
        with self._reading() as session:
            return str(session.scalar(select(RegistryState.mode).where(RegistryState.id == 1)))

    def snapshot(self) -> Snapshot:
        """Every business and enablement, read in one consistent transaction."""
        with self._reading(consistent=True) as session:
            return self._load(session, *self._state(session))

    def refreshed(self, old: Snapshot) -> Refresh:
        """The registry now, reading only what changed since *old* when the audit log allows it.

        Returns *old* itself (and no touched businesses) when nothing moved.
        """
        with self._reading(consistent=True) as session:
            revision, mode = self._state(session)
            if revision == old.revision and mode == old.mode:
                return Refresh(old, frozenset())
            window = self._touched_since(session, old.revision, revision)
            if window is None:
                return Refresh(self._load(session, revision, mode), None)
            touched, allowances_changed = window
            codes = sorted(touched)
            businesses: dict[str, Business | None] = dict.fromkeys(codes)
            enablements: dict[str, list[Enablement]] = {code: [] for code in codes}
            for chunk in _chunks(codes):
                for business in _businesses(session.execute(_BUSINESSES_IN, {"codes": list(chunk)})):
                    businesses[business.code] = business
                rows = session.execute(_ENABLEMENTS_IN, {"codes": list(chunk)})
                for enablement in _enablements(rows):
                    enablements[enablement.business].append(enablement)
            allowances = self._allowances(session) if allowances_changed else None
            return Refresh(old.updated(revision, mode, businesses, enablements, allowances), frozenset(touched))

    def _state(self, session: Session) -> tuple[int, str]:
        state = session.execute(
            select(RegistryState.revision, RegistryState.mode).where(RegistryState.id == 1)).one()
        return int(state.revision), str(state.mode)

    def _load(self, session: Session, revision: int, mode: str) -> Snapshot:
        businesses = _businesses(_fetch_all(session, _BUSINESS_SQL))
        enablements = _enablements(_fetch_all(session, _ENABLEMENT_SQL))
        return Snapshot(revision, businesses, enablements, mode, self._allowances(session))

    def _allowances(self, session: Session) -> Allowances:
        """Every allow-list row (a few per business at most: read whole)."""
        secrets: dict[str, set[str]] = {}
        for business, name in session.execute(select(SecretAllowRow.business, SecretAllowRow.name)):
            secrets.setdefault(business, set()).add(name)
        networks: dict[str, list[str]] = {}
        for business, target in session.execute(select(NetworkAllowRow.business, NetworkAllowRow.target)):
            networks.setdefault(business, []).append(target)
        return Allowances({k: frozenset(v) for k, v in secrets.items()},
                          {k: tuple(sorted(v)) for k, v in networks.items()})

    def _touched_since(self, session: Session, old: int, new: int) -> tuple[set[str], bool] | None:
        """Businesses named by the audit rows of revisions (old, new], and whether an allow-list changed.

        ``None`` if the audit rows cannot be trusted to tell.
        """
        if not 0 <= old < new or new - old > INCREMENTAL_LIMIT:
            return None
        rows = session.execute(
            select(AuditRow.revision, AuditRow.business, AuditRow.action)
            .where(AuditRow.revision > old, AuditRow.revision <= new)
        ).all()
        revisions = {row.revision for row in rows}
        businesses = {row.business for row in rows if row.business is not None}  # None: no business rows
        if len(revisions) != new - old or len(businesses) > INCREMENTAL_LIMIT:
            return None  # pruned audit rows, or simply too much
        return businesses, any(row.action in ALLOWANCE_ACTIONS for row in rows)

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
                session.connection(execution_options={migrate.WRITE_OPTION: True})
                revision = session.execute(
                    update(RegistryState).where(RegistryState.id == 1)
                    .values(revision=RegistryState.revision + 1, changed_at=utcnow())
                    .returning(RegistryState.revision)
                ).scalar_one()
                tx = Transaction(session, actor, int(revision))
                yield tx
                session.flush()
                tx._check_complete()
        except DBAPIError as exc:
            raise RegistryError(self._failure(exc, writing=True)) from None
        except StaleDataError:
            raise StaleWrite("the row was changed by someone else meanwhile; reload and retry") from None
        finally:
            session.close()

    # -- notifications -------------------------------------------------------
    def watch(self, on_change: Callable[[int | None], None]) -> RevisionWatcher | None:
        """Call *on_change(revision)* from a background thread whenever the revision moves.

        PostgreSQL only (``LISTEN``); returns ``None`` where the database cannot
        notify (SQLite): callers then rely on checking :meth:`revision`.
        ``on_change(None)`` means "(re)connected: changes may have been missed".
        The watcher holds its callback weakly and stops with :meth:`close`.
        """
        if self.dialect != "postgresql" or self.engine.dialect.driver != "psycopg":
            return None
        self.ensure_schema()
        cargs, cparams = self.engine.dialect.create_connect_args(self.engine.url)
        params = {**_PG_CONNECT_DEFAULTS, **cparams}
        watcher = RevisionWatcher(tuple(cargs), params, on_change, where=self.where)
        self._watchers.append(watcher)
        watcher.start()
        return watcher
