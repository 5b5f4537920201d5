"""Telling users about their new coupons through the notifiers outbox.

The message is the business's notifier template (``notifiers.templates``),
rendered with ``code`` (grouped for reading), ``title``, ``template`` and
``valid_until``; it goes to the user's in-app inbox (``Recipient(user_id=...)``)
and any channel the business enabled for it.  The outbox applies the
business's rules: marketing needs consent (opted-out users are suppressed),
quiet hours defer it, rate limits refuse it.  Each message's idempotency key
is the coupon's id, so sending again after a crash sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from zhongtai.core.errors import UserError
from zhongtai.plugins.coupons.codes import display

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform
    from zhongtai.plugins.coupons.issuing import Coupon

KINDS = ("marketing", "notification")


@attrs.frozen
class Notify:
    """Send each new coupon's holder the notifier *template* as a *kind* message."""

    template: str
    kind: str = "marketing"
    timezone: str = "Asia/Shanghai"

    def __attrs_post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UserError(f"a coupon message is {' or '.join(KINDS)}, not {self.kind!r}")
        if not self.template or len(self.template) > 200:
            raise UserError("--notify needs a notifier template name (1 to 200 characters)")

    def as_dict(self) -> dict[str, str]:
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Notify | None:
        return None if not data else cls(**data)


def notify_issued(platform: Platform, business: str, coupons: Sequence[Coupon], notify: Notify, *,
                  title: str) -> None:
    """Put one message per coupon in the outbox (idempotent per coupon)."""
    from zhongtai.plugins.notifiers.outbox import Outgoing, send_many
    from zhongtai.sdk import Recipient

    messages = [
        Outgoing(kind=notify.kind, recipient=Recipient(user_id=coupon.user_id, timezone=notify.timezone),
                 template=notify.template, idempotency_key=f"coupon-issued-{coupon.id}",
                 variables={"code": display(coupon.code), "title": title, "template": coupon.template,
                            "valid_until": coupon.valid_until.isoformat() if coupon.valid_until else ""})
        for coupon in coupons
    ]
    if messages:
        send_many(platform, business, messages)
