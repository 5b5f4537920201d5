"""Content control: the template registry and approved SMS signatures.

**Templates** live in ``zt_notify_template`` in versions.  A business team (a
member of the business's owner team, or an admin) *drafts* a version; a
platform admin *approves* it (the previously approved version of that name is
retired) or *retires* it.  Each step is one audited registry change.  Sending
with ``template=NAME`` uses the approved version at the nearest level of the
business (``shop.flagship`` inherits ``shop``'s), before any template of the
``notifiers.templates`` plugin config.  In ``production`` mode a marketing
message can only be sent from an approved registry template: no literal body,
no plugin-config template.

**SMS signatures** (``【签名】``): a platform admin approves one per business (its
sub-businesses inherit it); the SMS channel puts it in front of every SMS.  In
``production`` mode an SMS without an approved signature is not sent.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import attrs
from sqlalchemy import Connection, func, select

from zhongtai.core.errors import NotFound, UserError
from zhongtai.core.identity import lineage
from zhongtai.core.registry.models import utcnow
from zhongtai.core.specs.notifiers import KINDS, Template
from zhongtai.plugins.notifiers.admin import audited_change, known_business
from zhongtai.plugins.notifiers.models import (
    APPROVED,
    DRAFT,
    RETIRED,
    SignatureRow,
    TemplateRow,
    engine_of,
)
from zhongtai.plugins.notifiers.rendering import compile_template

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from zhongtai.core.runtime.platform import Platform

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_SIGNATURE = re.compile(r"^【([^【】\s]{2,16})】$")
MAX_BODY = 10_000


@attrs.frozen
class TemplateVersion:
    business: str
    name: str
    version: int
    kind: str
    subject: str
    body: str
    status: str
    created_by: str
    created_at: dt.datetime
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None


def _version(row: TemplateRow) -> TemplateVersion:
    return TemplateVersion(row.business, row.name, row.version, row.kind, row.subject, row.body, row.status,
                           row.created_by, row.created_at, row.reviewed_by, row.reviewed_at)


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise UserError(f"bad template name {name!r}: 1-100 letters, digits, '_', '.', '-', starting with a "
                        "letter or digit")


def draft_template(platform: Platform, business: str, name: str, *, kind: str, body: str, subject: str = "",
                   actor: str | None = None) -> TemplateVersion:
    """Add a new draft version of template *name* at *business* (owner team or admin); audited."""
    known_business(platform, business)
    _check_name(name)
    if kind not in KINDS:
        raise UserError(f"unknown message kind {kind!r} (kinds: {', '.join(KINDS)})")
    if not body.strip():
        raise UserError("a template needs a body")
    if len(body) > MAX_BODY or len(subject) > 1000:
        raise UserError(f"a template body may have at most {MAX_BODY} characters and a subject 1000")
    compile_template(body)
    compile_template(subject)

    def apply(session: Session, who: str) -> tuple[TemplateVersion, None, dict[str, object]]:
        latest = session.scalar(select(func.max(TemplateRow.version))
                                .where(TemplateRow.business == business, TemplateRow.name == name)) or 0
        row = TemplateRow(business=business, name=name, version=int(latest) + 1, kind=kind, subject=subject,
                          body=body, status=DRAFT, created_by=who, created_at=utcnow())
        session.add(row)
        session.flush()
        return _version(row), None, {"template": name, "version": row.version, "kind": kind, "status": DRAFT}

    version: TemplateVersion = audited_change(
        platform, actor=actor, action="notify.template.draft", what=f"draft template {name}", business=business,
        apply=apply, admin_only=False)
    return version


def approve_template(platform: Platform, business: str, name: str, *, version: int | None = None,
                     actor: str | None = None) -> TemplateVersion:
    """Approve a draft (default: the newest) of *name* at *business*: platform admins only; audited.

    The version approved before it, if any, is retired in the same change.
    """
    known_business(platform, business)
    _check_name(name)

    def apply(session: Session, who: str) -> tuple[TemplateVersion, dict[str, object] | None, dict[str, object]]:
        query = select(TemplateRow).where(TemplateRow.business == business, TemplateRow.name == name)
        if version is None:
            row = session.scalars(query.where(TemplateRow.status == DRAFT)
                                  .order_by(TemplateRow.version.desc()).limit(1)).first()
        else:
            row = session.scalars(query.where(TemplateRow.version == version)).first()
        if row is None:
            which = f"version {version}" if version is not None else "a draft"
            raise NotFound(f"template {name!r} at {business} has no {which} to approve")
        if row.status != DRAFT:
            raise UserError(f"template {name!r} version {row.version} at {business} is {row.status}, not a draft")
        previous = session.scalars(query.where(TemplateRow.status == APPROVED)).first()
        now = utcnow()
        if previous is not None:
            previous.status, previous.reviewed_by, previous.reviewed_at = RETIRED, who, now
        row.status, row.reviewed_by, row.reviewed_at = APPROVED, who, now
        session.flush()
        before: dict[str, object] | None = {"approved_version": previous.version} if previous is not None else None
        return _version(row), before, {"template": name, "approved_version": row.version}

    result: TemplateVersion = audited_change(
        platform, actor=actor, action="notify.template.approve", what=f"approve template {name}",
        business=business, apply=apply)
    return result


def retire_template(platform: Platform, business: str, name: str, *, actor: str | None = None) -> int:
    """Retire every approved or draft version of *name* at *business* (platform admins); audited.

    Returns how many versions were retired; NotFound if there was nothing to retire.
    """
    known_business(platform, business)
    _check_name(name)

    def apply(session: Session, who: str) -> tuple[int, None, dict[str, object]]:
        rows = session.scalars(select(TemplateRow).where(
            TemplateRow.business == business, TemplateRow.name == name,
            TemplateRow.status.in_((DRAFT, APPROVED)))).all()
        if not rows:
            raise NotFound(f"template {name!r} at {business} has no draft or approved version")
        now = utcnow()
        for row in rows:
            row.status, row.reviewed_by, row.reviewed_at = RETIRED, who, now
        session.flush()
        return len(rows), None, {"template": name, "retired_versions": sorted(r.version for r in rows)}

    count: int = audited_change(platform, actor=actor, action="notify.template.retire",
                                what=f"retire template {name}", business=business, apply=apply)
    return count


def templates(platform: Platform, *, business: str | None = None, name: str | None = None,
              status: str | None = None) -> list[TemplateVersion]:
    """Registry template versions, by business, name and version."""
    query = select(TemplateRow)
    if business:
        query = query.where(TemplateRow.business == business)
    if name:
        query = query.where(TemplateRow.name == name)
    if status:
        query = query.where(TemplateRow.status == status)
    from sqlalchemy.orm import Session

    with Session(engine_of(platform)) as session:
        rows = session.scalars(query.order_by(TemplateRow.business, TemplateRow.name, TemplateRow.version)).all()
        return [_version(row) for row in rows]


def approved_template(connection: Connection, business: str, name: str) -> Template | None:
    """The approved version of *name* at the nearest level of *business*, as a :class:`Template`."""
    levels = list(reversed(lineage(business)))  # nearest first
    rows = connection.execute(
        select(TemplateRow.business, TemplateRow.kind, TemplateRow.subject, TemplateRow.body)
        .where(TemplateRow.business.in_(levels), TemplateRow.name == name, TemplateRow.status == APPROVED)
    ).all()
    if not rows:
        return None
    row = min(rows, key=lambda r: levels.index(r.business))
    return Template(name=name, body=row.body, subject=row.subject, kind=row.kind)


# -- SMS signatures -----------------------------------------------------------------------
def normalize_signature(text: str) -> str:
    """``【小店】`` (or ``小店``) -> ``【小店】``; anything else is a UserError."""
    value = text.strip()
    if not value.startswith("【"):
        value = f"【{value}】"
    if not _SIGNATURE.match(value):
        raise UserError(f"bad SMS signature {text!r}: 2-16 characters (no spaces or brackets) inside 【】")
    return value


def approve_signature(platform: Platform, business: str, signature: str, *, actor: str | None = None) -> str:
    """Set the approved SMS signature of *business* (platform admins only); audited."""
    known_business(platform, business)
    value = normalize_signature(signature)

    def apply(session: Session, who: str) -> tuple[str, dict[str, str] | None, dict[str, str]]:
        row = session.get(SignatureRow, business)
        before = {"signature": row.signature} if row is not None else None
        if row is None:
            row = SignatureRow(business=business)
            session.add(row)
        row.signature, row.approved_by, row.approved_at = value, who, utcnow()
        session.flush()
        return value, before, {"signature": value}

    result: str = audited_change(platform, actor=actor, action="notify.signature.approve",
                                 what=f"approve the SMS signature of {business}", business=business,
                                 apply=apply)
    return result


def signature_for(connection: Connection, business: str) -> str | None:
    """The approved signature of *business* or its nearest ancestor that has one."""
    levels = list(reversed(lineage(business)))
    rows = connection.execute(select(SignatureRow.business, SignatureRow.signature)
                              .where(SignatureRow.business.in_(levels))).all()
    if not rows:
        return None
    return str(min(rows, key=lambda r: levels.index(r.business)).signature)


def signatures(platform: Platform) -> dict[str, str]:
    with engine_of(platform).connect() as connection:
        return {r.business: r.signature for r in connection.execute(select(SignatureRow))}

