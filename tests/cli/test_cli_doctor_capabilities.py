"""``zhongtai doctor``, ``zhongtai capabilities``, plugin-provided commands and the root group."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.cli.conftest import SCRIPT, registry_rows, subprocess_env


def checks(report):
    return {(f["check"], f["subject"], f["business"]) for f in report["findings"]}


def test_doctor_finds_every_kind_of_problem(cli, zt, sqlite_url):
    for code in ("edu", "edu.k12"):
        cli.ok("business", "create", code)
    cli.ok("plugins", "enable", "test.alpha", "-b", "edu")
    cli.ok("plugins", "enable", "test.old", "-b", "edu")
    cli.ok("plugins", "enable", "test.price", "-b", "edu", "--set", "price=5", "--priority", "9")
    # Rows no command would write: a plugin since uninstalled, a retired one, a conflict, a stale config.
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        insert = text("INSERT INTO zt_enablement (business, plugin, enabled, config, priority, version, updated_at,"
                      " updated_by) VALUES (:b, :p, 1, :c, 0, 1, '2024-01-01', 'hand')")
        connection.execute(insert, {"b": "edu", "p": "gone.plugin", "c": "{}"})
        connection.execute(insert, {"b": "edu.k12", "p": "test.retired", "c": "{}"})
        connection.execute(insert, {"b": "edu", "p": "test.beta", "c": "{}"})
        connection.execute(text("UPDATE zt_enablement SET config = :c WHERE plugin = 'test.price'"),
                           {"c": '{"price": "free"}'})
    engine.dispose()
    before = registry_rows(sqlite_url)
    result = cli("doctor", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert checks(report) >= {
        ("plugin-failed", "test.broken", None), ("plugin-failed", "test.mismatch", None),
        ("plugin-incompatible", "test.future", None), ("not-installed", "gone.plugin", "edu"),
        ("retired-enabled", "test.retired", "edu.k12"), ("conflict", "test.alpha, test.beta", "edu"),
        ("invalid-config", "test.price", "edu"), ("deprecated-in-use", "test.old", "edu"),
    }
    assert {f["severity"] for f in report["findings"] if f["check"] == "deprecated-in-use"} == {"warning"}
    table = zt("doctor")
    assert table.returncode == 1 and "not-installed" in table.stdout and "errors" in table.stderr
    listed = {row["name"]: row for row in cli.json("plugins", "list", "--business", "edu.k12")}
    assert (listed["gone.plugin"]["status"], listed["gone.plugin"]["why"]) == ("missing", "inherited from edu")
    assert registry_rows(sqlite_url) == before  # doctor only reads


def test_doctor_is_happy_with_a_healthy_registry(make_cli, tmp_path, plugin_site, monkeypatch):
    healthy = tmp_path / "healthy"
    healthy.mkdir()
    from tests.helpers.distributions import build_and_install

    site = build_and_install(tmp_path, healthy / "site", "zt-healthy", {
        "zt_healthy/__init__.py": "from zhongtai.sdk import hookimpl\n\n\n@hookimpl\ndef verification_flow(flow):\n"
                                  "    return None\n",
        "zt_healthy/zhongtai_plugins.toml": '[plugins."healthy.flow"]\napi = ">=1.0,<2"\n'
                                            'extension_points = ["verification.flow"]\n'},
        entry_points={"zhongtai.plugins": {"healthy.flow": "zt_healthy"}})
    monkeypatch.syspath_prepend(str(site))
    cli = make_cli(f"sqlite:///{tmp_path}/ok.db")
    monkeypatch.setenv("ZHONGTAI_PLUGIN_PATH", str(site))
    cli.ok("business", "create", "edu")
    cli.ok("plugins", "enable", "healthy.flow", "-b", "edu")
    assert cli.ok("doctor").stdout.strip() == f"No problems found in sqlite:///{tmp_path}/ok.db."
    assert cli.json("doctor") == {"ok": True, "registry": f"sqlite:///{tmp_path}/ok.db", "findings": []}


def test_capabilities_formats(cli, plugin_site):
    for code in ("edu", "edu.k12"):
        cli.ok("business", "create", code)
    cli.ok("plugins", "enable", "test.price", "-b", "edu")
    cli.ok("plugins", "enable", "test.alpha", "-b", "edu.k12", "--priority", "2")
    data = cli.json("capabilities")
    points = {p["name"]: p for p in data["extension_points"]}
    base = points["pricing.base_price"]
    assert base["policy"] == "first" and base["on_error"] == "fail"
    assert [i["name"] for i in base["inputs"]] == ["sku", "request"]
    assert base["inputs"][1]["type"] == "QuoteRequest"
    assert "test.price" in base["implemented_by"] and "test.alpha" in base["implemented_by"]
    assert [e["plugin"] for e in base["served"]["edu.k12"]] == ["test.alpha", "test.price"]
    assert base["served"]["edu"] == [{"plugin": "test.price", "level": "edu", "priority": 0}]
    assert base["contract"].startswith("Return the unit price")
    scoped = cli.json("capabilities", "--business", "edu")
    assert scoped["businesses"] == ["edu"]
    markdown = cli.ok("capabilities", "-b", "edu.k12", "--format", "markdown").stdout
    assert "# Capability map for `edu.k12`" in markdown and "| `edu.k12` | test.alpha, test.price |" in markdown
    table = cli.ok("capabilities", "-b", "edu.k12").stdout
    assert "SERVES EDU.K12" in table and "test.alpha, test.price" in table
    assert cli.ok("capabilities", "--format", "json").stdout == cli.ok("capabilities", "--json").stdout
    as_process = subprocess.run([SCRIPT, "capabilities", "--format", "markdown"], capture_output=True, text=True,
                                env=subprocess_env(plugin_site, cli.url), timeout=60)
    assert as_process.returncode == 0 and "### `pricing.base_price`" in as_process.stdout
    unknown = cli("capabilities", "-b", "nowhere")
    assert unknown.exit_code == 1 and "unknown business 'nowhere'" in unknown.stderr
    assert cli("capabilities", "--format", "xml").exit_code == 2


def test_plugin_commands_are_lazy_and_isolated(cli, zt):
    help_text = zt("--help").stdout
    assert "testcmd" in help_text and "brokencmd" in help_text
    for name in ("plugins", "business", "capabilities", "call", "audit", "doctor", "export", "import"):
        assert f"  {name} " in help_text and "unavailable" not in help_text.split(f"  {name} ")[1].splitlines()[0]
    assert zt("testcmd", "team").stdout.strip() == "hello team from a plugin command"
    broken = zt("brokencmd")
    assert broken.returncode == 1 and "command 'brokencmd' is unavailable" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_help_imports_no_plugin_and_no_heavy_library(plugin_site, sqlite_url):
    probe = ("import sys\nfrom zhongtai.core.cli.main import main\nsys.argv = ['zhongtai', '--help']\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
             "('sqlalchemy', 'zt_cli_test', 'yaml', 'pluggy', 'importlib_metadata', 'attrs', 'attr'))\n"
             "print('HEAVY', heavy)\n"
             "print('COMMANDS', sorted(m for m in sys.modules if m.startswith('zhongtai.core.cli.')))\n")
    done = subprocess.run([sys.executable, "-c", probe], env=subprocess_env(plugin_site, sqlite_url),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout
    # built-in command modules are not even imported: their summaries are known to the root group
    imported = done.stdout.split("COMMANDS ")[1]
    for module in ("plugins", "business", "call", "audit", "doctor", "transfer", "capabilities"):
        assert f"'zhongtai.core.cli.{module}'" not in imported


def test_static_summaries_match_the_commands_help():
    import click

    from zhongtai.core.cli.main import COMMAND_SUMMARIES, cli

    context = click.Context(cli)
    for name, summary in COMMAND_SUMMARIES.items():
        command = cli.get_command(context, name)
        assert command is not None and command.help is not None
        assert summary == " ".join(command.help.strip().split("\n\n")[0].split()), name


def test_every_command_has_help_with_an_example(zt):
    commands = [["plugins", "list"], ["plugins", "show"], ["plugins", "enable"], ["plugins", "disable"],
                ["plugins", "config"], ["business", "create"], ["business", "list"], ["business", "tree"],
                ["business", "show"], ["business", "suspend"], ["business", "resume"], ["capabilities"],
                ["call"], ["audit"], ["doctor"], ["export"], ["import"], ["plugins"], ["business"]]
    for command in commands:
        done = subprocess.run([SCRIPT, *command, "--help"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (command, done.stderr)
        assert "Example:" in done.stdout, command
        assert "zhongtai " + command[0] in done.stdout.split("Example:")[1], command


def test_unreachable_database_and_foreign_files(zt, tmp_path, unchanged):
    not_db = tmp_path / "notes.txt"
    not_db.write_text("this is not a database, just some text\n" * 20)
    for url, message in [(f"sqlite:///{not_db}", "not a zhongtai registry"),
                         ("postgresql+psycopg://nobody@127.0.0.1:1/none", "registry"),
                         (f"sqlite:///{tmp_path}/missing-dir/x.db", "registry"),
                         ("nonsense://", "database")]:
        done = zt("business", "list", url=url)
        assert done.returncode == 1, (url, done.stdout)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], (url, done.stderr)
    import sqlite3

    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER)")
    with unchanged(f"sqlite:///{foreign}"):
        done = zt("business", "create", "edu", url=f"sqlite:///{foreign}")
    assert done.returncode == 1 and "not a zhongtai registry" in done.stderr


def test_shell_completion_of_commands_plugins_and_points(plugin_site, sqlite_url):
    def complete(words, cword):
        env = {**subprocess_env(plugin_site, sqlite_url), "_ZHONGTAI_COMPLETE": "bash_complete",
               "COMP_WORDS": words, "COMP_CWORD": str(cword)}
        done = subprocess.run([SCRIPT], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return [line.split(",", 1)[1] for line in done.stdout.splitlines()]

    assert "plugins" in complete("zhongtai plu", 1)
    assert complete("zhongtai plugins show test.a", 3) == ["test.alpha"]
    assert complete("zhongtai call pricing.b", 2) == ["pricing.base_price"]
    source = subprocess.run([SCRIPT], env={**subprocess_env(plugin_site, sqlite_url),
                                           "_ZHONGTAI_COMPLETE": "bash_source"}, capture_output=True, text=True)
    assert "_zhongtai_completion" in source.stdout
