"""The pricing package's gateway route: ``POST /v1/pricing/quote`` (``zhongtai.gateway.routes``).

A front end prices a whole cart in one request: the body is a ``QuoteRequest``
(as ``zhongtai pricing quote --cart`` takes it), the answer the exact ``Quote``
(lines, adjustments) of the request's business and its ``total``.
"""

from __future__ import annotations

from typing import Any

from zhongtai.core.jsonio import from_json, to_json
from zhongtai.core.specs.pricing import Money, Quote, QuoteRequest


def _quote(call: Any) -> Any:
    from zhongtai.plugins.pricing.quoting import quote

    request = from_json(call.body, QuoteRequest, path="body")
    priced = quote(call.view, request)
    return {**to_json(priced), "total": to_json(priced.total)}


def routes(platform: Any, schemas: Any) -> list[Any]:
    """The operations this package adds to the gateway."""
    from zhongtai.gateway.operations import Operation
    from zhongtai.gateway.schemas import INPUT, OUTPUT

    return [Operation(
        "POST", "/v1/pricing/quote", "pricing_quote", "Quote a cart for the request's business",
        _quote, tags=("pricing",), request_schema=schemas.schema(QuoteRequest, INPUT),
        response_schema={"allOf": [schemas.schema(Quote, OUTPUT), {
            "type": "object", "required": ["total"], "properties": {"total": schemas.schema(Money, OUTPUT)}}]},
        inline=True,
        description="Base prices, every adjustment and rounding, exactly as `zhongtai pricing quote`.",
    )]
