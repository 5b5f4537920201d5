"""``POST /v1/events``: outcome events (an experiment's conversions), as ``view.record`` takes them.

The body is ``{"event": "order.paid", "subject": "user-42", "value": 99.0}``
(``value`` optional); the business comes from the request (X-Zhongtai-Business
or identity resolution, inside the token's subtree).  Events are buffered and
written in batches by the platform (never a database write per request); the
answer is ``202 Accepted``.
"""

from __future__ import annotations

from typing import Any

from zhongtai.core.errors import UserError
from zhongtai.gateway.operations import Call, Operation, Reply

REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["event", "subject"],
    "properties": {
        "event": {"type": "string", "minLength": 1, "maxLength": 200},
        "subject": {"type": "string", "minLength": 1, "maxLength": 200},
        "value": {"type": ["number", "null"]},
    },
}
RESPONSE = {"type": "object", "required": ["accepted"], "properties": {"accepted": {"type": "boolean"}}}


def record(call: Call) -> Reply:
    body: Any = call.body
    if not isinstance(body, dict) or set(body) - {"event", "subject", "value"}:
        raise UserError('the body must be {"event": NAME, "subject": SUBJECT, "value": NUMBER (optional)}')
    event: Any = body.get("event")
    subject: Any = body.get("subject")
    call.view.record(event, subject=subject, value=body.get("value"))  # checks every field: one-line errors
    return Reply({"accepted": True}, status=202)


def operations() -> list[Operation]:
    return [Operation(
        method="POST", path="/v1/events", operation_id="record_event", handler=record, scope="call",
        summary="Record an outcome event (an experiment's conversion)", description=__doc__ or "",
        tags=("experiments",), request_schema=REQUEST, response_schema=RESPONSE, success_status=202,
    )]
