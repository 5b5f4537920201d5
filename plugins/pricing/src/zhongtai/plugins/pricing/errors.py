"""The user errors of the pricing package (one clear line each, never a traceback)."""

from __future__ import annotations

from zhongtai.core.errors import NotFound, UserError


class PricingError(UserError):
    """Base class of the pricing package's user errors."""


class UnknownCurrencyError(PricingError):
    """A currency code that is not an ISO 4217 currency known to CLDR."""


class MixedCurrencyError(PricingError):
    """Prices or amounts in more than one currency for one quote."""


class NoPriceError(PricingError, NotFound):
    """No enabled plugin has a price for a sku at this business and channel."""


class InvalidCartError(PricingError):
    """A cart document that cannot be read as a quote request."""


class AmountOutOfRangeError(PricingError):
    """An amount or quantity beyond the documented bounds (docs/pricing.md, "Limits")."""
