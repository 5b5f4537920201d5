"""Plugin ``coupons.wallet`` (``pricing.adjust``): the user's selected wallet coupons applied to a quote.

``request.coupons`` holds the codes the user picked at checkout and
``request.customer.id`` the user.  Codes that are coupons of that user, issued
at this business or above it, are applied with the stacking rule of
``pricing.coupons`` (:func:`zhongtai.plugins.pricing.coupons.apply_coupons`):
spend thresholds, then amounts, then percentages, one winner per stacking
group, each allocated across its eligible lines; the explanation names the
code and the template's title.  A used or expired coupon of the user is
explained as not applied.  Codes that are not the user's are left alone (and
nothing says whether they exist).

Free-item coupons take the unit price of one ``free_sku`` off its line.
Templates scoped by ``categories`` need the sku -> categories map in this
plugin's config (``{"categories": {"math-101": ["books"]}}``), set per
business like any config.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhongtai.core.context import PluginContext
from zhongtai.core.identity import is_within
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Quote, QuoteRequest
from zhongtai.plugins.coupons.codes import normalize
from zhongtai.plugins.coupons.issuing import state_at
from zhongtai.plugins.coupons.models import EXPIRED, USED, CouponRow, TemplateRow
from zhongtai.plugins.coupons.templates import terms_of
from zhongtai.plugins.coupons.terms import Terms
from zhongtai.plugins.pricing.coupons import Coupon as PriceCoupon
from zhongtai.plugins.pricing.coupons import apply_coupons
from zhongtai.plugins.pricing.steps import note
from zhongtai.plugins.pricing.validity import moment

#: A sku no cart has: a scoped template whose scope matches nothing applies to nothing.
_NOTHING = "\x00"


def _categories(value: Any) -> dict[str, list[str]]:
    return {str(sku): [str(c) for c in cats] for sku, cats in dict(value or {}).items()}


@attrs.frozen
class WalletConfig:
    categories: dict[str, list[str]] = attrs.field(factory=dict, converter=_categories, metadata={
        "help": "sku -> its categories, for coupon templates scoped by category"})


def _scope(terms: Terms, quote: Quote, categories: dict[str, list[str]]) -> list[str]:
    if terms.kind == "free_item":
        return [terms.free_sku or _NOTHING]
    if not terms.skus and not terms.categories:
        return []
    skus = set(terms.skus)
    wanted = set(terms.categories)
    skus.update(line.sku for line in quote.lines if wanted.intersection(categories.get(line.sku, ())))
    return sorted(skus) or [_NOTHING]


def price_coupon(terms: Terms, row: CouponRow, quote: Quote, categories: dict[str, list[str]]) -> PriceCoupon:
    """The pricing coupon a wallet coupon amounts to in *quote*."""
    kind, value = terms.kind, terms.value
    if kind == "free_item":
        prices = [line.unit_price.amount for line in quote.lines if line.sku == terms.free_sku]
        kind, value = "amount", quote.quantize(prices[0]) if prices else Decimal(0)
    return PriceCoupon(kind=kind, value=value, min_spend=terms.min_spend, repeat=terms.repeat,
                       group=terms.stacking_group, skus=_scope(terms, quote, categories),
                       channels=list(terms.channels), title=terms.title or terms.describe(),
                       valid_from=row.valid_from, valid_until=row.valid_until)


@hookimpl
def pricing_adjust(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
    user = request.customer.id
    if not request.coupons or not user or context.platform is None:
        return None
    given = {code: canonical for code in request.coupons if (canonical := normalize(code)) is not None}
    if not given:
        return None
    config = context.config if isinstance(context.config, WalletConfig) else WalletConfig()
    at = moment(request)
    start = quote
    with Session(context.platform.registry.engine) as session:
        found = session.execute(select(CouponRow, TemplateRow)
                                .join(TemplateRow, TemplateRow.id == CouponRow.template_id)
                                .where(CouponRow.code.in_(set(given.values())))).all()
    mine = {row.code: (row, template) for row, template in found
            if row.user_id == user and is_within(context.business, row.business)}
    coupons: dict[str, tuple[str, PriceCoupon]] = {}
    for code, canonical in given.items():
        if canonical not in mine:
            continue
        row, template = mine[canonical]
        state = state_at(row.state, row.valid_until, row.reserved_until, at)
        if state in (USED, EXPIRED):
            quote = note(quote, plugin=context.plugin, step="coupon", code=code,
                         detail=f"not applied: {template.title or template.name} was already used"
                         if state == USED else f"not applied: {template.title or template.name} expired")
            continue
        coupons[code] = (template.currency, price_coupon(terms_of(template), row, quote, config.categories))
    if not coupons:
        return None if quote is start else quote
    return apply_coupons(quote, list(coupons), coupons, at=at, channel=request.channel, plugin=context.plugin)
