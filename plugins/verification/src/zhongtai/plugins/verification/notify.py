"""Sending a code through the business's notifier channels (``notifiers.deliver``).

The message goes straight to the channels (a code that waits in a queue is
worth nothing); at least one channel must report ``sent``.  Errors name the
channels and their status, never the address or the code.
"""

from __future__ import annotations

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


def deliver(view: Any, message: Message) -> Delivery:
    """Offer *message* to every channel of *view*'s business; return the first ``sent`` delivery."""
    require_channel(view)
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
