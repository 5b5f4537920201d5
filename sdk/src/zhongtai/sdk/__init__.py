"""What plugin authors import.

    from zhongtai.sdk import hookimpl, PluginContext, secret_field

The contract types of every extension point are re-exported here, so a plugin
depends on ``zhongtai.sdk`` only.
"""

from __future__ import annotations

from typing import Any

import attrs

from zhongtai.core.config import SECRET
from zhongtai.core.context import PluginContext
from zhongtai.core.decision import Decision, Effect, Verdict
from zhongtai.core.extension import API_VERSION
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.channels import AccessRequest, Actor
from zhongtai.core.specs.identity import ResolveRequest
from zhongtai.core.specs.notifiers import Delivery, Message, Recipient, Template
from zhongtai.core.specs.pricing import (
    Adjustment,
    CartLine,
    Customer,
    Money,
    Quote,
    QuoteLine,
    QuoteRequest,
)
from zhongtai.core.specs.verification import Component, Flow


def secret_field(default: Any = "", **kwargs: Any) -> Any:
    """An attrs field whose value is a secret: masked in every output, may be ``env:NAME``."""
    metadata = dict(kwargs.pop("metadata", {}) or {})
    metadata[SECRET] = True
    return attrs.field(default=default, metadata=metadata, repr=False, **kwargs)


__all__ = [
    "API_VERSION",
    "AccessRequest",
    "Actor",
    "Adjustment",
    "CartLine",
    "Component",
    "Customer",
    "Decision",
    "Delivery",
    "Effect",
    "Flow",
    "Message",
    "Money",
    "PluginContext",
    "Quote",
    "QuoteLine",
    "QuoteRequest",
    "Recipient",
    "ResolveRequest",
    "Template",
    "Verdict",
    "hookimpl",
    "secret_field",
]
