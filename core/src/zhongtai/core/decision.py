"""Decisions for deny-overrides extension points (``channels.authorize``)."""

from __future__ import annotations

import enum

import attrs


class Effect(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    NOT_APPLICABLE = "not-applicable"


@attrs.frozen
class Decision:
    """One implementation's verdict: which rule applied and why."""

    effect: Effect
    rule: str = ""
    reason: str = ""


@attrs.frozen
class Verdict:
    """The combined answer of a deny-overrides call.

    ``allowed`` is true only when some implementation allowed and none denied.
    ``plugin``/``business``/``rule`` name what decided it (empty for the default deny).
    """

    allowed: bool
    reason: str
    plugin: str = ""
    business: str = ""
    rule: str = ""
