"""Assembling the app: built-in operations, capability packages' operations, plain routes, middleware.

Capability packages add operations through the ``zhongtai.gateway.routes``
entry-point group: each entry point names a function ``routes(platform, schemas) ->
Iterable[Operation]``.  A package whose routes fail to load is logged and left
out; the gateway still starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from zhongtai.core.errors import RegistryError
from zhongtai.gateway import admin, events, exchange, points, problems
from zhongtai.gateway.exchange import Exchange, Receive, Scope, Send
from zhongtai.gateway.operations import ROUTES_GROUP, Operation
from zhongtai.gateway.problems import Problem
from zhongtai.gateway.schemas import SchemaBuilder
from zhongtai.gateway.settings import GatewaySettings

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from zhongtai.core.runtime.platform import Platform
    from zhongtai.gateway.app import Gateway

log = logging.getLogger("zhongtai.gateway")


def builtin_operations(gateway: Gateway) -> list[Operation]:
    builder = gateway.schemas
    return [*points.operations(gateway.platform, builder, gateway.settings.inline_points),
            *admin.operations(gateway.platform, builder), *events.operations()]


POINTS_PREFIX = "/v1/points/"


def points_route(gateway: Gateway, operations: dict[str, Operation]) -> Route:
    """One route for every ``/v1/points/<name>``: a dictionary lookup instead of a regex per point."""
    return Route(POINTS_PREFIX + "{name}", PointsEndpoint(gateway, operations), methods=["POST"], name="points")


class PointsEndpoint:
    """The ASGI app of ``/v1/points/<name>``: the point's operation through the pipeline, or a 404 problem."""

    __slots__ = ("gateway", "operations")

    def __init__(self, gateway: Gateway, operations: dict[str, Operation]) -> None:
        self.gateway = gateway
        self.operations = operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Exchange(scope, receive)
        operation = self.operations.get(request.path)
        if operation is None:
            known = ", ".join(sorted(op.path.removeprefix(POINTS_PREFIX) for op in self.operations.values()))
            name = request.path.removeprefix(POINTS_PREFIX)
            answer = problems.answer(Problem(404, f"unknown extension point {name[:100]!r} (known: {known})"),
                                     request.path)
        else:
            answer = await self.gateway.serve(operation, request)
        await exchange.send(send, answer)


def package_operations(platform: Platform, schemas: SchemaBuilder,
                       path: Sequence[str] | None = None) -> list[Operation]:
    """Operations of the installed capability packages (``zhongtai.gateway.routes``) on *path*.

    Each entry point names ``routes(platform, schemas) -> Iterable[Operation]``; *schemas* is
    the gateway's :class:`~zhongtai.gateway.schemas.SchemaBuilder` (shared component schemas).
    """
    import importlib
    import sys

    from zhongtai.core.entrypoints import entry_points

    result: list[Operation] = []
    for ep in entry_points(ROUTES_GROUP, sys.path if path is None else path):
        try:
            module_name, _, attr = ep.value.partition(":")
            factory: Callable[[Platform, SchemaBuilder], Iterable[Operation]] = getattr(
                importlib.import_module(module_name), attr)
            result.extend(factory(platform, schemas))
        except Exception as exc:  # noqa: BLE001 - one broken package must not stop the gateway
            log.error("gateway routes %s (%s) could not be loaded: %s", ep.name, ep.value, exc)
    return result


def plain_routes(gateway: Gateway) -> list[BaseRoute]:
    """Health, readiness, metrics and the API description: no credential needed."""
    from zhongtai.gateway import openapi, reference

    platform = gateway.platform

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        await gateway.poll()
        status = platform.status()
        if status.revision is None:  # never loaded: try now (off the event loop)
            import anyio

            with contextlib.suppress(RegistryError):
                await anyio.to_thread.run_sync(platform.refresh)
            status = platform.status()
        body = {
            "ready": status.revision is not None, "live": status.live, "revision": status.revision,
            "listening": status.listening,
            "stale_since": status.stale_since.isoformat(timespec="seconds") if status.stale_since else None,
            "error": status.error,
        }
        return JSONResponse(body, status_code=200 if status.revision is not None else 503)

    async def metrics(request: Request) -> Response:
        calls = platform.metrics.prometheus() if platform.metrics is not None else ""
        return PlainTextResponse(calls + gateway.http_metrics.prometheus(),
                                 media_type="text/plain; version=0.0.4; charset=utf-8")

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(openapi.document(gateway))

    async def docs(request: Request) -> Response:
        return HTMLResponse(reference.page(openapi.document(gateway)))

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
    ]


def middleware(settings: GatewaySettings) -> list[Middleware]:
    """CORS only when origins are configured (off by default: no CORS headers at all)."""
    if not settings.cors_origins:
        return []
    from starlette.middleware.cors import CORSMiddleware

    return [Middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                       allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match",
                                      "X-Zhongtai-Business", "X-Zhongtai-Channel", "X-Zhongtai-App",
                                      "X-Zhongtai-Store", "X-Zhongtai-Terminal", "X-Zhongtai-Host"],
                       expose_headers=["ETag", "X-Zhongtai-Revision", "X-Zhongtai-Stale-Since", "Retry-After"],
                       max_age=600)]


def lifespan(gateway: Gateway) -> Callable[[Starlette], Any]:
    """Load the registry at startup (a registry that is down is retried by every request) and close at exit."""

    @contextlib.asynccontextmanager
    async def span(app: Starlette) -> AsyncIterator[None]:
        import anyio

        try:
            await anyio.to_thread.run_sync(gateway.platform.refresh)
        except RegistryError as exc:
            log.warning("registry not loaded at startup (calls answer 503 until it is): %s", exc.message)
        checks = asyncio.create_task(gateway.keep_current())
        try:
            yield
        finally:
            checks.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await checks
            gateway.platform.close()
            from zhongtai.core import telemetry

            telemetry.flush()  # the spans of the last requests, before uvicorn ends the process

    return span
