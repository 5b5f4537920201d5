"""The notifiers package's gateway route: ``POST /v1/notifiers/messages`` (``zhongtai.gateway.routes``).

Send a message from a template to a recipient, for the request's business: the
message is accepted into the outbox (rendered now, delivered by ``zhongtai notify
worker``) and the answer is ``202`` with its id, state and due time.  The
request's ``Idempotency-Key`` is also the outbox's idempotency key, so a retry --
through any gateway process -- sends the message once (``duplicate: true``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from zhongtai.core.jsonio import from_json
from zhongtai.core.specs.notifiers import Recipient


@attrs.frozen
class SendRequest:
    """A message from a template: its kind, recipient, template name and variables, optional delay."""

    kind: str
    recipient: Recipient
    template: str
    variables: Mapping[str, Any] = attrs.field(factory=dict)
    subject: str | None = None
    send_after: dt.datetime | None = None


RESULT = {"type": "object", "required": ["id", "state", "due_at", "duplicate", "reason"],
          "properties": {"id": {"type": "string"}, "state": {"type": "string"},
                         "due_at": {"type": "string", "format": "date-time"}, "duplicate": {"type": "boolean"},
                         "reason": {"type": "string"}}}


def _send(call: Any) -> Any:
    from zhongtai.core.errors import UserError
    from zhongtai.gateway.operations import Reply
    from zhongtai.plugins.notifiers import outbox

    request: SendRequest = from_json(call.body, SendRequest, path="body")
    if request.send_after is not None and request.send_after.tzinfo is None:
        raise UserError("body.send_after: give a time zone offset (e.g. 2026-12-01T09:00:00+08:00)")
    result = outbox.send(
        call.platform, call.business, kind=request.kind, recipient=request.recipient, template=request.template,
        variables=dict(request.variables), subject=request.subject, send_after=request.send_after,
        idempotency_key=call.headers.get("idempotency-key"))
    return Reply({"id": result.id, "state": result.state, "due_at": result.due_at.isoformat(),
                  "duplicate": result.duplicate, "reason": result.reason or ""}, status=202)


def routes(platform: Any, schemas: Any) -> list[Any]:
    """The operations this package adds to the gateway."""
    from zhongtai.gateway.operations import Operation
    from zhongtai.gateway.schemas import INPUT

    return [Operation(
        "POST", "/v1/notifiers/messages", "notifiers_send", "Send a message from a template", _send,
        tags=("notifiers",), request_schema=schemas.schema(SendRequest, INPUT), response_schema=RESULT,
        success_status=202,
        description="Accepted into the outbox; Idempotency-Key doubles as the outbox's key (sent once).",
    )]
