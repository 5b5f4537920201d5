"""The bare endpoint ``benchmarks/gateway.py`` compares the gateway with (not a benchmark itself).

A Starlette app with one route, ``POST /v1/points/pricing.base_price``, that reads
the request body and answers a fixed JSON document -- the same bytes the gateway
answers -- so the difference measured is exactly the gateway's own work.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ANSWER = os.environ.get("ZHONGTAI_BENCH_ANSWER", "{}").encode()


async def base_price(request: Request) -> Response:
    await request.body()
    return Response(ANSWER, media_type="application/json")


app = Starlette(routes=[Route("/v1/points/pricing.base_price", base_price, methods=["POST"])])
