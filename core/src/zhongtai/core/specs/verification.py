"""Verification: components (SMS code, ID number, bank card ...) composed into flows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.extension import OnError, Policy, extension_point


@attrs.frozen
class Component:
    """A verification component offered to a business.

    ``handler`` implements the component (its interface is defined by the
    verification package); ``kind`` is e.g. ``one-time-code``, ``document`` or
    ``provider``.
    """

    name: str
    title: str = ""
    kind: str = ""
    handler: Any = attrs.field(default=None, repr=False, eq=False)


@attrs.frozen
class Flow:
    """A named flow: the ordered component names a subject must pass."""

    name: str
    steps: tuple[str, ...] = attrs.field(converter=tuple)


@extension_point(
    "verification.components", policy=Policy.COLLECT, result=Sequence, on_error=OnError.SKIP
)
def verification_components(context: PluginContext) -> Sequence[Component] | None:
    """Return the components this plugin makes available to the business.

    Every implementation contributes; each contribution is kept with the plugin
    that produced it.
    """


@extension_point("verification.flow", policy=Policy.FIRST, result=Flow, on_error=OnError.FAIL)
def verification_flow(flow: str, context: PluginContext) -> Flow | None:
    """Return the definition of the named *flow* (``signup``, ``payment`` ...) or ``None``.

    The most specific business's implementation answers.
    """
