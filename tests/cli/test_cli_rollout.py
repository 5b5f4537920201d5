"""``zhongtai rollout`` and ``zhongtai call --subject`` (issue 15 B) through the CLI."""

from __future__ import annotations

import json

import pytest

from zhongtai.core.rollout import bucket

INPUT = json.dumps({"sku": "alpha", "request": {"channel": "app", "lines": [{"sku": "alpha", "quantity": 1}]}})


@pytest.fixture
def rolled(cli):
    cli.ok("business", "create", "edu")
    cli.ok("business", "create", "edu.k12")
    cli.ok("plugins", "enable", "test.price", "-b", "edu", "--set", "price=12.50", "--set", "api_key=s3cret")
    return cli


def subjects(inside: bool, percent: float = 30) -> str:
    return next(s for s in (f"u-{i}" for i in range(1000))
                if (bucket("edu:test.price", s) <= percent * 100) == inside)


def served(cli, subject: str) -> bool:
    out = cli.json("call", "pricing.base_price", "-b", "edu.k12", "--input", INPUT, "--subject", subject)
    return out["result"] is not None


def test_set_show_stop_clear(rolled):
    out = rolled.ok("rollout", "set", "test.price", "-b", "edu", "--percent", "30", "--allow", "qa-1")
    assert "Set the rollout of test.price at edu" in out.stdout and '"percent": 30.0' in out.stdout
    assert served(rolled, subjects(True)) and not served(rolled, subjects(False)) and served(rolled, "qa-1")
    rows = rolled.json("rollout", "show", "--business", "edu")
    assert [(r["business"], r["plugin"], r["percent"], r["allow"], r["group"]) for r in rows] == [
        ("edu", "test.price", 30.0, ["qa-1"], "edu:test.price")]
    table = rolled.ok("rollout", "show").stdout.splitlines()
    assert table[0].split() == ["BUSINESS", "PLUGIN", "PERCENT", "ALLOW", "WINDOW", "GROUP"]
    assert table[1].split() == ["edu", "test.price", "30%", "1", "-", "edu:test.price"]
    answer = rolled.ok("rollout", "show", "-b", "edu.k12", "-p", "test.price", "-s", subjects(False)).stdout
    assert "not served (outside-rollout)" in answer and "bucket" in answer
    rolled.ok("rollout", "stop", "test.price", "-b", "edu")
    assert not served(rolled, subjects(True)) and not served(rolled, "qa-1")
    audit = rolled.json("audit", "--business", "edu")
    assert [a["action"] for a in audit[:2]] == ["rollout.stop", "rollout.set"]
    assert audit[0]["before"]["rollout"]["percent"] == 30.0 and audit[0]["after"]["rollout"]["percent"] == 0.0
    rolled.ok("rollout", "clear", "test.price", "-b", "edu")
    assert served(rolled, subjects(False))
    assert "(no rollouts)" in rolled.ok("rollout", "show").stdout


def test_explain_says_why_a_plugin_did_not_run(rolled):
    rolled.ok("rollout", "set", "test.price", "-b", "edu", "--percent", "30")
    outside = subjects(False)
    result = rolled.ok("call", "pricing.base_price", "-b", "edu.k12", "--input", INPUT, "--subject", outside,
                       "--explain").stdout
    row = next(line for line in result.splitlines() if "test.price" in line)
    assert "outside-rollout" in row and f"bucket {bucket('edu:test.price', outside)} of 10000" in row
    out = rolled.json("call", "pricing.base_price", "-b", "edu.k12", "--input", INPUT)
    assert out["result"] is None and out["trace"][0]["outcome"] == "no-subject"


def test_dry_run_writes_nothing(rolled, unchanged):
    with unchanged(rolled.url):
        out = rolled.ok("rollout", "set", "test.price", "-b", "edu", "--percent", "5", "--dry-run")
    assert "Dry run" in out.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["set", "test.price", "-b", "edu", "--percent", "101"], "0 to 100"),
    (["set", "test.price", "-b", "edu", "--percent", "1.001"], "finer than 0.01%"),
    (["set", "test.price", "-b", "edu", "--start", "soon"], "ISO 8601"),
    (["set", "test.price", "-b", "edu"], "nothing to set"),
    (["set", "test.price", "-b", "edu.k12", "--percent", "5"], "use --business edu"),
    (["set", "test.nope", "-b", "edu", "--percent", "5"], "test.nope"),
    (["stop", "test.price", "-b", "nowhere"], "unknown business"),
    (["show", "--subject", "u-1"], "--subject needs --business and --plugin"),
])
def test_bad_input_is_one_line_and_writes_nothing(rolled, unchanged, args, message):
    with unchanged(rolled.url):
        result = rolled("rollout", *args)
    assert result.exit_code == 1, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_call_rejects_a_bad_subject(rolled):
    result = rolled("call", "pricing.base_price", "-b", "edu", "--input", INPUT, "--subject", "x" * 300)
    assert result.exit_code == 1 and "subject must be printable text" in result.output
