"""The verification package's gateway routes (``zhongtai.gateway.routes``).

* ``POST /v1/verification/sessions`` -- start a flow for a subject, for the
  request's business (a first code step sends its code now);
* ``POST /v1/verification/sessions/{session}/submit`` -- submit a step's value
  (a rejected value is an answer with ``accepted: false``, not an error);
* ``GET /v1/verification/sessions/{session}`` -- the session as it stands.

Sessions are reachable only by tokens whose subtree covers the session's
business.  Every personal value in an answer is masked, as in the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from zhongtai.core.jsonio import from_json


@attrs.frozen
class StartRequest:
    """A flow to start and who is verified (user, phone, email, name, id_number, card_number)."""

    flow: str
    subject: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class SubmitRequest:
    """The value for the session's current step."""

    step: str
    value: str


SESSION = {"name": "session", "in": "path", "required": True, "schema": {"type": "string"}}
SESSION_SCHEMA = {"type": "object", "required": ["id", "business", "flow", "status"],
                  "properties": {"id": {"type": "string"}, "business": {"type": "string"},
                                 "flow": {"type": "string"}, "status": {"type": "string"}}}


def _verifier(call: Any) -> Any:
    from zhongtai.plugins.verification.service import Verifier

    return Verifier(call.platform)


def _owned(call: Any) -> Any:
    """The session of the path, after checking the token reaches its business."""
    view = _verifier(call).show(call.path_params["session"])
    call.principal.require("call", view.business)
    return view


def _start(call: Any) -> Any:
    request: StartRequest = from_json(call.body, StartRequest, path="body")
    return _verifier(call).start(call.business, request.flow, dict(request.subject)).to_json()


def _submit(call: Any) -> Any:
    request: SubmitRequest = from_json(call.body, SubmitRequest, path="body")
    session = _owned(call)
    return _verifier(call).submit(session.id, request.step, request.value).to_json()


def _show(call: Any) -> Any:
    return _owned(call).to_json()


def routes(platform: Any, schemas: Any) -> list[Any]:
    """The operations this package adds to the gateway."""
    from zhongtai.gateway.operations import Operation
    from zhongtai.gateway.schemas import INPUT

    tags = ("verification",)
    outcome = {"type": "object", "required": ["accepted", "reason", "session"],
               "properties": {"accepted": {"type": "boolean"}, "reason": {"type": "string"}, "session": SESSION_SCHEMA}}
    return [
        Operation("POST", "/v1/verification/sessions", "verification_start", "Start a verification flow",
                  _start, tags=tags, request_schema=schemas.schema(StartRequest, INPUT),
                  response_schema=SESSION_SCHEMA),
        Operation("POST", "/v1/verification/sessions/{session}/submit", "verification_submit",
                  "Submit a step's value", _submit, business=False, tags=tags, parameters=(SESSION,),
                  request_schema=schemas.schema(SubmitRequest, INPUT), response_schema=outcome),
        Operation("GET", "/v1/verification/sessions/{session}", "verification_show", "A verification session",
                  _show, business=False, tags=tags, parameters=(SESSION,), response_schema=SESSION_SCHEMA),
    ]
