"""Notifiers: templates and delivery channels of the unified reach platform.

The platform sends every marketing message, notification and verification code
on behalf of the businesses.  Messages enter a durable outbox (the
``zhongtai-notifiers`` package, ``zhongtai.plugins.notifiers.outbox.send``) and a
worker offers each due message to the business's delivery channels through
``notifiers.deliver``.  Templates come from ``notifiers.templates``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.extension import OnError, Policy, extension_point

MARKETING = "marketing"
NOTIFICATION = "notification"
VERIFICATION = "verification"
#: The kinds of message.  Marketing needs consent and respects quiet hours;
#: verification codes are never delayed.
KINDS = (MARKETING, NOTIFICATION, VERIFICATION)

SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"
SUPPRESSED = "suppressed"
#: What a channel may report for a message it was offered (see :class:`Delivery`).
DELIVERY_STATUSES = (SENT, FAILED, SKIPPED, SUPPRESSED)


def _aware(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if value is not None and (not isinstance(value, _dt.datetime) or value.utcoffset() is None):
        raise ValueError(f"{attribute.name} must be a timezone-aware datetime, got {value!r}")


@attrs.frozen
class Recipient:
    """Where a message goes: any of the addresses may be set, each reached by its channel.

    ``phone`` (SMS), ``email`` (SMTP), ``webhook`` (an ``http(s)://`` endpoint
    receiving signed POSTs), ``user_id`` (the in-app inbox).  ``timezone`` is the
    recipient's IANA time zone, used for quiet hours.
    """

    phone: str | None = None
    email: str | None = None
    webhook: str | None = None
    user_id: str | None = None
    timezone: str = "Asia/Shanghai"

    @property
    def empty(self) -> bool:
        """True when no address at all is set."""
        return not (self.phone or self.email or self.webhook or self.user_id)


@attrs.frozen
class Message:
    """A message to deliver, already rendered (``subject`` and ``body``).

    ``id`` is stable across retries (webhook receivers use it to drop repeats);
    ``template`` and ``variables`` record what it was rendered from.
    ``headers`` carries extra channel headers (e.g. for email).
    """

    id: str
    kind: str = attrs.field(validator=attrs.validators.in_(KINDS))
    recipient: Recipient
    body: str
    subject: str = ""
    template: str | None = None
    variables: Mapping[str, Any] = attrs.field(factory=dict)
    idempotency_key: str | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    send_after: _dt.datetime | None = attrs.field(default=None, validator=_aware)


@attrs.frozen
class Delivery:
    """What one channel did with a message.

    ``status`` is ``sent``; ``failed`` (``retryable`` says whether trying again
    may help: a timeout or a 5xx may, a rejected address will not);
    ``suppressed`` (not sent on purpose, e.g. the recipient opted out of
    marketing); or ``skipped`` (nothing to do, and not an error).
    ``provider_response`` is what the provider or receiver answered, for the record.
    """

    channel: str
    status: str = attrs.field(validator=attrs.validators.in_(DELIVERY_STATUSES))
    detail: str = ""
    provider_response: str = ""
    retryable: bool = True


@attrs.frozen
class Template:
    """A message template (jinja2 source, rendered in a sandbox) for one kind of message.

    A template may only be used for messages of its own ``kind``.
    """

    name: str
    body: str
    subject: str = ""
    kind: str = attrs.field(default=NOTIFICATION, validator=attrs.validators.in_(KINDS))


@extension_point("notifiers.deliver", policy=Policy.COLLECT, result=Delivery, on_error=OnError.SKIP)
def notifiers_deliver(message: Message, context: PluginContext) -> Delivery | None:
    """Deliver *message* through this channel, or return ``None`` if it has no address here.

    Every channel enabled for the business is offered the message and each
    result is kept with its plugin.  A channel that raises is recorded as failed
    (its error in the trace) and never stops the others.  Delivery is
    at-least-once: the same ``message.id`` may be offered again after a crash or
    a retry, so a channel passes it on (webhook id, Message-ID, provider
    reference) for receivers to drop repeats.
    """


@extension_point("notifiers.templates", policy=Policy.FIRST, result=Template, on_error=OnError.FAIL)
def notifiers_templates(name: str, context: PluginContext) -> Template | None:
    """Return the template called *name* for this business, or ``None``.

    The most specific business's implementation answers first, so a business
    overrides the platform's wording by enabling its own template plugin or
    config; ``None`` lets a less specific one answer.
    """
