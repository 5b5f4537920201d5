"""Schema versions of a registry: running and checking the alembic migrations.

**One source of truth.**  The schema version of a registry is its
``alembic_version`` table: one row per branch head.  The revisions a running
zhongtai understands are the revision scripts installed with it -- the core's
(``migrations/versions``, branch ``core``) plus those of every installed package
that registers a directory under the ``zhongtai.migrations`` entry-point group::

    [project.entry-points."zhongtai.migrations"]
    notifiers = "zhongtai.plugins.notifiers.migrations"   # a package of revision files

A package's first revision starts its own branch (``down_revision = None``,
``branch_labels = ("notifiers",)``) and names the core revision whose tables it
needs in ``depends_on`` (e.g. ``"core_0001"``); ``zhongtai db upgrade`` then
applies every branch to its head, in dependency order, in one transaction.

A registry is usable only when its heads are exactly the installed heads
(:func:`status`): an *older* registry is refused with "run ``zhongtai db
upgrade``", a *newer* one (holding revisions nobody installed here) is refused
outright.  A database with no tables but ``zt_*`` ones (a package may have
created its own first) is *empty* and may be created by upgrading; one with
other tables is *foreign* and never touched; one made before migrations existed
(zhongtai 0.1: a state row with ``schema_version`` 1 and no ``alembic_version``)
is *legacy* and is stamped with the baseline revision before upgrading, so it
upgrades in place.

Every upgrade runs in one transaction under a lock (a PostgreSQL advisory lock,
SQLite's ``BEGIN IMMEDIATE``): processes that start together against an empty
database create it once, and a failed upgrade leaves the schema untouched.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import io
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import attrs
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from zhongtai.core.errors import RegistryError

if TYPE_CHECKING:  # alembic is imported only when a schema is checked or changed
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_GROUP = "zhongtai.migrations"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
CORE_VERSIONS = MIGRATIONS_DIR / "versions"
#: The revision that creates exactly the schema of zhongtai 0.1 (``schema_version`` 1).
BASELINE = "core_0001"
VERSION_TABLE = "alembic_version"
#: ``pg_advisory_xact_lock`` key held while migrating ("zhongtai" in ASCII).
_PG_LOCK_KEY = 0x7A686F6E67746169
#: Execution option that makes SQLite begin with ``BEGIN IMMEDIATE`` (see ``store._sqlite_begin``).
WRITE_OPTION = "zhongtai_write"

State = Literal["empty", "legacy", "current", "older", "newer", "foreign"]


@attrs.frozen
class SchemaStatus:
    """Where a database stands against the installed migrations."""

    state: State
    current: tuple[str, ...]  # the database's alembic heads (empty for empty/legacy/foreign)
    heads: tuple[str, ...]  # the installed heads
    unknown: tuple[str, ...] = ()  # database revisions no installed script defines

    @property
    def usable(self) -> bool:
        return self.state == "current"

    def problem(self, where: str) -> str:
        """The one-line reason *where* (a safe URL) cannot be used as it is."""
        heads = ", ".join(self.heads)
        if self.state == "empty":
            return f"{where} has no zhongtai registry; run `zhongtai db upgrade` to create one"
        if self.state == "legacy":
            return (f"the registry at {where} was made before schema migrations; "
                    "run `zhongtai db upgrade` to upgrade it in place")
        if self.state == "older":
            return (f"the registry schema at {where} ({', '.join(self.current)}) is older than this "
                    f"zhongtai needs ({heads}); run `zhongtai db upgrade`")
        if self.state == "newer":
            return (f"the registry schema at {where} is newer than this zhongtai understands: it has "
                    f"migration {', '.join(self.unknown)}, which is not installed here (installed heads: "
                    f"{heads}); upgrade zhongtai or install the package that provides it")
        if self.state == "foreign":
            return f"{where} is not a zhongtai registry (it has other tables)"
        return f"the registry at {where} is up to date ({heads})"


@attrs.frozen
class RevisionInfo:
    """One installed revision script, for ``zhongtai db history``."""

    revision: str
    down_revisions: tuple[str, ...]
    branches: tuple[str, ...]
    message: str
    is_head: bool


@attrs.frozen
class UpgradeResult:
    before: SchemaStatus
    after: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.before.current != self.after


# -- where the revision scripts are -----------------------------------------------------
def version_locations() -> list[str]:
    """The core's revision directory, then each installed package's, by entry-point name."""
    locations = [str(CORE_VERSIONS)]
    entries = sorted(importlib.metadata.entry_points(group=MIGRATIONS_GROUP), key=lambda ep: ep.name)
    for entry in entries:
        locations.append(_package_dir(entry.name, entry.value))
    return locations


def _package_dir(name: str, package: str) -> str:
    try:
        spec = importlib.util.find_spec(package)
    except Exception as exc:  # noqa: BLE001 - a broken parent package, a bad name ...
        raise RegistryError(f"migrations {name!r} ({package}) cannot be found: {exc}") from None
    if spec is None or not spec.submodule_search_locations:
        raise RegistryError(f"migrations {name!r} ({package}) is not an installed package of revision files")
    return str(next(iter(spec.submodule_search_locations)))


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config(output_buffer=io.StringIO(), stdout=io.StringIO())
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(version_locations()).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(_config())
    except CommandError as exc:  # e.g. two packages claiming one revision id, a broken down_revision
        raise RegistryError(f"the installed migrations are inconsistent: {exc}") from None


def history() -> list[RevisionInfo]:
    """Every installed revision, newest first."""
    scripts = _scripts()
    heads = set(scripts.get_heads())
    result = []
    for script in scripts.walk_revisions():
        down = script.down_revision
        downs = () if down is None else ((down,) if isinstance(down, str) else tuple(down))
        result.append(RevisionInfo(
            revision=script.revision, down_revisions=downs, branches=tuple(sorted(script.branch_labels)),
            message=(script.doc or "").strip().splitlines()[0] if script.doc else "",
            is_head=script.revision in heads,
        ))
    return result


# -- where a database stands -------------------------------------------------------------
def status(connection: Connection) -> SchemaStatus:
    """Compare the database behind *connection* with the installed revisions."""
    known, heads = installed_revisions()
    tables = set(inspect(connection).get_table_names())
    current: tuple[str, ...] = ()
    if VERSION_TABLE in tables:
        rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        current = tuple(sorted(str(row) for row in rows))
    if not current:
        if "zt_registry_state" in tables:
            return SchemaStatus("legacy" if _legacy_version(connection) == 1 else "foreign", (), heads)
        # zt_* tables without a registry: a package created its own tables first -- still ours to create
        others = {t for t in tables if t != VERSION_TABLE and not t.startswith("zt_")}
        return SchemaStatus("foreign" if others else "empty", (), heads)
    unknown = [revision for revision in current if revision not in known]
    if unknown:
        return SchemaStatus("newer", current, heads, tuple(unknown))
    return SchemaStatus("current" if current == heads else "older", current, heads)


def installed_revisions() -> tuple[frozenset[str], tuple[str, ...]]:
    """Every installed revision id, and the heads.

    Read from the scripts' literal ``revision``/``down_revision`` assignments
    without importing alembic (a CLI command or a service start would pay
    ~0.2 s for it); anything unusual -- a computed id -- defers to alembic.
    """
    downs: dict[str, tuple[str, ...]] = {}
    for location in version_locations():
        for path in sorted(Path(location).glob("*.py")):
            found = _literal_ids(path)
            if found is None:
                scripts = _scripts()
                return (frozenset(s.revision for s in scripts.walk_revisions()),
                        tuple(sorted(scripts.get_heads())))
            if found:
                revision, down = found
                downs[revision] = down
    referenced = {down for values in downs.values() for down in values}
    return frozenset(downs), tuple(sorted(set(downs) - referenced))


def _literal_ids(path: Path) -> tuple[str, tuple[str, ...]] | Literal[False] | None:
    """``(revision, down_revisions)`` of a revision script; False: not a script; None: not literal.

    Cached per file version; parsed under a lock, because CPython 3.11's ``ast``
    is not safe to use from several threads at once (registries opened in
    parallel threads hit "AST constructor recursion depth mismatch").
    """
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _AST_LOCK:
        if key not in _LITERAL_IDS:
            _LITERAL_IDS[key] = _parse_ids(path)
        return _LITERAL_IDS[key]


_AST_LOCK = threading.Lock()
_LITERAL_IDS: dict[tuple[str, int, int], tuple[str, tuple[str, ...]] | Literal[False] | None] = {}


def _parse_ids(path: Path) -> tuple[str, tuple[str, ...]] | Literal[False] | None:
    values: dict[str, object] = {}
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in tree.body:
            target = node.target if isinstance(node, ast.AnnAssign) else (
                node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
            value = getattr(node, "value", None)
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision") and value is not None:
                values[target.id] = ast.literal_eval(value)
    except (OSError, SyntaxError, ValueError):
        return None
    revision, down = values.get("revision"), values.get("down_revision")
    if revision is None:
        return False
    if not isinstance(revision, str):
        return None
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
        return revision, tuple(down)
    return None


def _legacy_version(connection: Connection) -> int | None:
    try:
        with connection.begin_nested():
            value = connection.execute(text("SELECT schema_version FROM zt_registry_state WHERE id = 1")).scalar()
    except SQLAlchemyError:
        return None
    return int(value) if value is not None else None


# -- changing it ---------------------------------------------------------------------------
def _check_target(target: str, where: str) -> None:
    """Refuse a *target* that names no installed revision (alembic asserts on some, e.g. ``""``)."""
    if target in ("head", "heads"):
        return
    try:
        if not target.strip():
            raise ValueError("empty")
        _scripts().get_revisions(target)
    except RegistryError:
        raise
    except Exception:  # noqa: BLE001 - alembic's resolution errors differ by input (KeyError, AssertionError, ...)
        raise RegistryError(f"cannot upgrade {where} to {target!r}: no such revision (see `zhongtai db history`); "
                            "nothing was changed") from None


def upgrade(
    engine: Engine, target: str = "heads", *, where: str = "the registry", create_only: bool = False,
) -> UpgradeResult:
    """Upgrade the database to *target* (default: every installed head) in one locked transaction.

    Raises :class:`RegistryError` for a newer or foreign database, an unknown
    target, or a failed migration -- in every case nothing is changed.
    *create_only*: only create a registry in an empty database (a no-op if a
    concurrent process just did); refuse anything else with its problem.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.util import CommandError

    _check_target(target, where)
    try:
        with engine.connect() as plain:
            connection = plain.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
                before = status(connection)
                refused = ("newer", "foreign") if not create_only else ("newer", "foreign", "older", "legacy")
                if before.state in refused:
                    raise RegistryError(before.problem(where))
                if before.state == "legacy":
                    MigrationContext.configure(connection).stamp(_scripts(), BASELINE)
                command.upgrade(_config(connection), target)
                after = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    except CommandError as exc:
        raise RegistryError(f"cannot upgrade {where} to {target!r}: {exc}; nothing was changed") from None
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = detail[0] if detail else type(exc).__name__
        raise RegistryError(f"upgrading {where} failed: {reason}; nothing was changed") from None
    return UpgradeResult(before, after)
