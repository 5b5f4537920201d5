"""Coupon templates per business: create, change, retire (audited), list and resolve down the tree.

A template belongs to the business that created it and is usable there and in
every business below, like config: ``mall.flagship`` issuing ``new-user-20``
gets its own template of that name if it has one, else the nearest ancestor's.
A retired template issues nothing more; coupons already issued from it stay
redeemable until they expire.

Every change is one registry transaction (:meth:`Registry.change`): the
registry revision moves, governance is checked under the write lock (a
platform admin, or a member of the owner team of the business or an ancestor),
the template row is written and one audit row (``coupons.template.*``) records
before and after -- or nothing is written.  ``dry_run=True`` checks everything
and rolls back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhongtai.core import governance
from zhongtai.core.errors import ConflictError, NotFound, StaleWrite, UserError
from zhongtai.core.identity import lineage, validate_code
from zhongtai.core.management import default_actor
from zhongtai.plugins.coupons.models import TemplateRow
from zhongtai.plugins.coupons.terms import CHANGEABLE_AFTER_ISSUE, Terms, check_name, parse_terms

if TYPE_CHECKING:
    from zhongtai.core.registry.store import Transaction
    from zhongtai.core.runtime.platform import Platform

ACTIVE = "active"
RETIRED = "retired"


def to_minor(amount: Decimal, currency: str) -> int:
    """*amount* in whole minor units of *currency* (exact: terms were checked to fit)."""
    from zhongtai.plugins.pricing.money import currency_digits

    return int(amount.scaleb(currency_digits(currency)))


def from_minor(units: int, currency: str) -> Decimal:
    from zhongtai.plugins.pricing.money import currency_digits

    digits = currency_digits(currency)
    return Decimal(units).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))


@attrs.frozen
class Template:
    """A template as stored: its terms, where it lives, and its budget counters."""

    id: int
    business: str
    name: str
    terms: Terms
    status: str
    issued: int
    used: int
    spent: Decimal  # reserved + confirmed discount value
    version: int
    updated_at: dt.datetime
    updated_by: str

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "business": self.business, "name": self.name, "status": self.status,
                **self.terms.as_dict(), "issued": self.issued, "used": self.used, "spent": str(self.spent),
                "version": self.version, "updated_at": self.updated_at.isoformat(), "updated_by": self.updated_by}


def terms_of(row: TemplateRow) -> Terms:
    """The terms stored in *row* (already validated when written)."""
    max_value = None if row.max_value_minor is None else from_minor(row.max_value_minor, row.currency)
    return Terms(
        kind=row.kind, currency=row.currency, value=Decimal(row.value), min_spend=Decimal(row.min_spend),  # type: ignore[arg-type]
        repeat=row.repeat, free_sku=row.free_sku, valid_from=row.valid_from, valid_until=row.valid_until,
        valid_days=row.valid_days, stacking_group=row.stacking_group, max_issued=row.max_issued,
        max_value=max_value, per_user_limit=row.per_user_limit, skus=tuple(row.skus or ()),
        categories=tuple(row.categories or ()), channels=tuple(row.channels or ()), title=row.title,
    )


def template_of(row: TemplateRow) -> Template:
    return Template(row.id, row.business, row.name, terms_of(row), row.status, row.issued, row.used,
                    from_minor(row.spent_minor, row.currency), row.version, row.updated_at, row.updated_by)


def _write_terms(row: TemplateRow, terms: Terms) -> None:
    row.kind, row.currency, row.title = terms.kind, terms.currency, terms.title
    row.value, row.min_spend = str(terms.value), str(terms.min_spend)
    row.repeat, row.free_sku = terms.repeat, terms.free_sku
    row.valid_from, row.valid_until, row.valid_days = terms.valid_from, terms.valid_until, terms.valid_days
    row.stacking_group, row.per_user_limit = terms.stacking_group, terms.per_user_limit
    row.max_issued = terms.max_issued
    row.max_value_minor = None if terms.max_value is None else to_minor(terms.max_value, terms.currency)
    row.skus, row.categories, row.channels = list(terms.skus), list(terms.categories), list(terms.channels)


# -- reading -------------------------------------------------------------------------------
def resolve_row(session: Session, business: str, name: str, *, lock: bool = False) -> TemplateRow:
    """The template *name* as *business* sees it: its own, else the nearest ancestor's.

    ``lock=True`` takes the row lock (``SELECT ... FOR UPDATE`` on PostgreSQL) so
    budget counters can be checked and moved by one transaction at a time.
    """
    query = (select(TemplateRow).where(TemplateRow.name == name, TemplateRow.business.in_(lineage(business)))
             .order_by(func.length(TemplateRow.business).desc()).limit(1))  # the nearest: the longest code
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalars(query).first()
    if row is None:
        raise NotFound(f"no coupon template {name!r} at {business} or above it")
    return row


def get(platform: Platform, business: str, name: str) -> Template:
    """The template *name* as *business* sees it (:class:`NotFound` if none)."""
    validate_code(business)
    check_name(name)
    with platform.registry.session() as session:
        return template_of(resolve_row(session, business, name))


def list_templates(platform: Platform, business: str, *, inherited: bool = True,
                   retired: bool = False) -> list[Template]:
    """The templates usable at *business* (nearest wins per name), by name."""
    validate_code(business)
    codes = lineage(business) if inherited else (business,)
    with platform.registry.session() as session:
        rows = session.scalars(select(TemplateRow).where(TemplateRow.business.in_(codes))).all()
    nearest: dict[str, TemplateRow] = {}
    for row in sorted(rows, key=lambda r: len(r.business)):
        nearest[row.name] = row
    return [template_of(row) for _, row in sorted(nearest.items()) if retired or row.status == ACTIVE]


# -- changing ------------------------------------------------------------------------------
@attrs.frozen
class TemplateChange:
    """What a change did (or, for a dry run, would do)."""

    action: str
    template: Template
    before: dict[str, Any] | None
    applied: bool


class _DryRun(Exception):
    def __init__(self, change: TemplateChange) -> None:
        self.change = change


def _change(platform: Platform, business: str, actor: str | None, dry_run: bool, what: str,
            body: Any) -> TemplateChange:
    validate_code(business)
    registry = platform.registry
    try:
        with registry.change(actor or default_actor()) as tx:
            platform.refresh()
            if business not in platform.snapshot.businesses:
                raise NotFound(f"unknown business {business!r}")
            governance.access(tx.session).require_manage(tx.actor, platform.snapshot, business, what)
            change: TemplateChange = body(tx)
            tx.flush()
            written = tx.session.get(TemplateRow, change.template.id)
            assert written is not None
            change = attrs.evolve(change, template=template_of(written))
            if dry_run:
                raise _DryRun(change)
    except _DryRun as dry:
        return dry.change
    return attrs.evolve(change, applied=True)


def _own(session: Session, business: str, name: str) -> TemplateRow:
    row = session.scalars(select(TemplateRow).where(TemplateRow.business == business, TemplateRow.name == name)
                          .with_for_update()).first()
    if row is None:
        raise NotFound(f"business {business} has no coupon template {name!r} of its own "
                       f"(an inherited one is changed where it was created)")
    return row


def create(platform: Platform, business: str, name: str, terms: Terms | Mapping[str, Any], *,
           actor: str | None = None, dry_run: bool = False) -> TemplateChange:
    """Create template *name* at *business*; :class:`ConflictError` if it already has one of that name."""
    check_name(name)
    parsed = terms if isinstance(terms, Terms) else parse_terms(terms)

    def body(tx: Transaction) -> TemplateChange:
        exists = tx.session.scalars(select(TemplateRow.id).where(
            TemplateRow.business == business, TemplateRow.name == name)).first()
        if exists is not None:
            raise ConflictError(f"business {business} already has a coupon template {name!r}")
        now = dt.datetime.now(dt.UTC)
        row = TemplateRow(business=business, name=name, status=ACTIVE, issued=0, used=0, spent_minor=0,
                          version=1, created_at=now, updated_at=now, updated_by=tx.actor)
        _write_terms(row, parsed)
        tx.session.add(row)
        tx.flush()
        tx.record("coupons.template.create", business=business, plugin="coupons",
                  after={"name": name, **parsed.as_dict()})
        return TemplateChange("create", template_of(row), None, False)

    return _change(platform, business, actor, dry_run, "create coupon templates", body)


def change(platform: Platform, business: str, name: str, changes: Mapping[str, Any], *,
           expected_version: int | None = None, actor: str | None = None, dry_run: bool = False) -> TemplateChange:
    """Change fields of *business*'s own template *name*.

    Once coupons were issued, only :data:`CHANGEABLE_AFTER_ISSUE` fields may
    change (what a coupon is worth is fixed when it is issued); a budget may
    not drop below what was already issued or spent.  *expected_version*
    refuses the change if someone changed the template meanwhile.
    """
    check_name(name)
    if not isinstance(changes, Mapping) or not changes:
        raise UserError("nothing to change: give at least one field")

    def body(tx: Transaction) -> TemplateChange:
        row = _own(tx.session, business, name)
        if expected_version is not None and row.version != expected_version:
            raise StaleWrite(f"coupon template {name} at {business} was changed by {row.updated_by} "
                             f"(now version {row.version}, you expected {expected_version}); reload and retry")
        before = terms_of(row)
        merged = {**before.as_dict(), **changes}
        terms = parse_terms(merged)
        changed = {k for k, v in terms.as_dict().items() if before.as_dict()[k] != v}
        if not changed:
            raise UserError(f"coupon template {name} at {business} already has these terms")
        if row.issued and changed - CHANGEABLE_AFTER_ISSUE:
            raise UserError(f"{', '.join(sorted(changed - CHANGEABLE_AFTER_ISSUE))} cannot change after coupons "
                            f"were issued ({row.issued}); retire the template and create a new one")
        if terms.max_issued is not None and terms.max_issued < row.issued:
            raise UserError(f"max_issued {terms.max_issued} is below the {row.issued} already issued")
        if terms.max_value is not None and to_minor(terms.max_value, terms.currency) < row.spent_minor:
            raise UserError(f"max_value {terms.max_value} is below the "
                            f"{from_minor(row.spent_minor, row.currency)} already spent")
        _write_terms(row, terms)
        row.version += 1
        row.updated_at = dt.datetime.now(dt.UTC)
        row.updated_by = tx.actor
        old = before.as_dict()
        tx.record("coupons.template.change", business=business, plugin="coupons",
                  before={"name": name, **{k: old[k] for k in sorted(changed)}},
                  after={"name": name, **{k: terms.as_dict()[k] for k in sorted(changed)}})
        return TemplateChange("change", template_of(row), old, False)

    return _change(platform, business, actor, dry_run, "change coupon templates", body)


def retire(platform: Platform, business: str, name: str, *, actor: str | None = None,
           dry_run: bool = False) -> TemplateChange:
    """Retire *business*'s own template *name*: nothing more is issued from it."""
    check_name(name)

    def body(tx: Transaction) -> TemplateChange:
        row = _own(tx.session, business, name)
        if row.status == RETIRED:
            raise UserError(f"coupon template {name} at {business} is already retired")
        row.status = RETIRED
        row.version += 1
        row.updated_at = dt.datetime.now(dt.UTC)
        row.updated_by = tx.actor
        tx.record("coupons.template.retire", business=business, plugin="coupons",
                  before={"name": name, "status": ACTIVE}, after={"name": name, "status": RETIRED})
        return TemplateChange("retire", template_of(row), {"status": ACTIVE}, False)

    return _change(platform, business, actor, dry_run, "retire coupon templates", body)
