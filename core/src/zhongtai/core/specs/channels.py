"""Channel permissions: which channel may do what, for whom."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.decision import Decision
from zhongtai.core.extension import OnError, Policy, extension_point


def _roles(value: str | Iterable[str]) -> frozenset[str]:
    """A single role name is one role, not the set of its letters."""
    if isinstance(value, str):
        return frozenset({value}) if value else frozenset()
    return frozenset(value)


def _mapping(value: Mapping[str, Any]) -> dict[str, Any]:
    """A private copy, so a caller changing its dict later cannot change the request."""
    return dict(value)


def _non_empty(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty string, got {value!r}")


@attrs.frozen
class Actor:
    """Who acts: roles, and the store or agent they act for.

    ``roles`` accepts one role name or any iterable of names.  ``attributes``
    holds anything else a policy may look at (``actor.<name>`` in conditions).
    """

    id: str = ""
    roles: frozenset[str] = attrs.field(default=frozenset(), converter=_roles)
    store: str | None = None
    agent: str | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict, converter=_mapping)


def _actor(value: Actor | Mapping[str, Any]) -> Actor:
    """An :class:`Actor`, or the mapping of its fields (JSON input)."""
    if isinstance(value, Actor):
        return value
    if isinstance(value, Mapping):
        return Actor(**value)
    raise TypeError(f"actor must be an Actor or a mapping of its fields, got {type(value).__name__}")


@attrs.frozen
class AccessRequest:
    """A decision request: may *actor* do *action* through *channel* on *resource*?

    The business is the one the call is made for.  ``action`` is a dotted name
    such as ``order.create``; ``resource`` holds the attributes of what is acted
    on (``resource.<name>`` in conditions).  ``actor`` may be given as a mapping.
    """

    channel: str = attrs.field(validator=_non_empty)
    action: str = attrs.field(validator=_non_empty)
    actor: Actor = attrs.field(factory=Actor, converter=_actor)
    resource: Mapping[str, Any] = attrs.field(factory=dict, converter=_mapping)


@extension_point(
    "channels.authorize", policy=Policy.DENY_OVERRIDES, result=Decision, on_error=OnError.DENY
)
def channels_authorize(request: AccessRequest, context: PluginContext) -> Decision | None:
    """Return a :class:`~zhongtai.core.decision.Decision` for the request, or ``None`` if no rule applies.

    Called once per plugin and per business level at which it is enabled (with
    that level's own config).  Default deny: the call allows only when some
    decision allows and none denies, and answers a
    :class:`~zhongtai.core.decision.Verdict` naming the plugin, business level
    and rule that decided.  An implementation that raises, returns something
    other than a ``Decision``, or cannot be loaded or configured counts as a
    deny (fail closed), and its error is the reason.
    """
