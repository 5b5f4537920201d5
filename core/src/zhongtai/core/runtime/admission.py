"""Whether a plugin serves a subject at a business, and why (``BusinessView.admission``).

What the call path decides per gated plugin, as a value: for ``--explain``
-like answers outside a call, and for the OpenFeature provider in the SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from zhongtai.core.rollout import IN_ROLLOUT
from zhongtai.core.runtime.gates import EXCLUDED, PluginGate

if TYPE_CHECKING:
    from zhongtai.core.registry.snapshot import EffectivePlugin, Snapshot
    from zhongtai.core.runtime.exposures import Exposures

#: Reasons besides the rollout ones of zhongtai.core.rollout
ENABLED = "enabled"  # enabled, no rollout
NOT_ENABLED = "not-enabled"
SUSPENDED = "suspended"
VARIANT = "variant"  # served an experiment variant


@attrs.frozen
class Admission:
    """The answer for one (business, plugin, subject)."""

    business: str
    plugin: str
    subject: str | None
    enabled: bool
    reason: str  # ENABLED, NOT_ENABLED, SUSPENDED, VARIANT or a reason of zhongtai.core.rollout
    detail: str
    variant: str | None = None
    experiment: str | None = None


def admission(snapshot: Snapshot, exposures: Exposures, code: str, plugin: str, subject: str | None, *,
              suspended_by: str | None, effective: EffectivePlugin | None) -> Admission:
    """The answer for *plugin* at *code* for *subject*, given the business's plans' state.

    *suspended_by*: the suspended level at or above *code*, if any; *effective*: the
    plugin's effective state there (``None``: not enabled).  Records an exposure when
    a variant is served.
    """
    if suspended_by is not None:
        return Admission(code, plugin, subject, False, SUSPENDED, f"business {suspended_by} is suspended")
    if effective is None:
        _, why = snapshot.state_of(code, plugin)
        return Admission(code, plugin, subject, False, NOT_ENABLED, f"{plugin} is {why} at {code}")
    if effective.rollout is None and effective.experiment is None:
        return Admission(code, plugin, subject, True, ENABLED, f"{plugin} is enabled ({effective.origin(code)})")
    gate = PluginGate(plugin, code, effective.rollout, effective.experiment)
    pick, steps = gate.explain(subject)
    words = "; ".join(str(step.value) for step in steps)
    reason = steps[0].outcome if steps else ENABLED
    if pick == EXCLUDED:
        return Admission(code, plugin, subject, False, reason, words)
    split = gate.split
    if split is None or pick < 0:
        return Admission(code, plugin, subject, True, reason if effective.rollout else ENABLED, words)
    if subject is not None and split.sampled(subject):
        exposures.expose(split.experiment, split.names[pick], subject, code)
    return Admission(code, plugin, subject, True, VARIANT, words, split.names[pick], split.experiment)


__all__ = ["IN_ROLLOUT", "Admission", "admission"]
