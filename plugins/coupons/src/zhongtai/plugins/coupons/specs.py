"""The extension points of the coupons package (hookspecs; their docstrings are contracts).

``coupons.eligibility`` -- who may receive a coupon.  A business team enables a
plugin implementing it (``new users only``, ``not staff``, ``members of a CRM
segment``); issuing asks every enabled implementation, at the issuing business
and above, about each batch of users, and a user refused by any of them gets
nothing (the refusal is counted, and returned for a single issue).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.extension import OnError, Policy, extension_point


def _reasons(value: Mapping[str, str]) -> dict[str, str]:
    return {str(user): str(reason) for user, reason in dict(value).items()}


@attrs.frozen
class Offer:
    """What is about to be issued, and where: the template's terms as plain values."""

    business: str
    template: str
    kind: str
    title: str = ""
    stacking_group: str = ""


@attrs.frozen
class Refusals:
    """Users who may not receive the offer: user id -> the reason (one line, shown to operators)."""

    reasons: dict[str, str] = attrs.field(factory=dict, converter=_reasons)


@extension_point("coupons.eligibility", policy=Policy.COLLECT, result=Refusals, on_error=OnError.FAIL)
def coupons_eligibility(offer: Offer, users: tuple[str, ...], context: PluginContext) -> Refusals | None:
    """Return the users of *users* who may not receive *offer*, each with a reason; ``None``: all may.

    Called once per batch of users (up to a few thousand in bulk issuing), so
    answer from one query per batch, not one per user.  Every enabled
    implementation is asked; a user refused by any one gets nothing.  A plugin
    that fails fails the issue (nobody is issued a coupon a rule could not
    judge); a bulk job stops and can be resumed.
    """
