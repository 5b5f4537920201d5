"""The notifiers package's gateway routes (``zhongtai.gateway.routes``).

* ``POST /v1/notifiers/messages`` -- send a message from a template to a
  recipient, for the request's business: the message is accepted into the outbox
  (rendered now, delivered by ``zhongtai notify worker``) and the answer is ``202``
  with its id, state and due time.  The request's ``Idempotency-Key`` is also the
  outbox's idempotency key, so a retry -- through any gateway process -- sends the
  message once (``duplicate: true``).
* ``POST /v1/notifiers/campaigns`` -- create a campaign for the request's business
  from an inline audience (``manage`` scope; at most :data:`MAX_INLINE_AUDIENCE`
  rows -- larger audiences go through ``zhongtai notify campaign create``);
  ``GET /v1/notifiers/campaigns/{campaign}`` -- the campaign with its counts;
  ``POST /v1/notifiers/campaigns/{campaign}/pause|resume|cancel`` (``manage``).
  A campaign is reachable only by tokens whose subtree covers its business; the
  changes are audited registry changes by the token's principal.
* ``POST /v1/notifiers/receipts/{account}`` -- delivery receipts from an SMS
  provider (a ``call`` token for the provider, plus the body signed with the
  account's secret; recorded once per receipt id, see :mod:`.receipts`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from zhongtai.core.errors import UserError
from zhongtai.core.jsonio import from_json, to_json
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



# -- campaigns -------------------------------------------------------------------------------
MAX_INLINE_AUDIENCE = 10_000


@attrs.frozen
class CampaignRequest:
    """A template, an inline audience (rows of phone/email/webhook/user_id/timezone + variables), a start time."""

    template: str
    audience: Sequence[Mapping[str, Any]]
    start_at: str | None = None
    kind: str = "marketing"
    name: str = ""


CAMPAIGN = {"name": "campaign", "in": "path", "required": True, "schema": {"type": "string"}}
CAMPAIGN_SCHEMA = {"type": "object", "required": ["id", "business", "status", "template"],
                   "properties": {"id": {"type": "string"}, "business": {"type": "string"},
                                  "status": {"type": "string"}, "template": {"type": "string"},
                                  "audience": {"type": "integer"}, "counts": {"type": ["object", "null"]}}}


def _answer(found: Any) -> Any:
    return to_json(found)


def _create_campaign(call: Any) -> Any:
    from zhongtai.plugins.notifiers import campaigns

    request: CampaignRequest = from_json(call.body, CampaignRequest, path="body")
    if len(request.audience) > MAX_INLINE_AUDIENCE:
        raise UserError(f"an inline audience may have at most {MAX_INLINE_AUDIENCE} rows; use the CLI for more")
    start = None
    if request.start_at is not None:
        try:
            start = dt.datetime.fromisoformat(request.start_at)
        except ValueError:
            raise UserError(f"start_at must be an ISO 8601 time with offset, got {request.start_at!r}") from None
    rows = [campaigns.audience_row(row, number) for number, row in enumerate(request.audience, start=1)]
    created = campaigns.create_campaign(call.platform, call.business, template=request.template, audience=rows,
                                        start_at=start, kind=request.kind, name=request.name,
                                        actor=call.principal.actor)
    return _answer(created)


def _owned(call: Any, scope: str) -> Any:
    from zhongtai.plugins.notifiers import campaigns

    found = campaigns.campaign(call.platform, call.path_params["campaign"])
    call.principal.require(scope, found.business)
    return found


def _show_campaign(call: Any) -> Any:
    return _answer(_owned(call, "call"))


def _change_campaign(name: str) -> Any:
    def handler(call: Any) -> Any:
        from zhongtai.plugins.notifiers import campaigns

        found = _owned(call, "manage")
        return _answer(getattr(campaigns, name)(call.platform, found.id, actor=call.principal.actor))

    return handler


# -- delivery receipts ---------------------------------------------------------------------------
ACCOUNT = {"name": "account", "in": "path", "required": True, "schema": {"type": "string"}}
RECEIPTS = {"type": "object", "required": ["recorded", "duplicates", "unknown"],
            "properties": {"recorded": {"type": "integer"}, "duplicates": {"type": "integer"},
                           "unknown": {"type": "integer"}}}


def _receipts(call: Any) -> Any:
    from zhongtai.plugins.notifiers import receipts

    signature = call.headers.get(receipts.SIGNATURE_HEADER, "")
    result = receipts.accept_receipts(call.platform, call.path_params["account"], call.body, signature)
    return to_json(result)


def routes(platform: Any, schemas: Any) -> list[Any]:
    """The operations this package adds to the gateway."""
    from zhongtai.gateway.operations import Operation
    from zhongtai.gateway.schemas import INPUT

    operations = [Operation(
        "POST", "/v1/notifiers/messages", "notifiers_send", "Send a message from a template", _send,
        tags=("notifiers",), request_schema=schemas.schema(SendRequest, INPUT), response_schema=RESULT,
        success_status=202,
        description="Accepted into the outbox; Idempotency-Key doubles as the outbox's key (sent once).",
    )]
    tags = ("notifiers",)
    operations += [
        Operation("POST", "/v1/notifiers/campaigns", "notifiers_campaign_create",
                  "Create a campaign (inline audience)", _create_campaign, scope="manage", tags=tags,
                  request_schema=schemas.schema(CampaignRequest, INPUT), response_schema=CAMPAIGN_SCHEMA),
        Operation("GET", "/v1/notifiers/campaigns/{campaign}", "notifiers_campaign_show",
                  "A campaign with its counts", _show_campaign, business=False, tags=tags, parameters=(CAMPAIGN,),
                  response_schema=CAMPAIGN_SCHEMA),
    ]
    for name, summary in (("pause", "Pause a campaign"), ("resume", "Resume a paused campaign"),
                          ("cancel", "Cancel a campaign")):
        operations.append(Operation("POST", f"/v1/notifiers/campaigns/{{campaign}}/{name}",
                                    f"notifiers_campaign_{name}", summary, _change_campaign(name), scope="manage",
                                    business=False, tags=tags, parameters=(CAMPAIGN,),
                                    response_schema=CAMPAIGN_SCHEMA))
    operations.append(Operation(
        "POST", "/v1/notifiers/receipts/{account}", "notifiers_receipts", "Delivery receipts from an SMS provider",
        _receipts, business=False, tags=tags, parameters=(ACCOUNT,), response_schema=RECEIPTS,
        description="Signed with the account's secret (X-Zhongtai-Signature: sha256=...); once per receipt id."))
    return operations
