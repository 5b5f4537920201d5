"""The hookspec of every extension point, by hook name, for :func:`zhongtai.sdk.implements`.

Each name here is the kernel's own hookspec function (``zhongtai.core.specs.<domain>``),
whose annotations are the extension point's signature and whose docstring is its
contract.  ``tests/sdk/test_exports.py`` fails when the kernel gains an extension
point that is missing here.
"""

from __future__ import annotations

from zhongtai.core.specs.channels import channels_authorize
from zhongtai.core.specs.identity import identity_resolve
from zhongtai.core.specs.notifiers import notifiers_deliver, notifiers_templates
from zhongtai.core.specs.pricing import pricing_adjust, pricing_base_price, pricing_rounding
from zhongtai.core.specs.theming import theming_tokens
from zhongtai.core.specs.verification import verification_components, verification_flow

__all__ = [
    "channels_authorize",
    "identity_resolve",
    "notifiers_deliver",
    "notifiers_templates",
    "pricing_adjust",
    "pricing_base_price",
    "pricing_rounding",
    "theming_tokens",
    "verification_components",
    "verification_flow",
]
