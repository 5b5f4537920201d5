"""Schema migrations: create, upgrade in place without losing rows, refuse what we do not understand."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from tests.helpers.registry_rows import all_rows, schema_diff
from tests.registry.legacy_models import LegacyBase, create_legacy_registry
from tests.registry.plugins import add_price_plugin, price
from zhongtai.core.cli.main import cli
from zhongtai.core.errors import RegistryError
from zhongtai.core.registry import migrate
from zhongtai.core.registry.models import Base
from zhongtai.core.registry.store import Registry

#: What this installation's migrations end at (the core head, plus any installed package's heads).
HEADS = migrate.installed_revisions()[1]
HEAD = ", ".join(HEADS)


def _diff(url: str, metadata: Any) -> list[Any]:
    return schema_diff(url, metadata)


def _seed_at_baseline(url: str) -> None:
    """Rows as zhongtai 0.1 wrote them (through its schema, revision 3)."""
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE zt_registry_state SET revision = 3"))
        for code, parent in (("edu", None), ("edu.k12", "edu")):
            connection.execute(text(
                "INSERT INTO zt_business (code, parent, name, owner, status, version, created_at, updated_at,"
                " updated_by) VALUES (:code, :parent, :code, 'team', 'active', 1, :now, :now, 'alice')"),
                {"code": code, "parent": parent, "now": now})
        connection.execute(text(
            "INSERT INTO zt_enablement (business, plugin, enabled, config, priority, version, updated_at, updated_by)"
            " VALUES ('edu', 'price', true, '{\"amount\": \"12.50\"}', 0, 1, :now, 'alice')"), {"now": now})
        for revision, action, business in ((1, "business.create", "edu"), (2, "business.create", "edu.k12"),
                                           (3, "plugin.enable", "edu")):
            connection.execute(text(
                "INSERT INTO zt_audit (revision, at, actor, action, business, plugin, before, after, note)"
                " VALUES (:revision, :now, 'alice', :action, :business, NULL, NULL, NULL, '')"),
                {"revision": revision, "now": now, "action": action, "business": business})
    engine.dispose()


def _business_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    rows = all_rows(url)
    return {name: rows[name] for name in ("zt_business", "zt_enablement", "zt_audit")}


def _kept(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> bool:
    """Every old row is still there with its old columns' values (later migrations may add columns)."""
    assert {name: len(rows) for name, rows in after.items()} == {name: len(rows) for name, rows in before.items()}
    return {name: [row[:len(old)] for row, old in zip(rows, before[name])] for name, rows in after.items()} == before


def test_installed_revisions_read_without_alembic_agree_with_alembic():
    scripts = migrate._scripts()
    known, heads = migrate.installed_revisions()
    assert known == {script.revision for script in scripts.walk_revisions()}
    assert heads == tuple(sorted(scripts.get_heads()))
    assert scripts.get_revision("core@head").revision in heads


def test_an_empty_database_is_created_at_the_head_and_matches_the_models(registry_url):
    registry = Registry(registry_url)
    try:
        registry.ensure_schema()
        status = registry.schema_status()
    finally:
        registry.close()
    assert (status.state, status.current, status.heads) == ("current", HEADS, HEADS)
    assert _diff(registry_url, Base.metadata) == []


def test_the_baseline_migration_creates_exactly_the_schema_of_zhongtai_0_1(registry_url):
    registry = Registry(registry_url, create=False)
    registry.upgrade("core_0001")
    registry.close()
    assert _diff(registry_url, LegacyBase.metadata) == []


def test_a_registry_at_the_first_migration_upgrades_in_place_without_losing_rows(registry_url, make_platform):
    registry = Registry(registry_url, create=False)
    registry.upgrade("core_0001")
    _seed_at_baseline(registry_url)
    before = _business_rows(registry_url)

    with pytest.raises(RegistryError, match=r"older .* run `zhongtai db upgrade`"):
        Registry(registry_url).snapshot()

    result = registry.upgrade()
    registry.close()
    assert (result.before.current, result.after) == (("core_0001",), HEADS)
    assert _kept(before, _business_rows(registry_url))

    platform = make_platform(registry_url, discover=False)
    add_price_plugin(platform)
    assert platform.snapshot.revision == 3
    assert price(platform, "edu.k12") == Decimal("12.50")
    report = platform.enable("price", "edu.k12", config={"amount": "9"}, actor="bob")
    assert report.revision == 4
    assert price(platform, "edu.k12") == Decimal("9")


def test_a_registry_made_before_migrations_is_refused_then_upgraded_in_place(registry_url, make_platform):
    engine = create_engine(registry_url)
    with engine.begin() as connection:
        create_legacy_registry(connection)
    engine.dispose()
    _seed_at_baseline(registry_url)
    before = _business_rows(registry_url)

    with pytest.raises(RegistryError, match=r"before schema migrations; run `zhongtai db upgrade`"):
        Registry(registry_url).snapshot()

    result = CliRunner().invoke(cli, ["--database-url", registry_url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"from zhongtai 0.1 (before migrations) to {HEAD}" in result.output
    assert _kept(before, _business_rows(registry_url))
    assert _diff(registry_url, Base.metadata) == []
    platform = make_platform(registry_url, discover=False)
    add_price_plugin(platform)
    assert price(platform, "edu") == Decimal("12.50")


def test_a_newer_registry_is_refused_by_the_runtime_and_by_upgrade(registry_url):
    Registry(registry_url).ensure_schema()
    engine = create_engine(registry_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'core_9999' WHERE version_num LIKE 'core%'"))
    engine.dispose()

    with pytest.raises(RegistryError, match=r"newer than this zhongtai understands: it has migration core_9999"):
        Registry(registry_url).revision()
    upgrade = CliRunner().invoke(cli, ["--database-url", registry_url, "db", "upgrade"])
    assert upgrade.exit_code == 1 and "newer than this zhongtai understands" in upgrade.output
    current = CliRunner().invoke(cli, ["--database-url", registry_url, "db", "current"])
    assert current.exit_code == 1 and "state:     newer" in current.output


def test_a_database_with_other_tables_is_not_taken_over(registry_url):
    engine = create_engine(registry_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(RegistryError, match="is not a zhongtai registry"):
        Registry(registry_url).ensure_schema()
    assert set(inspect(create_engine(registry_url)).get_table_names()) == {"invoices"}


def test_tables_a_package_created_first_do_not_stop_the_registry_being_created(registry_url):
    engine = create_engine(registry_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE zt_test_outbox (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    Registry(registry_url).ensure_schema()
    assert {"zt_test_outbox", "zt_registry_state"} <= set(inspect(create_engine(registry_url)).get_table_names())


def test_db_commands_report_where_the_registry_stands(registry_url):
    runner = CliRunner()
    empty = runner.invoke(cli, ["--database-url", registry_url, "db", "current"])
    assert empty.exit_code == 1 and "has no zhongtai registry; run `zhongtai db upgrade`" in empty.output
    created = runner.invoke(cli, ["--database-url", registry_url, "db", "upgrade", "--to", "core_0002"])
    assert created.exit_code == 0 and "Created the registry" in created.output
    older = runner.invoke(cli, ["--database-url", registry_url, "db", "current", "--json"])
    assert older.exit_code == 1 and '"state": "older"' in older.output
    upgraded = runner.invoke(cli, ["--database-url", registry_url, "db", "upgrade"])
    assert upgraded.exit_code == 0 and f"from core_0002 to {HEAD}" in upgraded.output
    again = runner.invoke(cli, ["--database-url", registry_url, "db", "upgrade"])
    assert again.exit_code == 0 and f"already at {HEAD}" in again.output
    history = runner.invoke(cli, ["db", "history"])
    assert history.exit_code == 0
    listed = [line.split()[0] for line in history.output.splitlines()[1:]]
    core = [revision for revision in listed if revision.startswith("core_")]
    assert listed[0] in HEADS and core[-3:] == ["core_0003", "core_0002", "core_0001"]


def test_processes_starting_together_on_an_empty_database_create_it_once(registry_url):
    errors: list[BaseException] = []

    def start() -> None:
        registry = Registry(registry_url)
        try:
            registry.ensure_schema()
            registry.revision()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            registry.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    rows = all_rows(registry_url)
    assert len(rows["zt_registry_state"]) == 1 and len(rows["alembic_version"]) == len(HEADS)  # one per branch


# -- packages with tables of their own ---------------------------------------------------------
_OUTBOX = '''
"""Outbox table of a test package."""
import sqlalchemy as sa
from alembic import op

revision = "ztoutbox_0001"
down_revision = None
branch_labels = ("ztoutbox",)
depends_on = "core_0001"


def upgrade():
    op.create_table("zt_test_outbox", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("business", sa.String(128), sa.ForeignKey("zt_business.code")))


def downgrade():
    op.drop_table("zt_test_outbox")
'''

_BROKEN = '''
"""A revision that fails half way."""
import sqlalchemy as sa
from alembic import op

revision = "ztbroken_0001"
down_revision = None
branch_labels = ("ztbroken",)
depends_on = "core_0003"


def upgrade():
    op.create_table("zt_test_broken", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("SELECT * FROM no_such_table")
'''


def _install_migrations(tmp_path: Path, name: str, revision_file: str, body: str) -> Path:
    from tests.helpers.distributions import build_and_install

    package = f"zt_{name}_migrations"
    return build_and_install(
        tmp_path / f"build-{name}", tmp_path / f"site-{name}", f"zt-{name}",
        {f"{package}/__init__.py": "", f"{package}/{revision_file}": body},
        entry_points={migrate.MIGRATIONS_GROUP: {name: package}},
    )


@pytest.mark.slow
def test_an_installed_package_adds_its_own_branch(registry_url, tmp_path, monkeypatch):
    Registry(registry_url).ensure_schema()  # a registry made before the package was installed
    site = _install_migrations(tmp_path, "outbox", "ztoutbox_0001.py", _OUTBOX)
    monkeypatch.syspath_prepend(str(site))

    with pytest.raises(RegistryError, match=r"older .* run `zhongtai db upgrade`"):
        Registry(registry_url).revision()
    history = CliRunner().invoke(cli, ["db", "history"])
    assert "ztoutbox_0001" in history.output and "ztoutbox" in history.output
    registry = Registry(registry_url)
    result = registry.upgrade()
    assert result.after == tuple(sorted((*HEADS, "ztoutbox_0001")))
    assert migrate.installed_revisions()[1] == result.after
    registry.revision()
    registry.close()
    assert "zt_test_outbox" in inspect(create_engine(registry_url)).get_table_names()

    monkeypatch.undo()  # the package is uninstalled: its revision is unknown here
    with pytest.raises(RegistryError, match="it has migration ztoutbox_0001, which is not installed here"):
        Registry(registry_url).revision()


@pytest.mark.slow
def test_a_failing_migration_changes_nothing(registry_url, tmp_path, monkeypatch):
    site = _install_migrations(tmp_path, "broken", "ztbroken_0001.py", _BROKEN)
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(RegistryError, match=r"failed: .*no_such_table.*; nothing was changed"):
        Registry(registry_url).ensure_schema()
    assert inspect(create_engine(registry_url)).get_table_names() == []


def test_every_migration_branch_ends_in_exactly_one_head():
    """Two revisions revising the same parent in one branch would leave it with two heads: `db upgrade` would
    then need a merge revision nobody wrote.  Each branch (core and each package's) must end in one head."""
    scripts = migrate._scripts()
    labels = {label for base in scripts.get_bases() for label in scripts.get_revision(base).branch_labels}
    assert "core" in labels and len(labels) >= 2, labels
    for label in sorted(labels):
        heads = scripts.revision_map.get_revisions(f"{label}@heads")
        assert len(heads) == 1, (label, [head.revision for head in heads])
    assert len(scripts.get_heads()) == len(labels)
