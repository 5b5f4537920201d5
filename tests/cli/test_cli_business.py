"""``zhongtai business`` and ``zhongtai audit``."""

from __future__ import annotations

import json

import pytest

from zhongtai.core.cli.output import cell_width


def test_create_list_tree_show(cli):
    cli.ok("business", "create", "edu", "--name", "教育", "--owner", "edu-team")
    cli.ok("business", "create", "edu.k12")
    cli.ok("business", "create", "edu.k12.math")
    cli.ok("business", "create", "retail")
    rows = cli.json("business", "list")
    assert [r["code"] for r in rows] == ["edu", "edu.k12", "edu.k12.math", "retail"]
    assert rows[0]["name"] == "教育" and rows[0]["owner"] == "edu-team" and rows[0]["status"] == "active"
    table = cli.ok("business", "list").stdout.splitlines()
    assert table[0].split()[:4] == ["CODE", "NAME", "OWNER", "STATUS"]
    # wide characters count as two cells: the OWNER column stays aligned
    assert cell_width(table[1][: table[1].index("edu-team")]) == table[0].index("OWNER")
    cli.ok("plugins", "enable", "test.price", "-b", "edu")
    cli.ok("plugins", "disable", "test.price", "-b", "edu.k12.math")
    tree = cli.ok("business", "tree").stdout.splitlines()
    assert tree[:5] == ["edu 教育  (test.price)", "└── edu.k12", "    └── edu.k12.math  (-test.price)", "retail", ""]
    assert tree[5].startswith("-NAME: disabled at that level") and "zhongtai plugins inherit NAME -b CODE" in tree[5]
    cli.ok("plugins", "inherit", "test.price", "-b", "edu.k12.math")
    tree = cli.ok("business", "tree").stdout.splitlines()
    assert tree == ["edu 教育  (test.price)", "└── edu.k12", "    └── edu.k12.math", "retail"]


def test_show_gives_the_plan_in_order_with_origins(cli):
    for code in ("edu", "edu.k12"):
        cli.ok("business", "create", code)
    cli.ok("plugins", "enable", "test.price", "-b", "edu", "--priority", "1")
    cli.ok("plugins", "enable", "test.alpha", "-b", "edu.k12", "--priority", "1")
    cli.ok("plugins", "enable", "test.beta", "-b", "edu.k12", "--priority", "5")
    cli.ok("plugins", "enable", "test.theme", "-b", "edu")
    cli.ok("plugins", "enable", "test.theme", "-b", "edu.k12", "--set", "primary=#ff0000")
    cli.ok("plugins", "enable", "test.old", "-b", "edu")
    detail = cli.json("business", "show", "edu.k12")
    points = {p["name"]: p for p in detail["extension_points"]}
    # first: most specific business first; at one level the higher priority first
    assert [(e["plugin"], e["origin"]) for e in points["pricing.base_price"]["plugins"]] == [
        ("test.beta", "own"), ("test.alpha", "own"), ("test.price", "inherited from edu")]
    # merge: root first, one entry per level
    assert [(e["plugin"], e["level"], e["origin"]) for e in points["theming.tokens"]["plugins"]] == [
        ("test.theme", "edu", "inherited from edu"), ("test.theme", "edu.k12", "own")]
    assert any("test.old" in w and "deprecated" in w for w in detail["warnings"])
    result = cli.ok("business", "show", "edu.k12")
    assert "test.beta" in result.stdout and "inherited from edu" in result.stdout
    assert "Warning: test.old: deprecated plugin in use" in result.stderr


def test_suspend_and_resume_with_dry_run(cli, unchanged):
    for code in ("edu", "edu.k12"):
        cli.ok("business", "create", code)
    with unchanged(cli.url):
        report = cli.json("business", "suspend", "edu", "--dry-run")
    assert report["applied"] is False and [i["business"] for i in report["impact"]] == ["edu", "edu.k12"]
    cli.ok("business", "suspend", "edu")
    assert cli.json("business", "show", "edu.k12")["suspended_by"] == "edu"
    assert "suspended through edu" in cli.ok("business", "show", "edu.k12").stdout
    cli.ok("business", "resume", "edu")
    assert cli.json("business", "show", "edu")["status"] == "active"
    actions = [r["action"] for r in cli.json("audit", "--business", "edu")]
    assert actions == ["business.resume", "business.suspend", "business.create", "business.create"]


@pytest.mark.parametrize(("args", "message"), [
    (["business", "create", "EDU"], "business code 'EDU'"),
    (["business", "create", "edu..k12"], "empty segment"),
    (["business", "create", "--", "-edu"], "'-edu'"),
    (["business", "create", "a" * 300], "300 characters long"),
    (["business", "create", "nope.child"], "parent business 'nope' does not exist"),
    (["business", "create", "edu"], "already exists"),
    (["business", "show", "nowhere"], "unknown business 'nowhere'"),
    (["business", "suspend", "nowhere"], "unknown business 'nowhere'"),
    (["business", "resume", "edu"], "already active"),
    (["audit", "--business", "nowhere"], "unknown business 'nowhere'"),
    (["audit", "--since", "last tuesday"], "--since 'last tuesday'"),
])
def test_bad_input_is_one_line_and_writes_nothing(cli, unchanged, args, message):
    cli.ok("business", "create", "edu")
    with unchanged(cli.url):
        result = cli(*args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], result.stderr


def test_audit_filters_and_limits(cli):
    cli.ok("business", "create", "edu")
    cli.ok("business", "create", "retail")
    cli.ok("--as", "alice", "business", "create", "edu.k12")
    rows = cli.json("audit")
    assert [r["business"] for r in rows] == ["edu.k12", "retail", "edu"]
    assert rows[0]["actor"] == "alice" and rows[1]["actor"] == "tester"
    assert [r["business"] for r in cli.json("audit", "-b", "edu")] == ["edu.k12", "edu"]
    assert len(cli.json("audit", "--limit", "1")) == 1
    assert len(cli.json("audit", "--since", "1h")) == 3
    assert cli.json("audit", "--since", "2999-01-01") == []
    assert cli("audit", "--limit", "0").exit_code == 2
    assert "business.create" in cli.ok("audit").stdout


def test_business_group_and_audit_as_subprocess(zt, sqlite_url, unchanged):
    created = zt("--as", "bob", "business", "create", "edu", "--owner", "edu-team")
    assert created.returncode == 0, created.stderr
    assert json.loads(zt("business", "list", "--json").stdout)[0]["owner"] == "edu-team"
    assert "edu" in zt("business", "tree").stdout
    with unchanged(sqlite_url):
        bad = zt("business", "create", "EDU")
    assert bad.returncode == 1 and bad.stderr.startswith("Error: business code 'EDU'")
    assert "Traceback" not in bad.stderr
    log = json.loads(zt("audit", "--json").stdout)
    assert log[0]["actor"] == "bob"


def test_env_actor_and_database_url_option(zt, tmp_path):
    other = f"sqlite:///{tmp_path}/other.db"
    result = zt("--database-url", other, "business", "create", "shop")
    assert result.returncode == 0, result.stderr
    listed = zt("--database-url", other, "business", "list", "--json")
    assert [r["code"] for r in json.loads(listed.stdout)] == ["shop"]
    assert json.loads(zt("--database-url", other, "audit", "--json").stdout)[0]["actor"] == "tester"
