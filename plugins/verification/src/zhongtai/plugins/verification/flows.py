"""The default flows, and flows overridden by config.

A business overrides a flow with the ``flows`` setting of its enablement
(``{"signup": ["sms-code", "id-number"]}``) or by enabling its own plugin that
implements ``verification.flow`` -- the most specific business answers first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from zhongtai.core.specs.verification import Flow

DEFAULT_FLOWS: Mapping[str, tuple[str, ...]] = {
    "signup": ("sms-code",),
    "login": ("sms-code",),
    "email-change": ("email-code",),
    "payment": ("totp",),
    "bank-card-binding": ("bank-card", "sms-code"),
    "finance-onboarding": ("id-number", "name-id-match", "bank-card-four-factor"),
    "real-person": ("id-number", "name-id-match", "face-liveness"),
}


def flow_named(
    name: str, overrides: Mapping[str, Sequence[str]] | None = None, *, ttl_seconds: int = 1800
) -> Flow | None:
    """The flow called *name*: from *overrides* if it is there, else the default, else ``None``."""
    steps = (overrides or {}).get(name)
    if steps is None:
        steps = DEFAULT_FLOWS.get(name)
    if steps is None:
        return None
    return Flow(name, tuple(steps), ttl_seconds)
