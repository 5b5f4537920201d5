"""The channels package's gateway route: ``POST /v1/channels/decision`` (``zhongtai.gateway.routes``).

May this actor do this action through this channel on this resource, for the
request's business?  The body is an ``AccessRequest``; the answer the combined
``Verdict`` (allowed, reason, and the plugin, level and rule that decided).
"""

from __future__ import annotations

from typing import Any

from zhongtai.core.decision import Verdict
from zhongtai.core.jsonio import from_json, to_json
from zhongtai.core.specs.channels import AccessRequest


def _decide(call: Any) -> Any:
    request = from_json(call.body, AccessRequest, path="body")
    return to_json(call.view.call("channels.authorize", request=request))


def routes(platform: Any, schemas: Any) -> list[Any]:
    """The operations this package adds to the gateway."""
    from zhongtai.gateway.operations import Operation
    from zhongtai.gateway.schemas import INPUT, OUTPUT

    return [Operation(
        "POST", "/v1/channels/decision", "channels_decision", "A permission decision for the request's business",
        _decide, tags=("channels",), request_schema=schemas.schema(AccessRequest, INPUT),
        response_schema=schemas.schema(Verdict, OUTPUT), inline=True,
    )]
