"""What one API operation is, for the gateway's own routes and those capability packages add.

An :class:`Operation` is a plain synchronous function of a :class:`Call` plus what
the gateway needs to serve and document it: method, path, the token scope it
needs, whether it answers for a business (resolved per request), and the JSON
Schemas of its body and answer (generated from attrs types, see
:mod:`zhongtai.gateway.schemas`).  The gateway does everything around it:
authentication, rate limits, body limits, Idempotency-Key, business resolution
inside the token's subtree, running it in a worker thread with a time limit,
problem+json errors, metrics.

Capability packages add operations through the ``zhongtai.gateway.routes``
entry-point group: the entry point names a function ``routes(platform, schemas) ->
Iterable[Operation]`` (see docs/gateway.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import BusinessView, Platform
    from zhongtai.gateway.auth import Principal

ROUTES_GROUP = "zhongtai.gateway.routes"


class Call(NamedTuple):
    """One request as an operation sees it (already authenticated and authorised).

    Immutable (a named tuple: built for every request, it costs a third of a frozen attrs class).
    """

    platform: Platform
    principal: Principal
    business: str | None  # the business this request is for (operations with business=True)
    body: Any  # the parsed JSON body (None for GET)
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]

    @property
    def view(self) -> BusinessView:
        """The business's view: its calls go to exactly its plugins."""
        assert self.business is not None
        return self.platform.business(self.business)


@attrs.frozen
class Reply:
    """An operation's answer: a JSON value, or raw content (``media_type`` set) such as CSS."""

    body: Any
    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)
    media_type: str | None = None  # None: JSON


@attrs.frozen
class Operation:
    """One HTTP operation (see the module docstring)."""

    method: str
    path: str
    operation_id: str
    summary: str
    handler: Callable[[Call], Reply | Any]
    scope: str = "call"
    #: resolve the request's business (X-Zhongtai-Business or identity.resolve) within the token's subtree
    business: bool = True
    request_schema: Mapping[str, Any] | None = None
    response_schema: Mapping[str, Any] = attrs.field(factory=dict)
    response_media_type: str = "application/json"
    tags: tuple[str, ...] = ()
    description: str = ""
    #: extra OpenAPI parameters (query or path), as OpenAPI parameter objects
    parameters: tuple[Mapping[str, Any], ...] = ()
    #: answers with 304 to a matching If-None-Match (the reply carries an ETag)
    conditional: bool = False
    #: the status of a successful answer, for the OpenAPI document (201, 202 ...)
    success_status: int = 200
    #: run on the event loop instead of a worker thread (no thread hop; the handler must never block on I/O)
    inline: bool = False
