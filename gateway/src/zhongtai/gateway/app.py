"""The gateway's ASGI application: :func:`create_app`.

Each API operation (:mod:`zhongtai.gateway.operations`) is served through one
pipeline: catch up with the registry if a check is due (in a worker thread),
authenticate (:mod:`~zhongtai.gateway.auth`), check the token's scope, take one
request from the token's rate budget, read a bounded JSON body, honour
``Idempotency-Key``, then -- in a worker thread, under ``request_timeout`` --
resolve the business inside the token's subtree and run the operation.  Errors
become RFC 9457 problems (:mod:`~zhongtai.gateway.problems`); every answer says
the registry revision it was served at and, during a registry outage, since when
it has been serving the last good plans.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import anyio
import orjson
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from zhongtai.core import telemetry
from zhongtai.core.documents import parse_body
from zhongtai.core.errors import NotFound, UserError, ZhongtaiError
from zhongtai.core.identity import validate_code
from zhongtai.core.runtime.platform import Platform
from zhongtai.gateway import exchange, problems
from zhongtai.gateway.auth import Authenticator, Principal
from zhongtai.gateway.exchange import JSON_TYPE, Answer, Exchange, RawHeaders, Receive, Scope, Send
from zhongtai.gateway.httpmetrics import HttpMetrics
from zhongtai.gateway.idempotency import HEADER as IDEMPOTENCY_HEADER
from zhongtai.gateway.idempotency import IdempotencyStore, Stored
from zhongtai.gateway.limits import RateLimiter, read_body
from zhongtai.gateway.operations import Call, Operation, Reply
from zhongtai.gateway.problems import Problem
from zhongtai.gateway.schemas import SchemaBuilder
from zhongtai.gateway.settings import GatewaySettings

log = logging.getLogger("zhongtai.gateway")

BUSINESS_HEADER = "x-zhongtai-business"
#: Request attributes for ``identity.resolve``, each from header ``X-Zhongtai-<Name>``.
ATTRIBUTES = ("channel", "app", "store", "terminal", "host")
_new_tuple = tuple.__new__
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _encode(value: Any) -> bytes:
    """*value* as compact UTF-8 JSON: orjson, or the standard encoder for what orjson refuses (huge integers)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return _ENCODER.encode(value).encode()


#: How often the background registry check looks whether a check is due (see Gateway.keep_current).
TICK = 0.05

#: W3C Trace Context request headers a traced gateway continues (docs/observability.md).
TRACE_HEADERS = ("traceparent", "tracestate", "baggage")


class Gateway:
    """One gateway: a Platform, its settings, and the state shared by requests."""

    def __init__(self, platform: Platform, settings: GatewaySettings) -> None:
        self.platform = platform
        self.settings = settings
        self.auth = Authenticator(platform, settings)
        self.limiter = RateLimiter(settings.rate_limit, settings.rate_burst)
        #: a request still "running" after three time limits (and 5 s) was abandoned: its key may be reused
        self.idempotency = IdempotencyStore(platform.registry, settings.idempotency_ttl,
                                            settings.request_timeout * 3 + 5)
        self.http_metrics = HttpMetrics()
        from zhongtai.core.documents import MAX_DOCUMENT_BYTES

        #: request bodies above this are refused with 413 (the deployment's limit, never above the documents' cap)
        self.body_limit = min(settings.max_body_bytes, MAX_DOCUMENT_BYTES)
        self.operations: list[Operation] = []
        #: component schemas shared by every operation's request and answer schemas
        self.schemas = SchemaBuilder()
        self.openapi: dict[str, Any] | None = None  # built on first request of /openapi.json
        self._revision_headers: tuple[int | None, RawHeaders] = (None, [])

    # -- the pipeline --------------------------------------------------------------------
    def route(self, operation: Operation) -> Route:
        """A Starlette route serving *operation* through the pipeline (a plain ASGI endpoint)."""
        return Route(operation.path, OperationEndpoint(self, operation), methods=[operation.method],
                     name=operation.operation_id)

    async def serve(self, operation: Operation, request: Exchange) -> Answer:
        """*operation*'s answer to *request*: every error a problem document, the registry revision in a header."""
        started = time.perf_counter()
        tracer = telemetry.tracer()
        if tracer is None:
            answer = await self._answer(operation, request)
        else:
            answer = await self._traced(tracer, operation, request)
        answer.raw = self._registry_headers()
        self.http_metrics.observe(operation.operation_id, request.method, answer.status,
                                  time.perf_counter() - started)
        return answer

    async def _answer(self, operation: Operation, request: Exchange) -> Answer:
        """The operation's answer, every error mapped to a problem document.

        In order: catch up with the registry if a check is due, authenticate,
        check the token's scope, take one request from its rate budget, read a
        bounded JSON body, honour ``Idempotency-Key``, then run the operation.
        """
        try:
            if self.platform.checks_on_call and self.platform.poll_due():
                await anyio.to_thread.run_sync(self.platform.poll)
            principal = self.auth.cached(request)
            if principal is None:
                principal = await anyio.to_thread.run_sync(self.auth.verify, request)
            if self.auth.touch_due(principal):
                _background(self.auth.touch, principal)
            principal.require_scope(operation.scope)
            if self.limiter.rate > 0:
                self.limiter.take(principal.key)
            if operation.method != "POST":
                return await self._run(operation, request, principal, None)
            raw = await read_body(request, self.body_limit)
            body = _parse_body(request, raw)
            key = request.headers.get(IDEMPOTENCY_HEADER)
            if key is not None:
                return await self._idempotent(operation, request, principal, body, raw, key)
            if operation.inline and self.platform.serving()[0] is not None:  # the hot path: no coroutine more
                return self._answer_of(operation, request, self._work(operation, request, principal, body))
            return await self._run(operation, request, principal, body)
        except Problem as problem:
            return problems.answer(problem, request.path)
        except ZhongtaiError as exc:
            return problems.answer(problems.from_error(exc), request.path)
        except ClientDisconnect:  # nobody is listening any more; nothing to log
            return problems.answer(Problem(400, "the client disconnected"), request.path)
        except Exception:  # a bug: logged here, never shown to the client
            log.exception("unexpected error serving %s %s", request.method, request.path)
            return problems.answer(Problem(500, "internal error; see the gateway's log"), request.path)

    async def _traced(self, tracer: Any, operation: Operation, request: Exchange) -> Answer:
        """:meth:`_answer` in an HTTP server span continuing the caller's W3C ``traceparent``, if any."""
        parent = telemetry.extract({name: request.headers[name] for name in TRACE_HEADERS if name in request.headers})
        attributes = {"http.request.method": request.method, "http.route": operation.path,
                      "url.path": request.path, "url.scheme": request.scheme,
                      "zhongtai.operation": operation.operation_id}
        with telemetry.span(tracer, f"{request.method} {operation.path}", attributes, kind=SpanKind.SERVER,
                            context=parent) as span:
            answer = await self._answer(operation, request)
            span.set_attribute("http.response.status_code", answer.status)
            if answer.status >= 500:
                span.set_status(Status(StatusCode.ERROR))
                span.set_attribute(telemetry.ERROR_TYPE, str(answer.status))
            return answer

    async def poll(self) -> None:
        """Catch up with the registry when a check is due, off the event loop, and wait for it."""
        if self.platform.poll_due():
            await anyio.to_thread.run_sync(self.platform.poll)

    async def keep_current(self) -> None:
        """Check the registry in the background for as long as this runs (the app's lifespan runs it).

        Meanwhile no request waits for the registry: a periodic check used to
        hold up every request arriving during its round trip (the answers' p99),
        and an idle gateway still catches up within ``refresh_interval``.  With
        ``refresh_interval`` 0 (check on every call) the requests check themselves.
        """
        platform, interval = self.platform, self.settings.refresh_interval
        if interval <= 0:
            return
        platform.checks_on_call = False
        try:
            while True:
                await anyio.sleep(min(interval, TICK))  # a LISTEN notification is acted on within a tick
                if platform.poll_due():
                    try:
                        await anyio.to_thread.run_sync(platform.poll)
                    except Exception:  # poll never raises for the registry; a bug must not end the checks
                        log.exception("the background registry check failed")
        finally:
            platform.checks_on_call = True

    async def _idempotent(self, operation: Operation, request: Exchange, principal: Principal, body: Any,
                          raw: bytes, key: str) -> Answer:
        """:meth:`_run` once per ``Idempotency-Key``: a retry gets the first answer (or a problem while it runs)."""
        self.idempotency.check_key(key)
        fingerprint = self.idempotency.fingerprint(request.method, request.path, raw)
        replay = await anyio.to_thread.run_sync(self.idempotency.begin, principal.key, key, fingerprint)
        if replay is not None:
            return Answer(replay.body, replay.status, {**replay.headers, "Idempotent-Replayed": "true"},
                          replay.media_type)
        stored: Stored | None = None
        try:
            answer = await self._run(operation, request, principal, body)
            if answer.status < 500:
                stored = Stored(answer.status, _kept_headers(answer), answer.body, answer.media_type or JSON_TYPE)
            return answer
        except Problem as problem:
            if problem.status not in (401, 429) and problem.status < 500:
                stored = _stored_problem(problem, request.path)
            raise
        except ZhongtaiError as exc:
            mapped = problems.from_error(exc)
            if mapped.status < 500:
                stored = _stored_problem(mapped, request.path)
            raise
        finally:
            await anyio.to_thread.run_sync(self.idempotency.finish, principal.key, key, stored)

    async def _run(self, operation: Operation, request: Exchange, principal: Principal, body: Any) -> Answer:
        """Resolve the business and run the handler: on the event loop for inline operations, else in a thread."""
        if operation.inline and self.platform.serving()[0] is not None:  # never loading on the loop
            reply = self._work(operation, request, principal, body)
        else:
            reply = await self._threaded(functools.partial(self._work, operation, request, principal, body))
        return self._answer_of(operation, request, reply)

    def _work(self, operation: Operation, request: Exchange, principal: Principal, body: Any) -> Reply | Any:
        headers = request.headers
        business = self.business_of(headers, principal) if operation.business else None
        # Call(...) without the named tuple's Python-level __new__: a third of the cost, once per request
        call = _new_tuple(Call, (self.platform, principal, business, body, request.path_params, request.query,
                                 headers))
        if business is None or not telemetry.observing():
            return operation.handler(call)
        telemetry.tag_business(business)
        with telemetry.business_scope(business):
            return operation.handler(call)

    async def _threaded(self, work: Any) -> Any:
        """*work()* in a worker thread under the request time limit (504 when it runs out)."""
        try:
            with anyio.fail_after(self.settings.request_timeout):
                return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
        except TimeoutError:
            raise Problem(504, f"no answer within {self.settings.request_timeout:g} s (a change may still "
                               "complete; retry with the same Idempotency-Key)", slug="timeout") from None

    @staticmethod
    def _answer_of(operation: Operation, request: Exchange, reply: Reply | Any) -> Answer:
        """The answer of a handler's *reply*: a :class:`Reply`, or a plain JSON value (200)."""
        if type(reply) is not Reply:  # a plain JSON value: the common case needs no Reply
            return Answer(_encode(reply))
        if operation.conditional:
            etag = next((v for k, v in reply.headers.items() if k.lower() == "etag"), None)
            if etag is not None and request.headers.get("if-none-match") in (etag, "*"):
                return Answer(b"", 304, reply.headers, None)
        if reply.media_type is None:
            return Answer(_encode(reply.body), reply.status, reply.headers)
        data = reply.body if isinstance(reply.body, bytes) else str(reply.body).encode()
        return Answer(data, reply.status, reply.headers, reply.media_type)

    def business_of(self, headers: Mapping[str, str], principal: Principal) -> str:
        """The business a request is for: the header, else ``identity.resolve`` in the token's subtree.

        The principal's scope has been checked (the pipeline does that first); here, its subtree.
        """
        code = headers.get(BUSINESS_HEADER)
        if code is not None:
            code = code.strip()
            known = code in self.platform.snapshot.businesses  # a known code is a valid one
            if not known:
                validate_code(code)
            principal.require_within(code)
            if not known:
                raise NotFound(f"unknown business {code!r}")
            return code
        attributes = {name: headers[f"x-zhongtai-{name}"] for name in ATTRIBUTES if f"x-zhongtai-{name}" in headers}
        if not attributes:
            raise UserError("say which business: an X-Zhongtai-Business header, or request attributes "
                            f"({', '.join('X-Zhongtai-' + a.capitalize() for a in ATTRIBUTES)}) to resolve")
        scope_business = principal.subtree
        if scope_business is None:
            raise UserError("a platform-wide credential must name the business (X-Zhongtai-Business)")
        from zhongtai.core.runtime.resolve import resolve

        return resolve(self.platform, scope_business, attributes).code

    def _registry_headers(self) -> RawHeaders:
        """``X-Zhongtai-Revision`` (once loaded) and, during a registry outage, ``X-Zhongtai-Stale-Since``.

        Encoded once per revision: every answer carries them.
        """
        revision, stale_since = self.platform.serving()
        known = self._revision_headers
        if known[0] != revision:
            known = self._revision_headers = (revision, [] if revision is None else
                                              [(b"x-zhongtai-revision", b"%d" % revision)])
        if stale_since is None:
            return known[1]
        return [*known[1], (b"x-zhongtai-stale-since", stale_since.isoformat(timespec="seconds").encode())]


class OperationEndpoint:
    """The ASGI app of one operation's route: an :class:`Exchange` in, the pipeline's :class:`Answer` out."""

    __slots__ = ("gateway", "operation")

    def __init__(self, gateway: Gateway, operation: Operation) -> None:
        self.gateway = gateway
        self.operation = operation

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await exchange.send(send, await self.gateway.serve(self.operation, Exchange(scope, receive)))


def _parse_body(request: Exchange, raw: bytes) -> Any:
    """The JSON body, read within the limits of every zhongtai document (size, depth, numbers)."""
    if not raw or raw.isspace():  # no copy of the body, as strip() would make
        return {}
    media = request.headers.get("content-type", JSON_TYPE)
    if media != JSON_TYPE:
        media = media.split(";")[0].strip().lower()
        if media != JSON_TYPE and not media.endswith("+json"):
            raise Problem(415, f"send JSON (Content-Type: {JSON_TYPE}), not {media or 'no content type'}",
                          slug="unsupported-media-type")
    return parse_body(raw, source="request body", exact_numbers=True)


def _kept_headers(answer: Answer) -> dict[str, str]:
    return {k: v for k, v in answer.headers.items() if k.lower() not in ("content-length", "content-type")}


def _stored_problem(problem: Problem, instance: str) -> Stored:
    answer = problems.answer(problem, instance)
    return Stored(problem.status, _kept_headers(answer), answer.body, problems.MEDIA_TYPE)


def _background(function: Any, *args: Any) -> None:
    """Run *function(*args)* in the default executor without waiting (telemetry)."""
    import asyncio

    asyncio.get_running_loop().run_in_executor(None, function, *args)


def create_app(
    database_url: str | None = None, *, platform: Platform | None = None, settings: GatewaySettings | None = None,
    plugin_path: Sequence[str] | None = None, extra_operations: Iterable[Operation] = (),
) -> GatewayApp:
    """The gateway as an ASGI app for *database_url* (default ``$ZHONGTAI_DATABASE_URL``).

    :param platform: serve this Platform instead of creating one (tests, embedding).
    :param settings: deployment settings (default: :meth:`GatewaySettings.from_env`).
    :param extra_operations: more operations besides the built-in ones and the
        ``zhongtai.gateway.routes`` entry points.
    The Gateway object is ``app.state.gateway``.
    """
    from zhongtai.gateway import console, routes

    settings = settings or GatewaySettings.from_env()
    if platform is None:
        platform = Platform(database_url, refresh_interval=settings.refresh_interval, plugin_path=plugin_path,
                            metrics=True)
    gateway = Gateway(platform, settings)
    gateway.operations = [*routes.builtin_operations(gateway),
                          *routes.package_operations(platform, gateway.schemas, plugin_path), *extra_operations]
    points = {op.path: op for op in gateway.operations if op.path.startswith(routes.POINTS_PREFIX)}
    app_routes: list[BaseRoute] = [
        routes.points_route(gateway, points), *routes.plain_routes(gateway),
        *(gateway.route(op) for op in gateway.operations if op.path not in points),
    ]
    app_routes.append(console.mount(platform))  # the admin console's pages, under /console
    middleware = routes.middleware(settings)

    async def not_found(request: Request, exc: Exception) -> Response:
        return problems.response(Problem(404, f"no such path: {request.url.path}"), request.url.path)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return problems.response(Problem(405, f"{request.method} is not allowed here"), request.url.path)

    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error serving %s %s", request.method, request.url.path)
        return problems.response(Problem(500, "internal error; see the gateway's log"), request.url.path)

    app = GatewayApp(routes=app_routes, middleware=middleware,
                     exception_handlers={404: not_found, 405: not_allowed, 500: crashed},
                     lifespan=routes.lifespan(gateway))
    app.state.gateway = gateway
    if not middleware:  # the lane skips middleware, so it opens only when there is none (CORS off)
        app.lane, app.gateway = dict(points), gateway
    return app


class GatewayApp(Starlette):
    """Starlette with one fast lane: ``POST /v1/points/<name>`` goes straight to the pipeline.

    The point calls are the gateway's hot path; Starlette's middleware stack,
    router and exception middleware cost about as much as a whole bare endpoint
    (benchmarks/gateway.py), and the pipeline already answers every error
    itself.  Every other request -- and every point call while middleware such
    as CORS is configured -- takes the ordinary Starlette route, which serves
    the same operations through the same pipeline.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: the point operations by path (empty: every request takes the Starlette route), and their gateway
        self.lane: dict[str, Operation] = {}
        self.gateway: Gateway | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            operation = self.lane.get(scope["path"])
            if operation is not None and self.gateway is not None:
                await exchange.send(send, await self.gateway.serve(operation, Exchange(scope, receive)))
                return
        await super().__call__(scope, receive, send)


def create_app_from_env() -> GatewayApp:
    """The factory ``zhongtai serve`` gives uvicorn: every setting from the environment.

    Plugins are discovered on ``$ZHONGTAI_PLUGIN_PATH`` when set (as the CLI does), else on ``sys.path``.
    """
    import sys

    from zhongtai.core import logs
    from zhongtai.core.cli.lazy import plugin_search_path

    logs.configure_from_env()  # zhongtai serve --log-format/--log-level reach every worker through the environment
    telemetry.configure_from_env()  # OTEL_TRACES_EXPORTER: each worker process exports its own spans
    path = plugin_search_path()
    for entry in reversed(path or []):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    return create_app(plugin_path=path)
