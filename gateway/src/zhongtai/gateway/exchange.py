"""One HTTP exchange as the gateway's pipeline sees it, on plain ASGI.

The pipeline (:mod:`zhongtai.gateway.app`) serves every API operation from an
:class:`Exchange` -- method, path, headers read once from the ASGI scope, the
query parsed only when asked for -- and answers with an :class:`Answer`, the
status, headers and body bytes that :func:`send` writes.  No framework request
or response objects are built per request: the gateway's hot path
(``POST /v1/points/<name>``) is dominated by exactly that kind of cost (see
benchmarks/gateway.py), and operations never needed them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON_TYPE = "application/json"
#: Statuses that never carry a body (RFC 9110), so no Content-Length or Content-Type either.
_BODILESS = frozenset((204, 304))


#: Header names already decoded (and lower-cased): clients send the same few names on every request.
_NAMES: dict[bytes, str] = {}
_NAMES_KEPT = 512


def _name_text(name: bytes) -> str:
    """*name* decoded and lower-cased, remembered for the next request (at most ``_NAMES_KEPT`` names)."""
    text = name.decode("latin-1").lower()
    if len(_NAMES) < _NAMES_KEPT:
        _NAMES[name] = text
    return text


class Exchange:
    """The request half: what the scope says, read once.  ``headers`` keys are lower case; the first of
    repeated headers wins.  The body is read through ``receive`` by the pipeline (bounded: limits.read_body)."""

    __slots__ = ("_query", "_scope", "headers", "method", "path", "path_params", "query_string", "receive")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self._scope = scope
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.receive = receive
        # reversed: the first of repeated headers is the one left in the dict
        self.headers = {_NAMES.get(name) or _name_text(name): value.decode("latin-1")
                        for name, value in reversed(scope["headers"])}
        self.query_string: bytes = scope.get("query_string", b"")
        #: the route's path parameters (Starlette's router puts them in the scope)
        self.path_params: Mapping[str, str] = scope.get("path_params") or {}
        self._query: dict[str, str] | None = None

    # what a point call does not need is read from the scope only when asked for
    @property
    def client(self) -> str:
        """The client's address, or ``""`` when the server does not say."""
        client = self._scope.get("client")
        return client[0] if client else ""

    @property
    def scheme(self) -> str:
        scheme: str = self._scope.get("scheme", "http")
        return scheme

    @property
    def query(self) -> dict[str, str]:
        """The query parameters (the last of repeated names wins)."""
        if self._query is None:
            self._query = dict(parse_qsl(self.query_string.decode("latin-1"), keep_blank_values=True)) \
                if self.query_string else {}
        return self._query


RawHeaders = list[tuple[bytes, bytes]]
_JSON_CONTENT_TYPE = (b"content-type", JSON_TYPE.encode())


class Answer:
    """The response half: status, headers (names as given) and the body bytes of *media_type*.

    ``raw`` are more headers, already as ASGI sends them (the gateway's
    registry headers, the same bytes for every answer at one revision).
    """

    __slots__ = ("body", "headers", "media_type", "raw", "status")

    def __init__(self, body: bytes, status: int = 200, headers: Mapping[str, str] | None = None,
                 media_type: str | None = JSON_TYPE) -> None:
        self.body = body
        self.status = status
        self.headers: dict[str, str] = dict(headers) if headers else {}
        self.media_type = media_type
        self.raw: RawHeaders = []

    def raw_headers(self) -> RawHeaders:
        """The header list ASGI sends: Content-Type and Content-Length first (none for 204 and 304)."""
        if not self.headers and self.media_type == JSON_TYPE and self.status not in _BODILESS:  # the usual answer
            return [_JSON_CONTENT_TYPE, (b"content-length", b"%d" % len(self.body)), *self.raw]
        raw: RawHeaders
        if self.status in _BODILESS:
            raw = []
        else:
            media = self.media_type
            if media is None:
                raw = []
            elif media == JSON_TYPE:
                raw = [_JSON_CONTENT_TYPE]
            else:
                if media.startswith("text/") and "charset" not in media:
                    media += "; charset=utf-8"
                raw = [(b"content-type", media.encode("latin-1"))]
            raw.append((b"content-length", b"%d" % len(self.body)))
        for name, value in self.headers.items():
            lower = name.lower()
            if lower not in ("content-length", "content-type"):
                raw.append((lower.encode("latin-1"), value.encode("latin-1")))
        raw += self.raw
        return raw


async def send(send: Send, answer: Answer) -> None:
    """Write *answer* through the ASGI *send* callable (a 204/304 without a body)."""
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.raw_headers()})
    await send({"type": "http.response.body", "body": b"" if answer.status in _BODILESS else answer.body})
