"""Channel permissions: which channel may do what, for whom."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.decision import Decision
from zhongtai.core.extension import OnError, Policy, extension_point


@attrs.frozen
class Actor:
    """Who acts: roles, and the store or agent they act for."""

    id: str = ""
    roles: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    store: str | None = None
    agent: str | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class AccessRequest:
    """A decision request: may *actor* do *action* through *channel* on *resource*?"""

    channel: str
    action: str
    actor: Actor = attrs.field(factory=Actor)
    resource: Mapping[str, Any] = attrs.field(factory=dict)


@extension_point(
    "channels.authorize", policy=Policy.DENY_OVERRIDES, result=Decision, on_error=OnError.DENY
)
def channels_authorize(request: AccessRequest, context: PluginContext) -> Decision | None:
    """Return a :class:`~zhongtai.core.decision.Decision` for the request, or ``None`` if no rule applies.

    Called once per plugin and per business level at which it is enabled (with
    that level's own config).  Default deny: the call allows only when some
    decision allows and none denies.  An implementation that raises counts as a
    deny (fail closed) and its error is the reason.
    """
