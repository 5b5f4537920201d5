"""API tokens (``zhongtai access tokens``): shown once, stored hashed, scoped, revocable, expiring, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from tests.helpers.registry_rows import all_rows
from zhongtai.core import tokens
from zhongtai.core.cli.main import cli
from zhongtai.core.errors import NotFound, PermissionDenied, Unauthenticated, UserError


@pytest.fixture
def zt(sqlite_url, monkeypatch):
    monkeypatch.setenv("ZHONGTAI_PLUGIN_PATH", "")
    runner = CliRunner()

    def run(actor, *args):
        return runner.invoke(cli, ["--database-url", sqlite_url, "--as", actor, *args])

    return run


def _platform(url, make_platform):
    return make_platform(url, discover=False)


def test_create_shows_the_secret_once_and_stores_only_its_hash(zt, sqlite_url, make_platform):
    assert zt("boot", "business", "create", "edu").exit_code == 0
    created = zt("boot", "access", "tokens", "create", "--business", "edu", "--scope", "call", "--expires", "90d",
                 "--name", "h5")
    assert created.exit_code == 0, created.output
    bearer = created.output.strip().splitlines()[-1]
    assert bearer.startswith("zt_")
    token_id, secret = tokens.split_bearer(bearer)
    engine = create_engine(sqlite_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM zt_token")).mappings().all()
    engine.dispose()
    assert len(rows) == 1 and rows[0]["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps([dict(r) for r in rows], default=str)
    listing = zt("boot", "access", "tokens", "list", "--json")
    assert secret not in listing.output and "secret_hash" not in listing.output
    [row] = json.loads(listing.output)
    assert (row["id"], row["name"], row["business"], row["scope"], row["state"]) == (token_id, "h5", "edu", "call",
                                                                                    "active")
    expires = dt.datetime.fromisoformat(row["expires_at"])
    assert dt.timedelta(days=89) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=90)

    platform = _platform(sqlite_url, make_platform)
    assert tokens.verify(platform.registry, bearer).id == token_id
    with pytest.raises(Unauthenticated):
        tokens.verify(platform.registry, bearer[:-2] + "xx")
    audit = zt("boot", "audit", "--json")
    assert '"token.create"' in audit.output and secret not in audit.output


def test_revoked_and_expired_tokens_are_refused(sqlite_url, make_platform):
    platform = _platform(sqlite_url, make_platform)
    platform.create_business("edu", actor="boot")
    issued = tokens.create(platform, business="edu", scope="call", actor="boot")
    soon = tokens.create(platform, business="edu", scope="call", expires=dt.timedelta(minutes=1), actor="boot")
    tokens.revoke(platform, issued.token.id, actor="boot")
    with pytest.raises(Unauthenticated, match="revoked"):
        tokens.verify(platform.registry, issued.bearer)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.verify(platform.registry, soon.bearer, now=later)
    with pytest.raises(UserError, match="already revoked"):
        tokens.revoke(platform, issued.token.id, actor="boot")
    with pytest.raises(NotFound):
        tokens.revoke(platform, "0123456789ab", actor="boot")
    actions = [e.action for e in platform.registry.audit()]
    assert actions.count("token.create") == 2 and actions.count("token.revoke") == 1


def test_token_principals_get_exactly_their_tokens_rights(sqlite_url, make_platform):
    platform = _platform(sqlite_url, make_platform)
    platform.create_business("edu", actor="boot")
    platform.create_business("mall", actor="boot")
    manage = tokens.create(platform, business="edu", scope="manage", actor="boot").token
    call = tokens.create(platform, business="edu", scope="call", actor="boot").token
    # the registry is open (no admin), but a token principal still gets only its token's rights
    platform.create_business("edu.k12", actor=manage.principal)
    with pytest.raises(PermissionDenied, match="covers edu"):
        platform.create_business("mall.shop", actor=manage.principal)
    with pytest.raises(PermissionDenied, match="calls only"):
        platform.create_business("edu.x", actor=call.principal)
    with pytest.raises(PermissionDenied):
        platform.create_business("top", actor=manage.principal)
    with pytest.raises(PermissionDenied, match="wider scope"):
        tokens.create(platform, business="edu", scope="admin", actor=manage.principal)
    tokens.revoke(platform, manage.id, actor="boot")
    with pytest.raises(PermissionDenied, match="revoked"):
        platform.create_business("edu.k13", actor=manage.principal)
    [entry] = [e for e in platform.registry.audit() if e.action == "business.create" and e.business == "edu.k12"]
    assert entry.actor == manage.principal


def test_refused_token_commands_are_one_line_and_write_nothing(zt, sqlite_url):
    assert zt("boot", "business", "create", "edu", "--owner", "edu-team").exit_code == 0
    assert zt("boot", "access", "grant", "alice", "--admin").exit_code == 0
    before = all_rows(sqlite_url)
    for args, message in [
        (("--business", "edu", "--scope", "call"), "mallory may not create call tokens at edu"),
        (("--business", "nope", "--scope", "call"), "unknown business 'nope'"),
        (("--scope", "call"), "a call token must be bound to a business"),
        (("--business", "edu", "--scope", "call", "--expires", "soon"), "must be a number followed by"),
        (("--scope", "admin"), "mallory may not create platform-wide admin tokens"),
    ]:
        result = zt("mallory", "access", "tokens", "create", *args)
        assert result.exit_code == 1 and message in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
    claimed = zt("token:0123456789ab/x", "business", "create", "edu.k12")
    assert claimed.exit_code == 1 and "reserved for API tokens" in claimed.output
    assert all_rows(sqlite_url) == before


def test_last_used_is_recorded(sqlite_url, make_platform):
    platform = _platform(sqlite_url, make_platform)
    platform.create_business("edu", actor="boot")
    issued = tokens.create(platform, business="edu", scope="call", actor="boot")
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    tokens.touch(platform.registry, {issued.token.id: when})
    [token] = tokens.list_tokens(platform.registry)
    assert token.last_used_at == when
