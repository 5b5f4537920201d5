"""The OpenAPI 3.1 document of a gateway, generated from its operations.

Request and answer schemas come from the operations (generated from attrs
contract types and plugin config classes by :mod:`zhongtai.gateway.schemas`);
every operation documents the problem statuses a client may get.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zhongtai.gateway import problems
from zhongtai.gateway.operations import Operation

if TYPE_CHECKING:
    from zhongtai.gateway.app import Gateway

VERSION = "0.1.0"

BUSINESS_PARAMETERS: tuple[dict[str, Any], ...] = (
    {"name": "X-Zhongtai-Business", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "The business the request is for (inside the token's subtree)."},
    *({"name": f"X-Zhongtai-{name.capitalize()}", "in": "header", "required": False, "schema": {"type": "string"},
       "description": f"Request attribute {name!r} for identity.resolve, when X-Zhongtai-Business is not given."}
      for name in ("channel", "app", "store", "terminal", "host")),
)
IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 255},
    "description": "A retry with the same key gets the first answer (Idempotent-Replayed: true).",
}
_DESCRIPTIONS = {
    400: "Bad input", 401: "No valid credential", 403: "Outside the token's scope or subtree",
    404: "Unknown business, extension point or path", 409: "Stale version, conflict or a key still in use",
    413: "Request body too large", 415: "Not JSON", 422: "Invalid config or a reused Idempotency-Key",
    423: "The business is suspended", 429: "Rate limited", 502: "A plugin failed",
    503: "The registry was never loaded", 504: "No answer in time",
}


def document(gateway: Gateway) -> dict[str, Any]:
    """The gateway's OpenAPI document (built once)."""
    if gateway.openapi is None:
        gateway.openapi = build(gateway.operations, gateway.schemas.components)
    return gateway.openapi


def build(operations: list[Operation], components: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "zhongtai business gateway",
            "version": VERSION,
            "description": "Every extension point per business, capability routes and the admin API. "
                           "Errors are RFC 9457 problem documents. Generated from the contract types.",
        },
        "paths": paths,
        "components": {
            "schemas": {**components, "Problem": problems.schema()},
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                          "description": "zhongtai access tokens create ..."}},
            "responses": {str(status): {"description": _DESCRIPTIONS.get(status, "Problem"),
                                        "content": {problems.MEDIA_TYPE: {"schema": problem_ref}}}
                          for status in problems.STATUSES},
        },
        "security": [{"token": []}],
    }


def _operation(op: Operation) -> dict[str, Any]:
    parameters: list[Any] = [*op.parameters]
    if op.business:
        parameters.extend(BUSINESS_PARAMETERS)
    if op.method == "POST":
        parameters.append(IDEMPOTENCY_PARAMETER)
    if op.conditional:
        parameters.append({"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}})
    success: dict[str, Any] = {"description": "OK", "content": {op.response_media_type: {
        "schema": op.response_schema if op.response_media_type == "application/json" else {"type": "string"}}}}
    responses: dict[str, Any] = {str(op.success_status): success}
    if op.method == "POST" and op.operation_id == "admin_create_business":
        responses["201"] = {**success, "description": "Created"}
    if op.conditional:
        responses["304"] = {"description": "Not modified (the ETag still matches)"}
    statuses = [s for s in problems.STATUSES if op.method == "POST" or s not in (413, 415)]
    for status in statuses:
        responses[str(status)] = {"$ref": f"#/components/responses/{status}"}
    result: dict[str, Any] = {
        "operationId": op.operation_id, "summary": op.summary, "tags": list(op.tags), "parameters": parameters,
        "responses": responses,
    }
    if op.description:
        result["description"] = op.description
    if op.request_schema is not None:
        result["requestBody"] = {"required": False, "content": {"application/json": {"schema": op.request_schema}}}
    return result
