"""What plugin authors import.

    from zhongtai.sdk import PluginContext, Quote, QuoteRequest, implements, specs

    @implements(specs.pricing_adjust)          # mypy checks the signature against the extension point
    def vip_discount(quote: Quote, request: QuoteRequest, context: PluginContext) -> Quote | None: ...

The contract types of every extension point are re-exported here, so a plugin
depends on ``zhongtai.sdk`` only.  Config helpers: :func:`setting`,
:func:`secret_field`, :func:`load_config`.  Test helpers live in
:mod:`zhongtai.sdk.testing` and the pytest plugin (fixtures ``zhongtai_*``).

The names are imported on first use (PEP 562), so ``import zhongtai.sdk.<module>``
stays cheap -- the pytest plugin is loaded into every pytest run.  Type checkers
see the ordinary imports below; ``tests/sdk/test_exports.py`` keeps both lists
and the kernel's spec modules in step.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zhongtai.core.context import PluginContext
    from zhongtai.core.decision import Decision, Effect, Verdict
    from zhongtai.core.errors import ConfigError
    from zhongtai.core.extension import API_VERSION
    from zhongtai.core.markers import hookimpl
    from zhongtai.core.policies import Contribution
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
        Rounding,
    )
    from zhongtai.core.specs.verification import (
        Challenge,
        Component,
        ComponentHandler,
        Flow,
        StepRequest,
        StepResult,
    )
    from zhongtai.sdk import specs
    from zhongtai.sdk.config import load_config, secret_field, setting
    from zhongtai.sdk.hooks import implements

#: Where each exported name lives (module, attribute); ``specs`` is a submodule.
_EXPORTS: dict[str, str] = {
    "PluginContext": "zhongtai.core.context",
    "Decision": "zhongtai.core.decision",
    "Effect": "zhongtai.core.decision",
    "Verdict": "zhongtai.core.decision",
    "ConfigError": "zhongtai.core.errors",
    "API_VERSION": "zhongtai.core.extension",
    "hookimpl": "zhongtai.core.markers",
    "Contribution": "zhongtai.core.policies",
    "AccessRequest": "zhongtai.core.specs.channels",
    "Actor": "zhongtai.core.specs.channels",
    "ResolveRequest": "zhongtai.core.specs.identity",
    "Delivery": "zhongtai.core.specs.notifiers",
    "Message": "zhongtai.core.specs.notifiers",
    "Recipient": "zhongtai.core.specs.notifiers",
    "Template": "zhongtai.core.specs.notifiers",
    "Adjustment": "zhongtai.core.specs.pricing",
    "CartLine": "zhongtai.core.specs.pricing",
    "Customer": "zhongtai.core.specs.pricing",
    "Money": "zhongtai.core.specs.pricing",
    "Quote": "zhongtai.core.specs.pricing",
    "QuoteLine": "zhongtai.core.specs.pricing",
    "QuoteRequest": "zhongtai.core.specs.pricing",
    "Rounding": "zhongtai.core.specs.pricing",
    "Challenge": "zhongtai.core.specs.verification",
    "Component": "zhongtai.core.specs.verification",
    "ComponentHandler": "zhongtai.core.specs.verification",
    "Flow": "zhongtai.core.specs.verification",
    "StepRequest": "zhongtai.core.specs.verification",
    "StepResult": "zhongtai.core.specs.verification",
    "load_config": "zhongtai.sdk.config",
    "secret_field": "zhongtai.sdk.config",
    "setting": "zhongtai.sdk.config",
    "implements": "zhongtai.sdk.hooks",
}

__all__ = [
    "API_VERSION",
    "AccessRequest",
    "Actor",
    "Adjustment",
    "CartLine",
    "Challenge",
    "Component",
    "ComponentHandler",
    "ConfigError",
    "Contribution",
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
    "Rounding",
    "StepRequest",
    "StepResult",
    "Template",
    "Verdict",
    "hookimpl",
    "implements",
    "load_config",
    "secret_field",
    "setting",
    "specs",
]


def __getattr__(name: str) -> Any:
    if name == "specs":
        return importlib.import_module("zhongtai.sdk.specs")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zhongtai.sdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
