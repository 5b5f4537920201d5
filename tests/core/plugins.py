"""Small in-process plugins for kernel tests (registered with ``platform.add_plugin``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from zhongtai.core.decision import Decision, Effect
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.pricing import Adjustment, Money, Quote, QuoteLine


@attrs.frozen
class PriceConfig:
    amount: Decimal = Decimal("10")
    currency: str = "CNY"
    label: str = ""


class FixedPrice:
    """pricing.base_price: the configured amount, or None for sku 'none'."""

    @hookimpl
    def pricing_base_price(self, sku: str, context: Any) -> Money | None:
        if sku == "none":
            return None
        return Money(context.config.amount, context.config.currency)


@attrs.frozen
class StepConfig:
    off: Decimal = Decimal("1")


class TakeOff:
    """pricing.adjust: takes ``off`` from every line, recording itself."""

    @hookimpl
    def pricing_adjust(self, quote: Quote, context: Any) -> Quote:
        lines = [attrs.evolve(line, total=Money(line.total.amount - context.config.off, quote.currency))
                 for line in quote.lines]
        new = attrs.evolve(quote, lines=lines)
        step = Adjustment(context.plugin, "take-off", quote.total, new.total)
        return attrs.evolve(new, adjustments=(*quote.adjustments, step))


class PassOn:
    @hookimpl
    def pricing_adjust(self, quote: Quote) -> None:
        return None


@attrs.frozen
class TokensConfig:
    tokens: dict[str, Any] = attrs.field(factory=dict)


class Tokens:
    @hookimpl
    def theming_tokens(self, context: Any) -> dict[str, Any]:
        return context.config.tokens


@attrs.frozen
class RuleConfig:
    effect: str = "allow"
    action: str = "*"


class Rule:
    @hookimpl
    def channels_authorize(self, request: Any, context: Any) -> Decision | None:
        if context.config.action not in ("*", request.action):
            return None
        return Decision(Effect(context.config.effect), rule=f"{context.level}:{context.config.effect}")


class Boom:
    """Raises in every hook it implements."""

    @hookimpl
    def channels_authorize(self, request: Any) -> Decision:
        raise RuntimeError("policy store unreachable")


class Named:
    """notifiers.deliver (collect): contributes its own plugin name."""

    @hookimpl
    def notifiers_deliver(self, message: Any, context: Any) -> Any:
        from zhongtai.core.specs.notifiers import Delivery

        return Delivery(channel=context.plugin, status="sent")


def quote(*totals: str, currency: str = "CNY") -> Quote:
    lines = [QuoteLine(f"sku{i}", 1, Money(Decimal(t), currency), Money(Decimal(t), currency))
             for i, t in enumerate(totals)]
    return Quote(currency, lines)
