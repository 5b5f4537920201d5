"""A quote as rows for a table, or as JSON.  Pure functions: no printing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from zhongtai.core.specs.pricing import Quote

LINE_HEADERS = ("sku", "qty", "unit price", "total")
STEP_HEADERS = ("#", "step", "plugin", "applies to", "before", "after", "change", "detail")


def amount_text(amount: Decimal, digits: int) -> str:
    """*amount* with the currency's digits (``20.00``), or with the finer digits it really has."""
    minor = Decimal(1).scaleb(-digits)
    if amount % minor == 0:
        return str(amount.quantize(minor))
    return str(amount.normalize())


def line_rows(quote: Quote) -> list[list[str]]:
    """One row per line, then the total."""
    rows = [[line.sku, str(line.quantity), amount_text(line.unit_price.amount, quote.digits),
             amount_text(line.total.amount, quote.digits)] for line in quote.lines]
    rows.append(["total", "", "", f"{amount_text(quote.total.amount, quote.digits)} {quote.currency}"])
    return rows


def step_rows(quote: Quote) -> list[list[str]]:
    """The explanation: one row per step, in order."""
    rows = []
    for number, step in enumerate(quote.adjustments, 1):
        change = step.change.amount
        rows.append([
            str(number), step.step + (f" {step.code}" if step.code and step.code not in step.detail else ""),
            step.plugin, step.sku or "order", amount_text(step.before.amount, quote.digits),
            amount_text(step.after.amount, quote.digits),
            ("+" if change > 0 else "") + amount_text(change, quote.digits) if change else "-", step.detail,
        ])
    return rows


def quote_json(quote: Quote, *, business: str) -> dict[str, Any]:
    """The quote as JSON-ready data: amounts as strings, the explanation as a list of steps."""
    from zhongtai.core.jsonio import to_json

    data: dict[str, Any] = {"business": business, "currency": quote.currency, "total": str(quote.total.amount)}
    body = to_json(quote)
    data.update({"digits": quote.digits, "rounding": body["rounding"], "lines": body["lines"],
                 "adjustments": body["adjustments"]})
    return data
