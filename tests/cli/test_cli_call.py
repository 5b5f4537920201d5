"""``zhongtai call``: invoke any extension point generically, with --explain traces."""

from __future__ import annotations

import json

import pytest

REQUEST = {"channel": "app", "lines": [{"sku": "alpha", "quantity": 2}]}


def price_input(sku="alpha"):
    return json.dumps({"sku": sku, "request": REQUEST})


@pytest.fixture
def priced(cli):
    for code in ("edu", "edu.k12"):
        cli.ok("business", "create", code)
    cli.ok("plugins", "enable", "test.price", "-b", "edu", "--set", "price=12.50", "--set", "api_key=s3cret")
    cli.ok("plugins", "enable", "test.alpha", "-b", "edu.k12")
    return cli


def test_call_json_carries_result_and_trace(priced):
    out = priced.json("call", "pricing.base_price", "-b", "edu.k12", "--input", price_input("other"))
    assert out["result"] == {"amount": "12.50", "currency": "CNY"}
    assert [(s["plugin"], s["level"], s["outcome"]) for s in out["trace"]] == [
        ("test.alpha", "edu.k12", "passed"), ("test.price", "edu", "answered")]
    assert out["business"] == "edu.k12" and isinstance(out["revision"], int)


def test_explain_prints_each_plugin_in_order(priced):
    result = priced.ok("call", "pricing.base_price", "-b", "edu.k12", "--input", price_input(), "--explain")
    lines = result.stdout.splitlines()
    assert json.loads("\n".join(lines[: lines.index("")])) == {"amount": "1", "currency": "CNY"}
    table = lines[lines.index("") + 1:]
    assert table[0].split() == ["#", "PLUGIN", "LEVEL", "OUTCOME", "VALUE", "ERROR"]
    assert table[1].split()[:4] == ["1", "test.alpha", "edu.k12", "answered"]
    without = priced.ok("call", "pricing.base_price", "-b", "edu.k12", "--input", price_input())
    assert "PLUGIN" not in without.stdout


def test_decimal_inputs_stay_exact_and_files_work(priced, tmp_path):
    payload = tmp_path / "in.json"
    payload.write_text(price_input("other"))
    out = priced.json("call", "pricing.base_price", "-b", "edu", "--input", f"@{payload}")
    assert out["result"]["amount"] == "12.50"
    stdin = priced.ok("call", "pricing.base_price", "-b", "edu", "--input", "@-", "--json", input=price_input("x"))
    assert json.loads(stdin.stdout)["result"]["amount"] == "12.50"


def test_merge_and_collect_points(cli):
    for code in ("edu", "edu.k12"):
        cli.ok("business", "create", code)
    cli.ok("plugins", "enable", "test.theme", "-b", "edu", "--set", "primary=#111111")
    cli.ok("plugins", "enable", "test.theme", "-b", "edu.k12", "--set", "primary=#222222")
    cli.ok("plugins", "enable", "test.components", "-b", "edu")
    tokens = cli.json("call", "theming.tokens", "-b", "edu.k12")
    assert tokens["result"]["color"]["primary"]["$value"] == "#222222"
    assert tokens["result"]["layer"] == {"$value": "edu.k12"}
    assert [s["level"] for s in tokens["trace"]] == ["edu", "edu.k12"]
    components = cli.json("call", "verification.components", "-b", "edu.k12")
    assert components["result"] == [{"plugin": "test.components", "level": "edu",
                                     "value": [{"name": "sms", "title": "SMS code", "kind": "one-time-code"}]}]


@pytest.mark.parametrize(("args", "message"), [
    (["call", "pricing.nope", "-b", "edu", "--input", "{}"], "unknown extension point 'pricing.nope'"),
    (["call", "pricing.base_price", "-b", "nowhere", "--input", "{}"], "unknown business 'nowhere'"),
    (["call", "pricing.base_price", "-b", "Edu", "--input", "{}"], "business code 'Edu'"),
    (["call", "pricing.base_price", "-b", "edu", "--input", "{sku: 1}"], "--input: invalid JSON"),
    (["call", "pricing.base_price", "-b", "edu", "--input", "[1]"], "must be a JSON object"),
    (["call", "pricing.base_price", "-b", "edu", "--input", '{"sku": "a"}'], "needs input 'request'"),
    (["call", "pricing.base_price", "-b", "edu", "--input", '{"sku": "a", "requests": {}}'], "no input 'requests'"),
    (["call", "pricing.base_price", "-b", "edu", "--input",
      '{"sku": "a", "request": {"channel": "app", "lines": [{"sku": "a", "quantity": "two"}]}}'],
     "request.lines[0].quantity: expected an integer"),
    (["call", "pricing.base_price", "-b", "edu", "--input", "@/nonexistent.json"], "no such file"),
])
def test_bad_input_is_one_line(priced, unchanged, args, message):
    with unchanged(priced.url):
        result = priced(*args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], result.stderr


def test_suspended_business_refuses_calls(priced):
    priced.ok("business", "suspend", "edu")
    result = priced("call", "pricing.base_price", "-b", "edu.k12", "--input", price_input())
    assert result.exit_code == 1 and "suspended" in result.stderr


def test_call_as_subprocess(zt, tmp_path):
    assert zt("business", "create", "edu").returncode == 0
    assert zt("plugins", "enable", "test.price", "-b", "edu", "--set", "price=0.10").returncode == 0
    payload = tmp_path / "req.json"
    payload.write_text(price_input("x"))
    done = zt("call", "pricing.base_price", "--business", "edu", "--input", f"@{payload}", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"] == {"amount": "0.10", "currency": "CNY"}
    bad = zt("call", "pricing.base_price", "--business", "edu", "--input", "{oops")
    assert bad.returncode == 1 and bad.stderr.startswith("Error: --input: invalid JSON")
    assert "Traceback" not in bad.stderr


def test_a_failing_plugin_is_one_line_naming_it(priced):
    from sqlalchemy import create_engine, text

    engine = create_engine(priced.url)
    with engine.begin() as connection:  # a stored config that no longer fits the config class
        connection.execute(text("UPDATE zt_enablement SET config = :c WHERE plugin = 'test.price'"),
                           {"c": '{"price": "free"}'})
    engine.dispose()
    result = priced("call", "pricing.base_price", "-b", "edu", "--input", price_input(), "--explain")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "plugin 'test.price'" in lines[0] and "pricing.base_price" in lines[0], lines
