"""``zhongtai pricing quote`` (contributed through the zhongtai.cli entry point) and the raw ``zhongtai call``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from zhongtai.core.cli.main import cli

CART = {"lines": [{"sku": "math-101", "quantity": 2}, {"sku": "pen", "quantity": 3}],
        "customer": {"tier": "gold"}, "at": "2025-06-18T12:00:00+08:00"}


@pytest.fixture
def url(platform, sqlite_url):
    platform.enable("pricing.price-list", "edu", config={"prices": {"math-101": "99.00", "pen": "2.50"}})
    platform.enable("pricing.member-tier", "edu", priority=200, config={"percent_off": {"gold": "5"}})
    platform.enable("pricing.coupons", "edu", priority=100, config={"coupons": {"SAVE20": {"value": "20.00"}}})
    return sqlite_url


def run(url, *args, input=None):
    result = CliRunner().invoke(cli, ["--database-url", url, *args], input=input)
    return result.exit_code, result.output


def test_quote_from_a_cart_file_explained(url, tmp_path):
    path = tmp_path / "cart.json"
    path.write_text(json.dumps(CART), encoding="utf-8")
    code, out = run(url, "pricing", "quote", "--business", "edu.k12", "--cart", f"@{path}", "--coupon", "SAVE20",
                    "--explain")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split() == ["SKU", "QTY", "UNIT", "PRICE", "TOTAL"]
    assert lines[1].split() == ["math-101", "2", "99.00", "168.83"]
    assert lines[2].split() == ["pen", "3", "2.50", "6.39"]
    assert lines[3].split() == ["total", "175.22", "CNY"]
    steps = [line.split() for line in lines[5:]]
    assert steps[0][:3] == ["#", "STEP", "PLUGIN"]
    assert [row[1:4] for row in steps[1:3]] == [["base", "price", "pricing.price-list"]] * 2
    assert steps[-1][1:4] == ["coupon", "SAVE20", "pricing.coupons"]
    assert steps[-1][4:8] == ["order", "195.22", "175.22", "-20.00"]


def test_quote_json_from_stdin(url):
    code, out = run(url, "pricing", "quote", "-b", "edu.k12", "--cart", "@-", "--json", "--channel", "h5",
                    input=json.dumps(CART["lines"]))
    assert code == 0, out
    data = json.loads(out)
    assert (data["business"], data["currency"], data["total"]) == ("edu.k12", "CNY", "205.50")
    assert [line["total"]["amount"] for line in data["lines"]] == ["198.00", "7.50"]
    assert [step["plugin"] for step in data["adjustments"]] == ["pricing.price-list"] * 2


@pytest.mark.parametrize(("args", "message"), [
    (["--cart", '[{"sku": "zzz"}]'], "no price for sku 'zzz' at business edu.k12"),
    (["--cart", '[{"sku": "pen", "quantity": 1.5}]'], "cart.lines[0].quantity: expected an integer"),
    (["--cart", "[{"], "cart: invalid JSON"),
    (["--cart", "@/nonexistent/cart.json"], "no such file"),
    (["--cart", "[]"], "at least one cart line"),
    (["--cart", '[{"sku": "pen"}]', "--at", "2025-01-01T00:00"], "has no UTC offset"),
    (["--cart", '[{"sku": "pen"}]', "--currency", "JPY"], "expects JPY"),
    (["--cart", '[{"sku": "pen"}]', "--channel", "App Store"], "channel must be a lowercase slug"),
])
def test_bad_input_is_one_line_and_exit_1(url, args, message):
    code, out = run(url, "pricing", "quote", "-b", "edu.k12", *args)
    assert code == 1
    assert message in out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1


def test_an_unknown_coupon_is_warned_about(url):
    result = CliRunner().invoke(cli, ["--database-url", url, "pricing", "quote", "-b", "edu", "--cart",
                                      '[{"sku": "pen"}]', "--coupon", "NOPE"])
    assert result.exit_code == 0
    assert "coupon 'NOPE' is not known to any pricing plugin of edu" in result.output


def test_the_raw_extension_point_is_still_reachable_with_zhongtai_call(url):
    quote = {"currency": "CNY", "lines": [{"sku": "pen", "quantity": 2, "total": {"amount": "5.00", "currency": "CNY"},
                                           "unit_price": {"amount": "2.50", "currency": "CNY"}}]}
    request = {"channel": "app", "lines": [{"sku": "pen", "quantity": 2}], "customer": {"tier": "gold"}}
    code, out = run(url, "call", "pricing.adjust", "-b", "edu.k12", "--json",
                    "--input", json.dumps({"quote": quote, "request": request}))
    assert code == 0, out
    result = json.loads(out)["result"]
    assert result["lines"][0]["total"]["amount"] == "4.75"
