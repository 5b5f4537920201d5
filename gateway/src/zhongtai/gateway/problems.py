"""RFC 9457 ``application/problem+json`` answers, and which zhongtai error gets which status.

Every error a client can cause becomes a problem document: ``type`` (a URN per
kind of problem), ``title``, ``status``, ``detail`` (the error's one line) and
``instance`` (the request path).  Anything else is logged server-side and
answered with a bare 500 problem -- no traceback, no exception text, ever.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

from zhongtai.core import errors
from zhongtai.gateway.exchange import Answer

MEDIA_TYPE = "application/problem+json"

#: (error class, status, slug), most specific first.
_MAPPING: tuple[tuple[type[errors.ZhongtaiError], int, str], ...] = (
    (errors.Unauthenticated, 401, "unauthenticated"),
    (errors.PermissionDenied, 403, "forbidden"),
    (errors.StaleWrite, 409, "stale-version"),
    (errors.RegistryError, 503, "registry-unavailable"),
    (errors.BusinessSuspended, 423, "business-suspended"),
    (errors.NotFound, 404, "not-found"),
    (errors.ConfigError, 422, "invalid-config"),
    (errors.ConflictError, 409, "conflict"),
    (errors.PluginUnavailable, 422, "plugin-unavailable"),
    (errors.PluginCallError, 502, "plugin-failed"),
    (errors.UserError, 400, "bad-input"),
)

#: Statuses a client may see, for the OpenAPI document.
STATUSES = (400, 401, 403, 404, 409, 413, 415, 422, 423, 429, 502, 503, 504)


class Problem(Exception):
    """Raise anywhere in a handler to answer with a problem document."""

    def __init__(self, status: int, detail: str, *, slug: str = "", headers: Mapping[str, str] | None = None,
                 extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug or HTTPStatus(status).phrase.lower().replace(" ", "-")
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


def from_error(exc: errors.ZhongtaiError) -> Problem:
    """The problem a zhongtai error is (its message is already one line; known secret values are masked)."""
    from zhongtai.core.scrubbing import scrub

    for cls, status, slug in _MAPPING:
        if isinstance(exc, cls):
            headers = {"WWW-Authenticate": 'Bearer realm="zhongtai"'} if status == 401 else None
            return Problem(status, scrub(exc.message), slug=slug, headers=headers)  # no secret values
    return Problem(500, "internal error", slug="internal-error")


def answer(problem: Problem, instance: str = "") -> Answer:
    """The ``application/problem+json`` answer for *problem*."""
    body: dict[str, Any] = {
        "type": f"urn:zhongtai:problem:{problem.slug}",
        "title": HTTPStatus(problem.status).phrase,
        "status": problem.status,
        "detail": problem.detail,
    }
    if instance:
        body["instance"] = instance
    body.update(problem.extra)
    return Answer(json.dumps(body, ensure_ascii=False).encode(), problem.status, problem.headers, MEDIA_TYPE)


def response(problem: Problem, instance: str = "") -> Response:
    """:func:`answer` as a Starlette response (for the framework's own 404/405/500 handlers)."""
    done = answer(problem, instance)
    return Response(done.body, status_code=done.status, media_type=MEDIA_TYPE, headers=done.headers)


def schema() -> dict[str, Any]:
    """The JSON Schema of a problem document (OpenAPI ``components.schemas.Problem``)."""
    return {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "retry_after": {"type": "number"},
        },
    }
