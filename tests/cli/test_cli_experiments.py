"""``zhongtai experiments`` (issue 15 C) through the CLI: create, start, record, report (+ plot), pick a winner."""

from __future__ import annotations

import json

import pytest

INPUT = json.dumps({"sku": "alpha", "request": {"channel": "app", "lines": [{"sku": "alpha", "quantity": 1}]}})


@pytest.fixture
def shop(cli):
    cli.ok("business", "create", "shop")
    cli.ok("plugins", "enable", "test.price", "-b", "shop", "--set", "price=10", "--set", "api_key=s3cret")
    return cli


def amount(cli, subject: str) -> str:
    return cli.json("call", "pricing.base_price", "-b", "shop", "--input", INPUT, "--subject", subject)["result"][
        "amount"]


def test_the_whole_lifecycle(shop, tmp_path):
    out = shop.ok("experiments", "create", "p-test", "-b", "shop", "-p", "test.price", "--metric", "order.paid",
                  "--variant", "control=1", "--variant", "low=1", "--set", "low.price=8")
    assert "Created experiment p-test (draft)" in out.stdout
    shop.ok("experiments", "start", "p-test")
    seen = {f"u{i}": amount(shop, f"u{i}") for i in range(12)}
    assert set(seen.values()) == {"10", "8"}  # each CLI call flushes its exposure when it ends
    for subject, price in seen.items():
        if price == "8":
            shop.ok("experiments", "record", "order.paid", "-b", "shop", "-s", subject, "--value", "8")
    plot = tmp_path / "p-test.svg"
    data = shop.json("experiments", "report", "p-test", "--plot", str(plot))
    control, low = data["variants"]
    assert control["exposures"] + low["exposures"] == 12 and control["conversions"] == 0
    assert low["conversions"] == low["exposures"] and low["value"] == 8.0 * low["exposures"]
    assert plot.read_text().startswith("<svg") and "low" in plot.read_text()
    table = shop.ok("experiments", "report", "p-test").stdout
    assert "EXPOSURES" in table and "sample ratio check" in table
    listed = shop.json("experiments", "list")
    assert [(e["name"], e["status"]) for e in listed] == [("p-test", "running")]
    shop.ok("experiments", "pick-winner", "p-test", "low")
    assert {amount(shop, f"u{i}") for i in range(4)} == {"8"}
    assert shop.json("experiments", "list")[0]["winner"] == "low"
    audit = [a["action"] for a in shop.json("audit", "-b", "shop")[:4]]
    assert audit == ["experiment.winner", "plugin.enable", "experiment.start", "experiment.create"]


def test_secret_config_never_shows_in_experiments(shop):
    shop.ok("experiments", "create", "s-test", "-b", "shop", "-p", "test.price", "--metric", "m",
            "--variant", "a=1", "--variant", "b=1", "--set", "b.api_key=other-secret")
    everything = shop.ok("audit", "--json").stdout + shop.ok("experiments", "list", "--json").stdout
    assert "other-secret" not in everything and "s3cret" not in everything


@pytest.mark.parametrize(("args", "message"), [
    (["create", "x", "-b", "shop", "-p", "test.price", "-m", "m", "--variant", "a"], "NAME=WEIGHT"),
    (["create", "x", "-b", "shop", "-p", "test.price", "-m", "m", "--variant", "a=1"], "2 to 10 variants"),
    (["create", "x", "-b", "shop", "-p", "test.price", "-m", "m", "--variant", "a=1", "--variant", "b=1",
      "--set", "c.price=1"], "VARIANT.KEY=VALUE"),
    (["create", "x", "-b", "shop", "-p", "test.price", "-m", "m", "--variant", "a=1", "--variant", "b=1",
      "--sample", "2"], "sample"),
    (["start", "nope"], "unknown experiment"),
    (["report", "nope"], "unknown experiment"),
    (["record", "order.paid", "-b", "shop", "-s", ""], "subject"),
    (["record", "order.paid", "-b", "nowhere", "-s", "u1"], "unknown business"),
])
def test_bad_input_is_one_line_and_writes_nothing(shop, unchanged, args, message):
    with unchanged(shop.url):
        result = shop("experiments", *args)
    assert result.exit_code == 1, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
