"""Sending a code through the business's notifier channels (``notifiers.deliver``).

The message goes straight to the channels (a code that waits in a queue is
worth nothing); at least one channel must report ``sent``.  It still obeys the
business's notifier policy: when ``zhongtai-notifiers`` is installed, the code
counts against the ``notifiers.policy`` rate limits for kind ``verification``
first, and a code over a limit is refused (never deferred).  Errors name the
channels and their status, never the address or the code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhongtai.core.specs.notifiers import Delivery, Message
from zhongtai.plugins.verification.errors import DeliveryFailedError, NoNotifierChannelError
from zhongtai.plugins.verification.masking import scrub

POINT = "notifiers.deliver"


def require_channel(view: Any) -> None:
    """Raise :class:`NoNotifierChannelError` unless some channel is enabled for *view*'s business."""
    if not view.plan(POINT).entries:
        raise NoNotifierChannelError(
            f"no notifier channel is enabled for business {view.code}; enable zhongtai-notifiers "
            f"(e.g. `zhongtai plugins enable notifiers.sms --business {view.code}`) to send verification codes"
        )


def _admit(platform: Any, business: str, message: Message, now: dt.datetime | None) -> None:
    """Count *message* against the business's notifier rate limits; refuse it when over a limit."""
    try:
        from zhongtai.plugins.notifiers.outbox import admit_direct
    except ImportError:  # no notifiers package: no notifier policy to obey
        return
    refused = admit_direct(platform, business, message.kind, message.recipient, now=now)
    if refused is not None:
        raise DeliveryFailedError(f"the verification code was not sent for business {business}: {refused}")


def deliver(view: Any, message: Message, platform: Any = None, now: dt.datetime | None = None) -> Delivery:
    """Offer *message* to every channel of *view*'s business; return the first ``sent`` delivery.

    With *platform*, the notifier policy's rate limits are applied first (see the module).
    """
    require_channel(view)
    if platform is not None:
        _admit(platform, view.code, message, now)
    result = view.explain(POINT, message=message)
    outcomes: list[str] = []
    for contribution in result.value:
        delivery = contribution.value
        if isinstance(delivery, Delivery) and delivery.status == "sent":
            return delivery
        if isinstance(delivery, Delivery):
            detail = f" ({scrub(delivery.detail)})" if delivery.detail else ""
            outcomes.append(f"{contribution.plugin}: {delivery.status}{detail}")
    for step in result.trace:
        if step.outcome in ("skipped", "error"):
            outcomes.append(f"{step.plugin}: raised {scrub(step.error or '')}")
    summary = "; ".join(outcomes) or "no channel could reach the subject's address"
    raise DeliveryFailedError(f"the verification code could not be sent for business {view.code}: {summary}")
