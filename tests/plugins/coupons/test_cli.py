"""``zhongtai coupons``: every command has a help with an example; bad input is one line and writes nothing."""

from __future__ import annotations

from click.testing import CliRunner

from tests.helpers.registry_rows import all_rows
from zhongtai.core.cli.main import cli

COMMANDS = [["template", "create"], ["template", "change"], ["template", "list"], ["template", "show"],
            ["template", "retire"], ["issue"], ["jobs"], ["wallet"], ["redeem"], ["release"], ["stats"],
            ["reconcile"]]


def run(url, *args):
    return CliRunner().invoke(cli, ["--database-url", url, "--as", "ann", *args], catch_exceptions=False)


def test_every_command_explains_itself_with_an_example():
    for command in COMMANDS:
        result = CliRunner().invoke(cli, ["coupons", *command, "--help"])
        assert result.exit_code == 0, command
        assert "Example:" in result.output and "zhongtai coupons " + command[0] in result.output.split("Example:")[1]


BAD = [
    (["template", "create", "x", "-b", "mall", "--kind", "percent", "--value", "150"], "at most 100 percent"),
    (["template", "create", "Bad Name", "-b", "mall", "--kind", "amount", "--value", "5"], "template name"),
    (["template", "create", "x", "-b", "nowhere", "--kind", "amount", "--value", "5"], "unknown business"),
    (["template", "change", "save20", "-b", "mall", "--set", "novalue"], "--set expects FIELD=VALUE"),
    (["template", "show", "nope", "-b", "mall"], "no coupon template 'nope'"),
    (["issue", "-b", "mall", "--template", "save20"], "give --user and --request-id"),
    (["issue", "-b", "mall", "--template", "save20", "--users", "missing.txt"], "does not exist"),
    (["issue", "--resume", "nojob"], "no coupon job 'nojob'"),
    (["wallet", "-b", "mall", "--user", "u1", "--cursor", "junk"], "is not a wallet cursor"),
    (["redeem", "NOT-A-CODE", "-b", "mall", "--user", "u1", "--order", "o1"], "not a coupon in your wallet"),
    (["redeem", "X", "-b", "mall", "--user", "u1", "--order", "o1", "--amount", "lots"], "--amount must be"),
    (["redeem", "X", "-b", "mall", "--user", "u1", "--order", "o1", "--hold", "forever"], "--hold takes"),
    (["release", "-b", "mall"], "give either --order ORDER or --expired"),
]


def test_bad_input_is_one_line_and_changes_nothing(sqlite_mall, sqlite_url, tmp_path, monkeypatch):
    from .conftest import make_template

    make_template(sqlite_mall, "save20")
    monkeypatch.chdir(tmp_path)
    before = all_rows(sqlite_url)
    for args, message in BAD:
        result = run(sqlite_url, "coupons", *args)
        assert result.exit_code != 0, args
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], (args, result.output)
    after = all_rows(sqlite_url)
    assert after.pop("zt_coupon_attempt") != before.pop("zt_coupon_attempt")  # a wrong code counts for the throttle
    assert after == before
