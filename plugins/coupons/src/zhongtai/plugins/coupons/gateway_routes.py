"""The coupons package's gateway routes (``zhongtai.gateway.routes``): templates, issuing, wallet, redemption.

| operation | scope | what |
|---|---|---|
| ``GET /v1/admin/coupons/templates?business=`` | manage | templates usable at a business |
| ``POST /v1/admin/coupons/templates`` | manage | create (``dry_run`` allowed), audited under the token's principal |
| ``POST /v1/admin/coupons/templates/{name}/change`` | manage | change fields (``expected_version``) |
| ``POST /v1/admin/coupons/templates/{name}/retire`` | manage | retire |
| ``POST /v1/coupons/issue`` | manage | one coupon to one user, idempotent by ``request_id`` |
| ``GET /v1/coupons/wallet?user=`` | call | a user's coupons, cursor-paginated |
| ``POST /v1/coupons/reserve`` / ``confirm`` / ``release`` | call | checkout, payment, cancel |

The business of the ``/v1/coupons/*`` operations is the request's (inside the
token's subtree); admin operations name it in the body or query.  Issuing needs
a ``manage`` token: a ``call`` token (a front end) may read wallets and redeem,
but not give coupons away.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs

from zhongtai.core.errors import UserError
from zhongtai.core.identity import validate_code
from zhongtai.core.jsonio import from_json

MANAGE = "manage"
MAX_HOLD_SECONDS = 86_400


@attrs.frozen
class CreateTemplate:
    business: str
    name: str
    terms: dict[str, Any]
    dry_run: bool = False


@attrs.frozen
class ChangeTemplate:
    business: str
    changes: dict[str, Any]
    expected_version: int | None = None
    dry_run: bool = False


@attrs.frozen
class RetireTemplate:
    business: str
    dry_run: bool = False


@attrs.frozen
class IssueRequest:
    template: str
    user: str
    request_id: str


@attrs.frozen
class ReserveRequest:
    code: str
    user: str
    order: str
    amount: Decimal | None = None
    hold_seconds: int = 900


@attrs.frozen
class OrderRequest:
    order: str


def _change_reply(change: Any) -> dict[str, Any]:
    return {"applied": change.applied, "action": change.action, "template": change.template.as_dict()}


def _managed(call: Any, business: str) -> str:
    validate_code(business)
    call.principal.require(MANAGE, business)
    return business


def _list(call: Any) -> list[dict[str, Any]]:
    from zhongtai.plugins.coupons import templates

    business = _managed(call, call.query.get("business") or call.principal.subtree or "")
    return [t.as_dict() for t in templates.list_templates(call.platform, business)]


def _create(call: Any) -> dict[str, Any]:
    from zhongtai.plugins.coupons import templates

    request: CreateTemplate = from_json(call.body if call.body is not None else {}, CreateTemplate, path="body")
    business = _managed(call, request.business)
    return _change_reply(templates.create(call.platform, business, request.name, request.terms,
                                          actor=call.principal.actor, dry_run=request.dry_run))


def _change(call: Any) -> dict[str, Any]:
    from zhongtai.plugins.coupons import templates

    request: ChangeTemplate = from_json(call.body if call.body is not None else {}, ChangeTemplate, path="body")
    business = _managed(call, request.business)
    return _change_reply(templates.change(call.platform, business, call.path_params["name"], request.changes,
                                          expected_version=request.expected_version, actor=call.principal.actor,
                                          dry_run=request.dry_run))


def _retire(call: Any) -> dict[str, Any]:
    from zhongtai.plugins.coupons import templates

    request: RetireTemplate = from_json(call.body if call.body is not None else {}, RetireTemplate, path="body")
    business = _managed(call, request.business)
    return _change_reply(templates.retire(call.platform, business, call.path_params["name"],
                                          actor=call.principal.actor, dry_run=request.dry_run))


def _issue(call: Any) -> dict[str, Any]:
    from zhongtai.plugins.coupons.issuing import issue

    request: IssueRequest = from_json(call.body if call.body is not None else {}, IssueRequest, path="body")
    result = issue(call.platform, call.business, request.template, request.user, request_id=request.request_id)
    return {"coupon": result.coupon.as_dict() if result.coupon else None, "duplicate": result.duplicate,
            "refused": result.refused}


def _wallet(call: Any) -> dict[str, Any]:
    from zhongtai.plugins.coupons.wallet import wallet

    user = call.query.get("user")
    if not user:
        raise UserError("give the user whose wallet it is (?user=...)")
    limit = call.query.get("limit", "20")
    if not limit.isdigit():
        raise UserError(f"limit must be a whole number, not {limit[:20]!r}")
    return wallet(call.platform, call.business, user, state=call.query.get("state"), limit=int(limit),
                  cursor=call.query.get("cursor")).as_dict()


def _reserve(call: Any) -> dict[str, Any]:
    from zhongtai.plugins.coupons.redemption import reserve

    request: ReserveRequest = from_json(call.body if call.body is not None else {}, ReserveRequest, path="body")
    if not 1 <= request.hold_seconds <= MAX_HOLD_SECONDS:
        raise UserError(f"hold_seconds must be from 1 to {MAX_HOLD_SECONDS}")
    return reserve(call.platform, call.business, request.user, request.code, order_id=request.order,
                   amount=request.amount, hold=dt.timedelta(seconds=request.hold_seconds)).as_dict()


def _confirm(call: Any) -> list[dict[str, Any]]:
    from zhongtai.plugins.coupons.redemption import confirm

    request: OrderRequest = from_json(call.body if call.body is not None else {}, OrderRequest, path="body")
    return [c.as_dict() for c in confirm(call.platform, call.business, request.order)]


def _release(call: Any) -> list[dict[str, Any]]:
    from zhongtai.plugins.coupons.redemption import release

    request: OrderRequest = from_json(call.body if call.body is not None else {}, OrderRequest, path="body")
    return [c.as_dict() for c in release(call.platform, call.business, request.order)]


OBJECT = {"type": "object"}
ARRAY = {"type": "array", "items": OBJECT}


def routes(platform: Any, schemas: Any) -> list[Any]:
    """The operations this package adds to the gateway."""
    from zhongtai.gateway.operations import Operation
    from zhongtai.gateway.schemas import INPUT

    admin, tags = ("admin", "coupons"), ("coupons",)
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}
    business = {"name": "business", "in": "query", "required": False, "schema": {"type": "string"}}
    wallet_query = tuple({"name": key, "in": "query", "required": key == "user", "schema": {"type": "string"}}
                         for key in ("user", "state", "limit", "cursor"))
    return [
        Operation("GET", "/v1/admin/coupons/templates", "coupons_templates", "Coupon templates usable at a business",
                  _list, scope=MANAGE, business=False, tags=admin, parameters=(business,), response_schema=ARRAY),
        Operation("POST", "/v1/admin/coupons/templates", "coupons_template_create", "Create a coupon template",
                  _create, scope=MANAGE, business=False, tags=admin,
                  request_schema=schemas.schema(CreateTemplate, INPUT), response_schema=OBJECT),
        Operation("POST", "/v1/admin/coupons/templates/{name}/change", "coupons_template_change",
                  "Change a coupon template", _change, scope=MANAGE, business=False, tags=admin, parameters=(name,),
                  request_schema=schemas.schema(ChangeTemplate, INPUT), response_schema=OBJECT),
        Operation("POST", "/v1/admin/coupons/templates/{name}/retire", "coupons_template_retire",
                  "Retire a coupon template", _retire, scope=MANAGE, business=False, tags=admin, parameters=(name,),
                  request_schema=schemas.schema(RetireTemplate, INPUT), response_schema=OBJECT),
        Operation("POST", "/v1/coupons/issue", "coupons_issue", "Issue one coupon to one user (idempotent)",
                  _issue, scope=MANAGE, tags=tags, request_schema=schemas.schema(IssueRequest, INPUT),
                  response_schema=OBJECT),
        Operation("GET", "/v1/coupons/wallet", "coupons_wallet", "A user's coupons, newest first", _wallet,
                  tags=tags, parameters=wallet_query, response_schema=OBJECT),
        Operation("POST", "/v1/coupons/reserve", "coupons_reserve", "Reserve a coupon for an order", _reserve,
                  tags=tags, request_schema=schemas.schema(ReserveRequest, INPUT), response_schema=OBJECT),
        Operation("POST", "/v1/coupons/confirm", "coupons_confirm", "The order was paid: its coupons are used",
                  _confirm, tags=tags, request_schema=schemas.schema(OrderRequest, INPUT), response_schema=ARRAY),
        Operation("POST", "/v1/coupons/release", "coupons_release", "The order was cancelled: release its coupons",
                  _release, tags=tags, request_schema=schemas.schema(OrderRequest, INPUT), response_schema=ARRAY),
    ]
