"""Identity resolution: from request attributes to the business that serves the request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from zhongtai.core.errors import NotFound, PluginCallError
from zhongtai.core.identity import is_within, validate_code
from zhongtai.core.specs.identity import ResolveRequest

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import BusinessView, Platform


def resolve(platform: Platform, scope: str, attributes: Mapping[str, str]) -> BusinessView:
    """Ask *scope*'s ``identity.resolve`` plugins which business serves *attributes*.

    The answer must be *scope* itself or one of its descendants and must exist;
    a resolver that answers anything else is a plugin error naming the resolver.
    With no answer at all, :class:`NotFound` says so.
    """
    view = platform.business(scope)
    result = view.explain("identity.resolve", request=ResolveRequest(dict(attributes)))
    code = result.value
    if code is None:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(attributes.items())) or "no attributes"
        raise NotFound(f"no identity resolver under {scope} recognises {shown}")
    answered_by = next((step.plugin for step in result.trace if step.outcome == "answered"), "?")
    try:
        validate_code(code)
    except Exception as exc:
        raise PluginCallError(f"resolver {answered_by!r} returned an invalid business code: {exc}",
                              plugin=answered_by, extension_point="identity.resolve") from None
    if not is_within(code, scope):
        raise PluginCallError(
            f"resolver {answered_by!r} under {scope} answered {code!r}, which is outside {scope}",
            plugin=answered_by, extension_point="identity.resolve")
    return platform.business(code)
