"""``zhongtai plugins``: list / show / enable / disable / config against real installed plugins."""

from __future__ import annotations

import json

import pytest

from tests.cli.testplugins import ALL, DISTRIBUTION, VERSION


def setup_businesses(cli, *codes):
    for code in codes or ("edu", "edu.k12", "edu.k12.math"):
        cli.ok("business", "create", code)


def by_name(rows):
    return {row["name"]: row for row in rows}


def test_list_reads_manifests_without_importing(cli):
    rows = by_name(cli.json("plugins", "list"))
    assert sorted(rows) == ALL
    price = rows["test.price"]
    assert price["version"] == VERSION and price["distribution"] == DISTRIBUTION
    assert price["extension_points"] == ["pricing.base_price"]
    assert (price["lifecycle"], price["status"], price["error"]) == ("active", "ok", None)
    assert rows["test.retired"]["lifecycle"] == "retired"
    assert rows["test.future"]["status"] == "incompatible" and ">=2.0" in rows["test.future"]["error"]
    # Without --check nothing is imported, so the broken module still looks fine.
    assert rows["test.broken"]["status"] == "ok"


def test_list_check_imports_and_reports_failures(cli):
    rows = by_name(cli.json("plugins", "list", "--check"))
    assert rows["test.broken"]["status"] == "failed"
    assert "broken on purpose" in rows["test.broken"]["error"]
    assert rows["test.mismatch"]["status"] == "failed"
    assert "do not match its hookimpls" in rows["test.mismatch"]["error"]
    assert rows["test.price"]["status"] == "ok"


def test_list_table_is_aligned(cli):
    lines = cli.ok("plugins", "list").stdout.splitlines()
    header = lines[0]
    assert header.split() == ["NAME", "VERSION", "DISTRIBUTION", "EXTENSION", "POINTS", "LIFECYCLE", "STATUS"]
    column = header.index("VERSION")
    assert all(line[column:].startswith(VERSION) for line in lines[1:])


def test_list_for_business_says_why(cli):
    setup_businesses(cli)
    cli.ok("plugins", "enable", "test.price", "--business", "edu")
    cli.ok("plugins", "disable", "test.price", "--business", "edu.k12.math")
    cli.ok("plugins", "enable", "test.alpha", "--business", "edu.k12")
    k12 = by_name(cli.json("plugins", "list", "--business", "edu.k12"))
    assert (k12["test.price"]["enabled"], k12["test.price"]["why"]) == (True, "inherited from edu")
    assert (k12["test.alpha"]["enabled"], k12["test.alpha"]["why"]) == (True, "own")
    assert k12["test.beta"]["enabled"] is False
    math = by_name(cli.json("plugins", "list", "--business", "edu.k12.math"))
    assert (math["test.price"]["enabled"], math["test.price"]["why"]) == (False, "disabled here")
    table = cli.ok("plugins", "list", "-b", "edu.k12").stdout
    assert "inherited from edu" in table and "WHY" in table


def test_show_lists_fields_points_and_users(cli):
    setup_businesses(cli, "edu", "edu.k12")
    cli.ok("plugins", "enable", "test.price", "--business", "edu", "--set", "api_key=s3cret")
    detail = cli.json("plugins", "show", "test.price")
    assert detail["name"] == "test.price" and detail["status"] == "ok"
    assert detail["extension_points"][0]["name"] == "pricing.base_price"
    assert detail["extension_points"][0]["policy"] == "first"
    fields = {f["name"]: f for f in detail["config_fields"]}
    assert fields["price"]["default"] == "10" and fields["price"]["type"] == "Decimal"
    assert fields["api_key"]["secret"] is True and fields["price"]["secret"] is False
    assert detail["businesses"] == [{"business": "edu", "origin": "own"},
                                    {"business": "edu.k12", "origin": "inherited from edu"}]
    text = cli.ok("plugins", "show", "test.price").stdout
    assert "api_key" in text and "s3cret" not in text and "inherited from edu" in text


def test_show_of_a_broken_plugin_reports_the_failure(cli):
    detail = cli.json("plugins", "show", "test.broken")
    assert detail["status"] == "failed" and "broken on purpose" in detail["error"]
    assert detail["config_known"] is False


def test_enable_with_settings_then_config_masks_secrets(db_cli):
    cli = db_cli
    setup_businesses(cli, "edu", "edu.k12")
    cli.ok("plugins", "enable", "test.price", "-b", "edu", "--set", "price=12.50", "--set", "api_key=s3cret")
    cli.ok("plugins", "enable", "test.price", "-b", "edu.k12", "--set", 'skus=["a","b"]', "--priority", "5")
    view = cli.json("plugins", "config", "test.price", "--business", "edu.k12")
    assert view["config"] == {"price": "12.50", "currency": "CNY", "skus": ["a", "b"], "api_key": "********"}
    assert view["sources"] == {"price": "edu", "currency": "default", "skus": "edu.k12", "api_key": "edu"}
    text = cli.ok("plugins", "config", "test.price", "-b", "edu.k12").stdout
    assert "s3cret" not in text and "********" in text
    audit = cli.json("audit")
    assert audit[0]["actor"] == "tester" and audit[0]["action"] == "plugin.enable"
    assert "s3cret" not in json.dumps(audit)


def test_enable_from_config_file(cli, tmp_path):
    setup_businesses(cli, "edu")
    (tmp_path / "price.yaml").write_text("price: '8.80'\ncurrency: USD\n")
    cli.ok("plugins", "enable", "test.price", "-b", "edu", "--config-file", str(tmp_path / "price.yaml"),
           "--set", "currency=EUR")
    assert cli.json("plugins", "config", "test.price", "-b", "edu")["config"]["currency"] == "EUR"


def test_enable_dry_run_shows_descendants_and_writes_nothing(db_cli, unchanged):
    cli = db_cli
    setup_businesses(cli)
    with unchanged(cli.url):
        report = cli.json("plugins", "enable", "test.price", "-b", "edu.k12", "--dry-run")
        text = cli.ok("plugins", "enable", "test.price", "-b", "edu.k12", "--dry-run").stdout
    assert report["applied"] is False
    assert [(i["business"], i["added"]) for i in report["impact"]] == [
        ("edu.k12", ["test.price"]), ("edu.k12.math", ["test.price"])]
    assert "Dry run" in text and "edu.k12.math" in text and "nothing was written" in text


def test_disable_inherited_plugin_and_dry_run(db_cli, unchanged):
    cli = db_cli
    setup_businesses(cli)
    cli.ok("plugins", "enable", "test.price", "-b", "edu")
    with unchanged(cli.url):
        report = cli.json("plugins", "disable", "test.price", "-b", "edu.k12", "--dry-run")
    assert [(i["business"], i["removed"]) for i in report["impact"]] == [
        ("edu.k12", ["test.price"]), ("edu.k12.math", ["test.price"])]
    cli.ok("plugins", "disable", "test.price", "-b", "edu.k12")
    rows = by_name(cli.json("plugins", "list", "-b", "edu.k12.math"))
    assert rows["test.price"]["why"] == "disabled at edu.k12"


@pytest.mark.parametrize(("args", "message"), [
    (["plugins", "enable", "test.nope", "-b", "edu"], "unknown plugin 'test.nope'"),
    (["plugins", "enable", "test.price", "-b", "nowhere"], "unknown business 'nowhere'"),
    (["plugins", "enable", "test.price", "-b", "EDU"], "business code 'EDU'"),
    (["plugins", "enable", "test.price", "-b", "edu..k12"], "empty segment"),
    (["plugins", "enable", "test.price", "-b", "-edu"], "business code '-edu'"),
    (["plugins", "enable", "test.price", "-b", "a" * 300], "300 characters long"),
    (["plugins", "enable", "test.price", "-b", "edu", "--set", "colour=red"], "unknown config key 'colour'"),
    (["plugins", "enable", "test.price", "-b", "edu", "--set", "price=cheap"], "config field 'price'"),
    (["plugins", "enable", "test.price", "-b", "edu", "--set", "skus=5"], "config field 'skus'"),
    (["plugins", "enable", "test.price", "-b", "edu", "--set", "novalue"], "key=value"),
    (["plugins", "enable", "test.retired", "-b", "edu"], "retired"),
    (["plugins", "enable", "test.future", "-b", "edu"], "incompatible"),
    (["plugins", "enable", "test.broken", "-b", "edu"], "broken on purpose"),
    (["plugins", "enable", "test.mismatch", "-b", "edu"], "do not match"),
    (["plugins", "enable", "test.beta", "-b", "edu"], "give one a different --priority"),
    (["plugins", "enable", "test.price", "-b", "edu", "--config-file", "/nonexistent.yaml"], "no such file"),
    (["plugins", "disable", "test.beta", "-b", "edu"], "not enabled at edu"),
    (["plugins", "disable", "test.nope", "-b", "edu"], "unknown plugin"),
    (["plugins", "config", "test.beta", "-b", "edu"], "not enabled at edu"),
    (["plugins", "show", "test.nope"], "unknown plugin 'test.nope'"),
    (["plugins", "list", "--business", "nowhere"], "unknown business 'nowhere'"),
])
def test_bad_input_is_one_line_and_writes_nothing(cli, unchanged, args, message):
    setup_businesses(cli, "edu")
    cli.ok("plugins", "enable", "test.alpha", "-b", "edu")
    with unchanged(cli.url):
        result = cli(*args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], result.stderr


def test_bad_config_file_content_is_refused(cli, unchanged, tmp_path):
    setup_businesses(cli, "edu")
    bad = tmp_path / "bad.yaml"
    bad.write_text("price: [unclosed\n")
    listing = tmp_path / "list.json"
    listing.write_text("[1, 2]")
    with unchanged(cli.url):
        first = cli("plugins", "enable", "test.price", "-b", "edu", "--config-file", str(bad))
        second = cli("plugins", "enable", "test.price", "-b", "edu", "--config-file", str(listing))
    assert first.exit_code == 1 and "invalid YAML" in first.stderr and "at line 2" in first.stderr
    assert second.exit_code == 1 and "must hold a mapping" in second.stderr


def test_usage_errors_exit_2(cli):
    result = cli("plugins", "enable", "test.price")
    assert result.exit_code == 2 and "--business" in result.stderr
    assert cli("plugins", "enable", "test.price", "-b", "edu", "--priority", "high").exit_code == 2


def test_plugins_group_as_subprocess(zt, sqlite_url, unchanged):
    assert zt("business", "create", "edu").returncode == 0
    enabled = zt("plugins", "enable", "test.price", "--business", "edu", "--set", "price=3")
    assert enabled.returncode == 0, enabled.stderr
    listed = zt("plugins", "list", "--business", "edu", "--json")
    assert listed.returncode == 0
    assert by_name(json.loads(listed.stdout))["test.price"]["why"] == "own"
    with unchanged(sqlite_url):
        refused = zt("plugins", "enable", "test.retired", "--business", "edu")
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: ") and len(refused.stderr.strip().splitlines()) == 1
    assert "Traceback" not in refused.stderr
