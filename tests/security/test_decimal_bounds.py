"""Finding 8 of issue 12: money and quantities are bounded at enable and at quote; one-line errors."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from typing import Any

import pytest

from tests.helpers.registry_rows import all_rows
from zhongtai.core.specs.pricing import MAX_AMOUNT, CartLine, Money, amount_problem


def one_error_line(result: Any) -> str:
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert "Traceback" not in result.output and "InvalidOperation" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_finding_08_out_of_bounds_prices_are_refused_at_enable(zt: Any) -> None:
    before = all_rows(zt.url)
    for price in ("1e30", "1e999999999", "-1e999999999", "0.0000000000001", "1000000000000000.01"):
        line = one_error_line(zt("plugins", "enable", "pricing.price-list", "-b", "shop",
                                 "--set", "prices=" + json.dumps({"math-101": price})))
        assert "prices.math-101" in line, (price, line)
    assert all_rows(zt.url) == before


def test_finding_08_stored_out_of_bounds_config_is_reported_by_doctor_and_quotes_fail_in_one_line(zt: Any) -> None:
    zt.ok("plugins", "enable", "pricing.price-list", "-b", "shop", "--set", 'prices={"math-101": "10.00"}')
    with sqlite3.connect(zt.url.removeprefix("sqlite:///")) as db:  # written before the bounds, or forged
        db.execute("UPDATE zt_enablement SET config = ? WHERE plugin = 'pricing.price-list'",
                   (json.dumps({"prices": {"math-101": "1e999999999"}}),))
    db.close()
    doctor = zt("doctor")
    assert doctor.exit_code == 1
    assert "invalid-config" in doctor.output and "beyond the largest amount" in doctor.output
    one_error_line(zt("pricing", "quote", "-b", "shop", "--cart", '[{"sku": "math-101"}]'))


def test_finding_08_out_of_bounds_quantities_and_carts_are_one_line(zt: Any) -> None:
    zt.ok("plugins", "enable", "pricing.price-list", "-b", "shop", "--set", 'prices={"math-101": "10.00"}')
    for cart in ('[{"sku": "math-101", "quantity": 100000000000000000000000000000000000}]',
                 '[{"sku": "math-101", "quantity": 1000001}]', json.dumps([{"sku": f"s{i}"} for i in range(1001)])):
        one_error_line(zt("pricing", "quote", "-b", "shop", "--cart", cart))


def test_finding_08_line_and_order_totals_beyond_the_bound_are_one_line(zt: Any) -> None:
    zt.ok("plugins", "enable", "pricing.price-list", "-b", "shop",
          "--set", json.dumps({"a": str(MAX_AMOUNT), "b": "999999999999999"}).join(["prices=", ""]))
    line = one_error_line(zt("pricing", "quote", "-b", "shop", "--cart", '[{"sku": "a", "quantity": 1000000}]'))
    assert "beyond the largest amount a quote may hold" in line
    line = one_error_line(zt("pricing", "quote", "-b", "shop", "--cart", '[{"sku": "a"}, {"sku": "b"}]'))
    assert "the order total is beyond" in line
    assert zt("pricing", "quote", "-b", "shop", "--cart", '[{"sku": "a"}]').exit_code == 0


def test_finding_08_call_input_money_is_bounded(zt: Any) -> None:
    request = {"quote": {"currency": "CNY", "lines": [{"sku": "x", "quantity": 1,
                                                        "unit_price": {"amount": "1e30", "currency": "CNY"},
                                                        "total": {"amount": "1e30", "currency": "CNY"}}]},
               "request": {"channel": "app", "lines": [{"sku": "x"}]}}
    line = one_error_line(zt("call", "pricing.adjust", "-b", "shop", "--input", json.dumps(request)))
    assert "beyond the largest amount" in line


def test_contract_types_enforce_the_bounds() -> None:
    assert amount_problem(Decimal("12.50")) is None
    assert amount_problem(MAX_AMOUNT) is None and amount_problem(-MAX_AMOUNT) is None
    assert amount_problem(Decimal("1.5000000000000000000")) is None  # trailing zeros are not precision
    for bad in ("1e16", "NaN", "Infinity", "0.0000000000001"):
        assert amount_problem(Decimal(bad)) is not None
    with pytest.raises(ValueError, match="beyond the largest amount"):
        Money(Decimal("1e30"), "CNY")
    with pytest.raises(ValueError, match="at most 1,000,000"):
        CartLine("x", 10**35)


def test_the_decimal_places_check_is_exact_at_the_bounds_whatever_the_callers_context() -> None:
    import decimal

    widest = Decimal("999999999999999.999999999999")  # 15 integer digits, 12 decimals: allowed
    with decimal.localcontext(decimal.Context(prec=3)):
        assert amount_problem(widest) is None
        assert amount_problem(-widest) is None
        assert "decimal places" in (amount_problem(Decimal("999999999999999.9999999999991")) or "")
        assert amount_problem(Decimal("0.000000000001")) is None
