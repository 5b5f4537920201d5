"""The admin API (``/v1/admin/...``) for ``manage`` and ``admin`` tokens.

Create, suspend and resume businesses; enable, configure and disable plugins
(each with ``dry_run``); read a business, the audit log and an export.  Every
change goes through :mod:`zhongtai.core.management` with the authenticated
principal as its actor (``token:<id>/<name>``, or the SSO user), so the audit row
names who really made it; the kernel checks the token's rights again inside the
change's transaction.  A token reaches only its own subtree.

Request bodies are attrs classes below, converted by
:func:`zhongtai.core.jsonio.from_json`; their schemas, the change report's and
each plugin's config class's are generated into ``/openapi.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from zhongtai.core import management, views
from zhongtai.core.errors import UserError
from zhongtai.core.identity import is_within, parent_of, validate_code
from zhongtai.core.jsonio import from_json, to_json
from zhongtai.core.management import ChangeReport
from zhongtai.core.runtime.platform import Platform
from zhongtai.core.tokens import ADMIN, MANAGE
from zhongtai.gateway.operations import Call, Operation, Reply
from zhongtai.gateway.schemas import INPUT, OUTPUT, SchemaBuilder


@attrs.frozen
class CreateBusiness:
    """A new business; its parent must exist (a top-level business needs a platform-wide admin token)."""

    code: str
    name: str = ""
    owner: str = ""
    dry_run: bool = False


@attrs.frozen
class StatusChange:
    """Suspend or resume a business (and so its descendants)."""

    dry_run: bool = False
    expected_version: int | None = None


@attrs.frozen
class EnablePlugin:
    """Enable a plugin at a business, or change its config there (merged into the current config)."""

    business: str
    config: Mapping[str, Any] = attrs.field(factory=dict)
    priority: int | None = None
    replace_config: bool = False
    dry_run: bool = False
    expected_version: int | None = None


@attrs.frozen
class DisablePlugin:
    """Disable a plugin at a business (and so below it, unless enabled again lower)."""

    business: str
    dry_run: bool = False
    expected_version: int | None = None


CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
AUDIT_PARAMETERS = (
    {"name": "business", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Only this business and its descendants (required for a token bound to a subtree)."},
    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1,
                                                                   "maximum": 1000}},
)
EXPORT_PARAMETERS = (
    {"name": "business", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Only this business and its descendants (default: the token's subtree)."},
)


def _body(call: Call, cls: type) -> Any:
    return from_json(call.body if call.body is not None else {}, cls, path="body")


def _report(report: ChangeReport, created: bool = False) -> Reply:
    return Reply(to_json(report), status=201 if created and report.applied else 200)


def _create(call: Call) -> Reply:
    request: CreateBusiness = _body(call, CreateBusiness)
    validate_code(request.code)
    parent = parent_of(request.code)
    if parent is None:
        call.principal.require(ADMIN, None)
    else:
        call.principal.require(MANAGE, parent)
    report = management.create_business(call.platform, request.code, name=request.name, owner=request.owner,
                                        actor=call.principal.actor, dry_run=request.dry_run)
    return _report(report, created=True)


def _status(status: str) -> Any:
    def change(call: Call) -> Reply:
        code = validate_code(call.path_params["code"])
        call.principal.require(MANAGE, code)
        request: StatusChange = _body(call, StatusChange)
        return _report(management.set_status(call.platform, code, status, actor=call.principal.actor,
                                              dry_run=request.dry_run, expected_version=request.expected_version))

    return change


def _enable(plugin: str) -> Any:
    def enable(call: Call) -> Reply:
        request: EnablePlugin = _body(call, EnablePlugin)
        call.principal.require(MANAGE, validate_code(request.business))
        return _report(management.enable(
            call.platform, plugin, request.business, config=request.config, priority=request.priority,
            actor=call.principal.actor, dry_run=request.dry_run, replace_config=request.replace_config,
            expected_version=request.expected_version))

    return enable


def _disable(plugin: str) -> Any:
    def disable(call: Call) -> Reply:
        request: DisablePlugin = _body(call, DisablePlugin)
        call.principal.require(MANAGE, validate_code(request.business))
        return _report(management.disable(call.platform, plugin, request.business, actor=call.principal.actor,
                                          dry_run=request.dry_run, expected_version=request.expected_version))

    return disable


def _business(call: Call) -> dict[str, Any]:
    code = validate_code(call.path_params["code"])
    call.principal.require(MANAGE, code)
    return views.business_detail(call.platform, code)


def _scope_business(call: Call) -> str | None:
    business = call.query.get("business") or call.principal.subtree
    if business is not None:
        validate_code(business)
    call.principal.require(MANAGE, business)
    return business


def _audit(call: Call) -> list[dict[str, Any]]:
    business = _scope_business(call)
    raw_limit = call.query.get("limit", "100")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 1000:
        raise UserError(f"limit must be an integer from 1 to 1000, not {raw_limit[:20]!r}")
    return views.audit_rows(call.platform, business, limit=int(raw_limit))


def _export(call: Call) -> dict[str, Any]:
    from zhongtai.core.transfer import export_document

    business = _scope_business(call)
    document = export_document(call.platform)
    if business is not None:
        if business not in call.platform.snapshot.businesses:
            from zhongtai.core.errors import NotFound

            raise NotFound(f"unknown business {business!r}")
        document["businesses"] = [b for b in document["businesses"] if is_within(b["code"], business)]
    return document


def _schema(builder: SchemaBuilder, cls: type) -> dict[str, Any]:
    return builder.schema(cls, INPUT)


def operations(platform: Platform, builder: SchemaBuilder) -> list[Operation]:
    """The admin API's operations; one enable/disable pair per installed plugin (typed config)."""
    report = builder.schema(ChangeReport, OUTPUT)
    tags = ("admin",)
    ops = [
        Operation("POST", "/v1/admin/businesses", "admin_create_business", "Create a business",
                  _create, scope=MANAGE, business=False, tags=tags, request_schema=_schema(builder, CreateBusiness),
                  response_schema=report),
        Operation("GET", "/v1/admin/businesses/{code}", "admin_business", "A business, its plugins and plans",
                  _business, scope=MANAGE, business=False, tags=tags, parameters=(CODE,),
                  response_schema={"type": "object"}),
        Operation("POST", "/v1/admin/businesses/{code}/suspend", "admin_suspend_business",
                  "Suspend a business (its calls answer 423)", _status("suspended"), scope=MANAGE,
                  business=False, tags=tags, parameters=(CODE,), request_schema=_schema(builder, StatusChange),
                  response_schema=report),
        Operation("POST", "/v1/admin/businesses/{code}/resume", "admin_resume_business", "Resume a business",
                  _status("active"), scope=MANAGE, business=False, tags=tags, parameters=(CODE,),
                  request_schema=_schema(builder, StatusChange), response_schema=report),
        Operation("GET", "/v1/admin/audit", "admin_audit", "The audit log, newest first", _audit, scope=MANAGE,
                  business=False, tags=tags, parameters=AUDIT_PARAMETERS,
                  response_schema={"type": "array", "items": {"type": "object"}}),
        Operation("GET", "/v1/admin/export", "admin_export", "Export businesses, enablements and configs",
                  _export, scope=MANAGE, business=False, tags=tags, parameters=EXPORT_PARAMETERS,
                  response_schema={"type": "object"}),
    ]
    for info in sorted(platform.plugins.infos(), key=lambda i: i.name):
        cls, _ = views.config_class(platform, info.name)
        enable_schema = builder.attrs_schema(EnablePlugin, INPUT)
        config = builder.attrs_schema(cls, INPUT, partial=True) if cls is not None else {
            "type": "object", "maxProperties": 0}
        enable_schema["properties"] = {**enable_schema["properties"], "config": config}
        slug = info.name.replace(".", "_").replace("-", "_")
        ops.append(Operation(
            "POST", f"/v1/admin/plugins/{info.name}/enable", f"admin_enable_{slug}",
            f"Enable or configure {info.name}", _enable(info.name), scope=MANAGE, business=False, tags=tags,
            description=info.title, request_schema=enable_schema, response_schema=report))
        ops.append(Operation(
            "POST", f"/v1/admin/plugins/{info.name}/disable", f"admin_disable_{slug}", f"Disable {info.name}",
            _disable(info.name), scope=MANAGE, business=False, tags=tags,
            request_schema=_schema(builder, DisablePlugin), response_schema=report))
    return ops
