"""Cart documents (JSON) -> :class:`QuoteRequest`.

A cart document is either a list of lines or an object with the request's
fields; numbers stay exact (a quantity must be a whole number)::

    [{"sku": "math-101", "quantity": 2}, {"sku": "pen"}]

    {"channel": "mini-program", "lines": [{"sku": "math-101", "quantity": 2}],
     "customer": {"id": "c-42", "tier": "gold", "tags": ["student"]},
     "coupons": ["SAVE20"], "at": "2025-06-18T10:00:00+08:00", "currency": "CNY"}

The channel defaults to ``app``.  Every problem is one :class:`InvalidCartError`
naming the source and the path of the bad value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO, Any

from zhongtai.core.errors import UserError
from zhongtai.core.specs.pricing import QuoteRequest
from zhongtai.plugins.pricing.errors import InvalidCartError

DEFAULT_CHANNEL = "app"


def read_cart(reference: str, stdin: IO[str] | None = None) -> tuple[Any, str]:
    """The parsed document of ``@FILE``, ``@-`` (*stdin*) or inline JSON, and where it came from."""
    from zhongtai.core.documents import parse_json, read_reference

    if reference in ("@-", "-") and stdin is None:
        raise InvalidCartError("cart: no standard input to read from")
    try:
        text, source = read_reference("@-" if reference == "-" else reference, source="cart", stdin=stdin)
        return parse_json(text, source=source, exact_numbers=True), source
    except UserError as exc:
        raise InvalidCartError(exc.message) from None


def cart_request(
    document: Any, *, source: str = "cart", channel: str | None = None, tier: str | None = None,
    tags: Sequence[str] = (), coupons: Sequence[str] = (), at: dt.datetime | None = None,
    currency: str | None = None,
) -> QuoteRequest:
    """The quote request of a cart *document*, with the given fields overriding (coupons and tags added)."""
    from zhongtai.core.jsonio import from_json, to_json

    data: dict[str, Any] = {"lines": document} if isinstance(document, list) else document
    if not isinstance(data, dict):
        raise InvalidCartError(f"{source}: a cart is a list of lines or an object with \"lines\"")
    data = dict(data)
    data.setdefault("channel", DEFAULT_CHANNEL)
    if channel:
        data["channel"] = channel
    if tier or tags:
        customer = dict(data.get("customer") or {})
        if tier:
            customer["tier"] = tier
        customer["tags"] = [*customer.get("tags", []), *tags]
        data["customer"] = customer
    if coupons:
        data["coupons"] = [*data.get("coupons", []), *coupons]
    if at is not None:
        data["at"] = to_json(at)
    if currency:
        data["currency"] = currency
    try:
        request: QuoteRequest = from_json(data, QuoteRequest, path=source)
    except UserError as exc:
        raise InvalidCartError(exc.message) from None
    return request
