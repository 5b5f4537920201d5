"""@implements: runtime behaviour (the static side is in test_typing.py)."""

from __future__ import annotations

import types
from decimal import Decimal
from typing import Any

import pytest

from zhongtai.sdk import Money, PluginContext, Quote, QuoteLine, QuoteRequest, implements, specs
from zhongtai.sdk.hooks import IMPLEMENTS, extension_point_of


def _quote(amount: str) -> Quote:
    price = Money(Decimal(amount), "CNY")
    return Quote("CNY", [QuoteLine("a", 1, price, price)])


def test_implementation_may_have_its_own_name_and_runs_on_a_platform(sqlite_url: str, make_platform: Any) -> None:
    @implements(specs.pricing_adjust)
    def halve(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None:
        line = quote.lines[0]
        half = Money(line.total.amount / 2, "CNY")
        return Quote("CNY", [QuoteLine(line.sku, 1, half, half)])

    assert getattr(halve, IMPLEMENTS) == "pricing.adjust"
    platform = make_platform(sqlite_url, discover=False)
    info = platform.add_plugin(types.SimpleNamespace(halve=halve), "halve", extension_points=["pricing.adjust"])
    assert info.status == "ok", info.error
    platform.create_business("shop")
    platform.enable("halve", "shop")
    result = platform.business("shop").call("pricing.adjust", quote=_quote("10"), request=None)
    assert result.total == Money(Decimal("5"), "CNY")


def test_unknown_argument_name_fails_at_import_time_with_the_known_names() -> None:
    with pytest.raises(TypeError, match=r"no argument 'req' \(its arguments are: quote, request, context\)"):
        @implements(specs.pricing_adjust)
        def adjust(quote: Quote, req: QuoteRequest) -> Quote | None:  # type: ignore[arg-type]
            return None


def test_a_function_that_is_no_hookspec_is_refused() -> None:
    def pricing_adjust(quote: Quote) -> Quote | None:
        return None

    with pytest.raises(TypeError, match="is not an extension point"):
        implements(pricing_adjust)
    assert extension_point_of(specs.theming_tokens).name == "theming.tokens"


def test_a_method_gets_pointed_to_hookimpl() -> None:
    with pytest.raises(TypeError, match=r"decorates module-level functions, not methods .*use @hookimpl"):
        class Plugin:
            @implements(specs.theming_tokens)
            def theming_tokens(self, context: PluginContext) -> None:  # type: ignore[arg-type]
                return None
