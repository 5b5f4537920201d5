"""The notifiers' and verification's tables live on alembic branches of their own.

A registry whose package tables were made by ``create_all`` (before the packages
had migrations) is refused until ``zhongtai db upgrade``, which adopts those
tables in place: every row stays, and the result is the schema a fresh registry gets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from tests.helpers.registry_rows import all_rows, schema_diff
from tests.registry import legacy_package_models as legacy
from zhongtai.core.cli.main import cli
from zhongtai.core.errors import RegistryError
from zhongtai.core.registry import migrate
from zhongtai.core.registry.store import Registry
from zhongtai.plugins.notifiers import models as notifier_models
from zhongtai.plugins.verification import models as verification_models

HEADS = migrate.installed_revisions()[1]
PACKAGE_TABLES = sorted([*legacy.NotifierBase.metadata.tables, *legacy.VerificationBase.metadata.tables])
WHEN = dt.datetime(2026, 11, 30, 8, 0, 0)


def _package_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of today's package tables, as today's columns (later revisions may add columns)."""
    tables = {**legacy.NotifierBase.metadata.tables, **legacy.VerificationBase.metadata.tables}
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: sorted(tuple(map(repr, row)) for row in connection.execute(
                        text(f"SELECT {', '.join(c.name for c in table.columns)} FROM {name}")))
                    for name, table in sorted(tables.items())}
    finally:
        engine.dispose()


def _registry_with_todays_package_tables(url: str) -> None:
    """A core registry at its head, plus notifier/verification tables and rows as create_all made them."""
    registry = Registry(url, create=False)
    registry.upgrade("core@head")
    registry.close()
    engine = create_engine(url)
    with engine.begin() as connection:
        legacy.NotifierBase.metadata.create_all(connection)
        legacy.VerificationBase.metadata.create_all(connection)
        insert = [
            ("zt_notify_outbox", {
                "id": "m1", "business": "edu", "kind": "marketing", "state": "sent",
                "recipient": '{"phone": "+8613800000000", "user_id": "u1"}', "subject": "", "body": "你好",
                "template": "welcome", "variables": '{"name": "张"}', "headers": "{}", "idempotency_key": "k1",
                "send_after": None, "due_at": WHEN, "attempts": 1, "claimed_by": None, "claimed_until": None,
                "reason": "", "created_at": WHEN, "updated_at": WHEN}),
            ("zt_notify_attempt", {
                "id": 1, "message_id": "m1", "number": 1, "channel": "notifiers.sms", "status": "sent",
                "provider_response": "ok", "error": "", "worker": "w1", "at": WHEN}),
            ("zt_notify_optout", {"business": "edu", "address": "+8613900000000", "source": "sms",
                                  "created_at": WHEN}),
            ("zt_notify_rate", {"key": "edu:marketing", "window_start": WHEN, "count": 7}),
            ("zt_notify_inbox", {
                "id": 1, "business": "edu", "user_id": "u1", "message_id": "m1", "kind": "marketing",
                "subject": "", "body": "你好", "created_at": WHEN, "read_at": None}),
            ("zt_verification_session", {
                "id": "s1", "business": "edu", "flow": "login", "status": "open", "reason": "", "position": 0,
                "subject": '{"phone": "138****0000"}', "facts": "{}", "created_at": WHEN, "updated_at": WHEN,
                "expires_at": WHEN, "version": 1}),
            ("zt_verification_step", {
                "session_id": "s1", "position": 0, "component": "sms_code", "status": "pending", "attempts": 0,
                "shown": "138****0000", "reason": "", "code_digest": "ab" * 32, "code_expires_at": WHEN,
                "code_sent_at": WHEN, "sends": 1, "completed_at": None}),
            ("zt_verification_attempt", {
                "id": 1, "session_id": "s1", "position": 0, "component": "sms_code", "at": WHEN,
                "outcome": "sent", "reason": "", "shown": "138****0000"}),
            ("zt_verification_replay", {"key": "totp:u1", "counter": 2**40, "updated_at": WHEN}),
        ]
        for table, row in insert:
            columns = ", ".join(row)
            values = ", ".join(f":{name}" for name in row)
            connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)
    engine.dispose()


def test_the_package_baselines_create_exactly_the_tables_create_all_made(registry_url):
    registry = Registry(registry_url, create=False)
    registry.upgrade("notifiers_0001")
    registry.upgrade("verification_0001")
    registry.close()
    assert schema_diff(registry_url, legacy.NotifierBase.metadata) == []
    assert schema_diff(registry_url, legacy.VerificationBase.metadata) == []


def test_a_new_registry_gets_the_package_tables_as_the_models_describe_them(registry_url):
    registry = Registry(registry_url)
    registry.ensure_schema()
    assert registry.schema_status().current == HEADS
    registry.close()
    assert {head.split("_")[0] for head in HEADS} >= {"core", "notifiers", "verification"}
    assert schema_diff(registry_url, notifier_models.metadata) == []
    assert schema_diff(registry_url, verification_models.metadata) == []


def test_todays_package_tables_and_rows_are_upgraded_in_place_without_loss(registry_url, make_platform):
    _registry_with_todays_package_tables(registry_url)
    before = _package_rows(registry_url)
    assert all(before[name] for name in PACKAGE_TABLES)

    with pytest.raises(RegistryError, match=r"older .* run `zhongtai db upgrade`"):
        Registry(registry_url).revision()

    result = CliRunner().invoke(cli, ["--database-url", registry_url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert _package_rows(registry_url) == before  # nothing lost, nothing rewritten
    registry = Registry(registry_url)
    assert registry.schema_status().state == "current"
    registry.close()
    assert schema_diff(registry_url, notifier_models.metadata) == []
    assert schema_diff(registry_url, verification_models.metadata) == []

    # the adopted rows are read through the packages' own APIs
    from zhongtai.plugins.notifiers.outbox import message

    platform = make_platform(registry_url, discover=False)
    info = message(platform, "m1")
    assert (info.state, info.body, info.business) == ("sent", "你好", "edu")


def test_an_existing_table_that_is_not_the_expected_one_stops_the_upgrade_and_changes_nothing(registry_url):
    registry = Registry(registry_url, create=False)
    registry.upgrade("core@head")
    registry.close()
    engine = create_engine(registry_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE zt_notify_outbox (id VARCHAR(40) PRIMARY KEY, other TEXT)"))
    engine.dispose()
    before = all_rows(registry_url)

    result = CliRunner().invoke(cli, ["--database-url", registry_url, "db", "upgrade"])
    assert result.exit_code != 0
    assert "zt_notify_outbox exists but is not the notifier table" in result.output
    assert "Traceback" not in result.output
    assert all_rows(registry_url) == before
    assert "zt_notify_attempt" not in inspect(create_engine(registry_url)).get_table_names()
