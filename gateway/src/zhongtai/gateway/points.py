"""``POST /v1/points/<name>``: every extension point, with the same JSON as ``zhongtai call``.

The body is a JSON object of the point's inputs (converted to the contract types
by :func:`zhongtai.core.jsonio.call_arguments`); the answer is what
``zhongtai call --json`` prints: ``extension_point``, ``business``, ``revision``,
``result`` -- and ``trace`` with ``?explain=true``.  The ``X-Zhongtai-Subject``
header is the call's subject (user, device ...): it decides staged rollouts and
experiment variants (see docs/rollout.md).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import Any

from zhongtai.core.extension import ExtensionPoint
from zhongtai.core.jsonio import call_arguments, is_optional, to_json
from zhongtai.core.rollout import check_subject
from zhongtai.core.runtime.platform import Platform
from zhongtai.gateway.operations import Call, Operation
from zhongtai.gateway.schemas import INPUT, OUTPUT, SchemaBuilder

EXPLAIN = {"name": "explain", "in": "query", "required": False, "schema": {"type": "boolean"},
           "description": "Also answer with the trace: each plugin, in order, and what it did."}

SUBJECT_HEADER = "x-zhongtai-subject"
SUBJECT = {"name": "X-Zhongtai-Subject", "in": "header", "required": False,
           "schema": {"type": "string", "minLength": 1, "maxLength": 200},
           "description": "Who the call is for (user, device ...): decides staged rollouts and experiment variants."}

TRACE_STEP = {
    "type": "object",
    "properties": {
        "plugin": {"type": "string"}, "level": {"type": ["string", "null"]}, "outcome": {"type": "string"},
        "value": {}, "error": {"type": ["string", "null"]},
    },
}


def handler(point: ExtensionPoint) -> Any:
    def call_point(call: Call) -> dict[str, Any]:
        arguments = call_arguments(point, call.body)
        business = call.business
        assert business is not None  # resolved by the gateway (business=True)
        subject = call.headers.get(SUBJECT_HEADER)
        if call.query and call.query.get("explain", "").lower() in ("1", "true", "yes"):
            outcome = call.view.explain(point.name, subject=subject, **arguments)
            return {"extension_point": point.name, "business": business, "revision": outcome.revision,
                    "result": to_json(outcome.value), "trace": to_json(outcome.trace)}
        platform = call.platform  # what view.call does, without a view and a keyword dict: the hot path
        checked = None if subject is None else check_subject(subject)
        value = platform.call(business, point.name, arguments, None, checked)
        return {"extension_point": point.name, "business": business, "revision": platform.snapshot.revision,
                "result": to_json(value)}

    return call_point


def request_schema(point: ExtensionPoint, builder: SchemaBuilder) -> dict[str, Any]:
    properties = {name: builder.schema(point.argument_types.get(name, Any), INPUT) for name in point.inputs}
    required = [name for name in point.inputs if not is_optional(point.argument_types.get(name, Any))]
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def response_schema(point: ExtensionPoint, builder: SchemaBuilder) -> dict[str, Any]:
    result = builder.schema(point.result_type, OUTPUT) if point.result_type is not None else {}
    return {
        "type": "object",
        "required": ["extension_point", "business", "revision", "result"],
        "properties": {
            "extension_point": {"const": point.name}, "business": {"type": "string"},
            "revision": {"type": "integer"}, "result": {"anyOf": [result, {"type": "null"}]} if result else {},
            "trace": {"type": "array", "items": TRACE_STEP},
        },
    }


def operations(platform: Platform, builder: SchemaBuilder, inline: Sequence[str] = ()) -> list[Operation]:
    """One operation per extension point the platform knows.

    Points matching a pattern of *inline* (``pricing.*``) are called on the event
    loop -- no thread hop, no request time limit -- which suits plugins that only
    compute; every other point is called in a worker thread under the time limit.
    """
    result = []
    for name, point in sorted(platform.extension_points.items()):
        result.append(Operation(
            method="POST", path=f"/v1/points/{name}", operation_id=f"call_{name.replace('.', '_')}",
            summary=point.summary or f"Call {name}", description=point.contract.strip(),
            handler=handler(point), scope="call", business=True, tags=("points", point.domain or name.split(".")[0]),
            request_schema=request_schema(point, builder), response_schema=response_schema(point, builder),
            parameters=(EXPLAIN, SUBJECT), inline=any(fnmatch.fnmatchcase(name, pattern) for pattern in inline),
        ))
    return result
