"""Identity resolution: which business serves a request."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.extension import OnError, Policy, extension_point


@attrs.frozen
class ResolveRequest:
    """Attributes of an incoming request: channel, product line, tenant, host ..."""

    attributes: Mapping[str, str] = attrs.field(factory=dict)


@extension_point("identity.resolve", policy=Policy.FIRST, result=str, on_error=OnError.FAIL)
def identity_resolve(request: ResolveRequest, context: PluginContext) -> str | None:
    """Map request attributes to the business code that serves the request.

    Called for a scope business (``context.business``); return a business code
    equal to the scope or one of its descendants, or ``None`` to let the next
    implementation answer.  The most specific business's implementation answers
    first; at one level the higher priority goes first.
    """
