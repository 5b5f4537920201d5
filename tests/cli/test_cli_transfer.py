"""``zhongtai export`` / ``zhongtai import``: round trips, plans, one transaction, refusals."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.cli.conftest import registry_rows


def populate(cli):
    for code in ("edu", "edu.k12", "edu.k12.math", "retail"):
        cli.ok("business", "create", code, "--owner", f"{code}-team")
    cli.ok("business", "suspend", "retail")
    cli.ok("plugins", "enable", "test.price", "-b", "edu", "--set", "price=12.50", "--set", "api_key=s3cret")
    cli.ok("plugins", "enable", "test.price", "-b", "edu.k12", "--set", 'skus=["a"]', "--priority", "3")
    cli.ok("plugins", "disable", "test.price", "-b", "edu.k12.math")
    cli.ok("plugins", "enable", "test.theme", "-b", "edu", "--set", "primary=#123456")
    cli.ok("plugins", "enable", "test.alpha", "-b", "edu.k12")


def test_export_import_export_round_trip(make_cli, registry_url, tmp_path):
    source = make_cli(registry_url)
    populate(source)
    exported = tmp_path / "registry.yaml"
    source.ok("export", "-o", str(exported))
    document = yaml.safe_load(exported.read_text())
    assert document["secrets"] == "omitted"
    edu = document["businesses"][0]
    assert edu["code"] == "edu" and "api_key" not in edu["plugins"]["test.price"]["config"]
    assert "s3cret" not in exported.read_text()

    target = make_cli(f"sqlite:///{tmp_path}/empty.db")
    plan = target.json("import", str(exported), "--dry-run")
    assert plan["applied"] is False and {c["kind"] for c in plan["changes"]} == {"added"}
    assert registry_rows(target.url).get("zt_business", []) == []  # a dry run into no file creates none
    done = target.json("import", str(exported))
    assert done["applied"] is True
    again = tmp_path / "again.yaml"
    target.ok("export", "-o", str(again))
    assert again.read_text() == exported.read_text()
    # one transaction: every audit row of the import carries the same revision
    assert {row["revision"] for row in target.json("audit", "--limit", "1000")} == {done["revision"]}
    assert target.json("business", "show", "retail")["status"] == "suspended"


def test_json_export_and_include_secrets(cli, tmp_path):
    populate(cli)
    out = tmp_path / "registry.json"
    cli.ok("export", "--include-secrets", "-o", str(out))
    document = json.loads(out.read_text())
    assert document["secrets"] == "included"
    assert document["businesses"][0]["plugins"]["test.price"]["config"]["api_key"] == "s3cret"
    assert yaml.safe_load(cli.ok("export").stdout)["secrets"] == "omitted"


def test_import_shows_added_changed_removed_and_keeps_secrets(db_cli, tmp_path):
    cli = db_cli
    populate(cli)
    path = tmp_path / "registry.yaml"
    cli.ok("export", "-o", str(path))
    document = yaml.safe_load(path.read_text())
    document["businesses"] = [b for b in document["businesses"] if b["code"] != "retail"]
    edu = document["businesses"][0]
    edu["owner"] = "new-owner"
    edu["plugins"]["test.price"]["config"]["price"] = "9.90"
    document["businesses"].append({"code": "shop", "plugins": {"test.components": {}}})
    path.write_text(yaml.safe_dump(document))
    plan = cli.json("import", str(path), "--dry-run")
    changes = {(c["kind"], c["what"], c["business"], c["plugin"]) for c in plan["changes"]}
    assert changes == {("changed", "business", "edu", None), ("changed", "plugin", "edu", "test.price"),
                       ("removed", "business", "retail", None), ("added", "business", "shop", None),
                       ("added", "plugin", "shop", "test.components")}
    text = cli.ok("import", str(path)).stdout
    assert "2 added, 2 changed, 1 removed" in text
    config = cli.json("plugins", "config", "test.price", "-b", "edu")["config"]
    assert config["price"] == "9.90" and config["api_key"] == "********"
    secrets = yaml.safe_load(cli.ok("export", "--include-secrets").stdout)
    assert secrets["businesses"][0]["plugins"]["test.price"]["config"]["api_key"] == "s3cret"
    assert [b["code"] for b in cli.json("business", "list")] == ["edu", "edu.k12", "edu.k12.math", "shop"]
    assert "Nothing to change" in cli.ok("import", str(path)).stdout


def edit(document, change):
    change(document)
    return document


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.update(format="something-else"), "not a zhongtai registry export"),
    (lambda d: d.update(version=7), "unsupported export version 7"),
    (lambda d: d.update(extra=1), "unknown key 'extra'"),
    (lambda d: d["businesses"].append({"code": "EDU"}), "business code 'EDU'"),
    (lambda d: d["businesses"].append({"code": "edu..x"}), "empty segment"),
    (lambda d: d["businesses"].append({"code": "x" * 300}), "300 characters long"),
    (lambda d: d["businesses"].append({"code": "ghost.child"}), "its parent 'ghost' is not in the document"),
    (lambda d: d["businesses"].append({"code": "edu"}), "listed twice"),
    (lambda d: d["businesses"].append({"name": "no code"}), "code is missing"),
    (lambda d: d["businesses"][0].update(status="closed"), "status must be one of"),
    (lambda d: d["businesses"][0]["plugins"].update({"test.nope": {}}), "no installed distribution provides"),
    (lambda d: d["businesses"][0]["plugins"].update({"test.retired": {}}), "retired"),
    (lambda d: d["businesses"][0]["plugins"].update({"test.future": {}}), "incompatible"),
    (lambda d: d["businesses"][0]["plugins"]["test.price"]["config"].update(price="free"), "config field 'price'"),
    (lambda d: d["businesses"][0]["plugins"]["test.price"]["config"].update(colour="red"), "unknown config key"),
    (lambda d: d["businesses"][0]["plugins"]["test.price"].update(priority="high"), "expected an integer"),
    (lambda d: d["businesses"][0]["plugins"]["test.price"].update(enabled="yes"), "expected true or false"),
    (lambda d: d["businesses"][1]["plugins"].update({"test.beta": {"priority": 0}}), "different --priority"),
    (lambda d: d["businesses"][2].update(plugins=[1]), "plugins must be a mapping"),
])
def test_malformed_or_hand_edited_documents_write_nothing(cli, unchanged, tmp_path, mutate, message):
    populate(cli)
    cli.ok("plugins", "enable", "test.beta", "-b", "edu.k12.math", "--priority", "0")
    path = tmp_path / "edited.yaml"
    document = yaml.safe_load(cli.ok("export").stdout)
    mutate(document)
    path.write_text(yaml.safe_dump(document))
    with unchanged(cli.url):
        result = cli("import", str(path))
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], result.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("businesses: [unclosed\n", "invalid YAML"),
    ("- just\n- a list\n", "expected a mapping"),
    ("", "expected a mapping, got NoneType"),
])
def test_unparseable_files_write_nothing(cli, unchanged, tmp_path, text, message):
    cli.ok("business", "create", "edu")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with unchanged(cli.url):
        result = cli("import", str(path))
    assert result.exit_code == 1 and message in result.stderr, result.stderr
    missing = cli("import", str(tmp_path / "absent.yaml"))
    assert missing.exit_code == 1 and "no such file" in missing.stderr


def test_ctrl_c_during_import_leaves_the_registry_as_it_was(cli, unchanged, tmp_path, monkeypatch):
    populate(cli)
    path = tmp_path / "registry.yaml"
    document = yaml.safe_load(cli.ok("export").stdout)
    document["businesses"][0]["owner"] = "changed"
    document["businesses"].append({"code": "shop"})
    path.write_text(yaml.safe_dump(document))
    from zhongtai.core.cli.main import main
    from zhongtai.core.registry.store import Transaction

    recorded = []
    original = Transaction.record

    def interrupted(self, *args, **kwargs):  # the user presses Ctrl-C after the first rows are written
        original(self, *args, **kwargs)
        recorded.append(args)
        if len(recorded) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(Transaction, "record", interrupted)
    with unchanged(cli.url), pytest.raises(SystemExit) as stopped:
        main(["import", str(path)])
    assert stopped.value.code == 130 and len(recorded) == 2


def test_transfer_as_subprocess(zt, tmp_path, sqlite_url):
    assert zt("business", "create", "edu").returncode == 0
    assert zt("plugins", "enable", "test.price", "-b", "edu", "--set", "api_key=s3cret").returncode == 0
    path = tmp_path / "out.json"
    exported = zt("export", "-o", str(path))
    assert exported.returncode == 0, exported.stderr
    assert json.loads(path.read_text())["businesses"][0]["code"] == "edu"
    other = f"sqlite:///{tmp_path}/other.db"
    imported = zt("import", str(path), url=other)
    assert imported.returncode == 0, imported.stderr
    assert "1 added" not in imported.stdout and "2 added" in imported.stdout
    assert zt("export", url=other).stdout == zt("export").stdout
    path.write_text("{not json")
    bad = zt("import", str(path), url=other)
    assert bad.returncode == 1 and bad.stderr.startswith("Error: ") and "Traceback" not in bad.stderr


@pytest.mark.parametrize("where", ["", "missing-dir/registry.yaml", "a-directory"])
def test_an_export_of_secrets_that_cannot_be_written_records_nothing(cli, sqlite_url, tmp_path, monkeypatch, where):
    """The audit row of a secrets export is written first; so the destination is checked before it."""
    populate(cli)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-directory").mkdir()
    before = registry_rows(sqlite_url)
    result = cli("export", "--include-secrets", "-o", where)
    assert result.exit_code in (1, 2)  # 2: click refuses a directory itself, before the command runs
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert registry_rows(sqlite_url) == before
