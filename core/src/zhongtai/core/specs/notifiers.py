"""Notifiers: templates and delivery channels of the unified reach platform."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.extension import OnError, Policy, extension_point

KINDS = ("marketing", "notification", "verification")


@attrs.frozen
class Recipient:
    """Where a message goes; any of the addresses may be set."""

    phone: str | None = None
    email: str | None = None
    webhook: str | None = None
    user_id: str | None = None
    timezone: str = "Asia/Shanghai"


@attrs.frozen
class Message:
    """A message to deliver (already rendered: ``subject`` and ``body``)."""

    id: str
    kind: str = attrs.field(validator=attrs.validators.in_(KINDS))
    recipient: Recipient
    body: str
    subject: str = ""
    template: str | None = None
    variables: Mapping[str, Any] = attrs.field(factory=dict)
    idempotency_key: str | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    send_after: _dt.datetime | None = None


@attrs.frozen
class Delivery:
    """What one channel did with a message."""

    channel: str
    status: str  # "sent", "skipped" (not addressed to this channel) or "failed"
    detail: str = ""
    provider_response: str = ""


@attrs.frozen
class Template:
    """A message template (jinja2 source) for one kind of message."""

    name: str
    body: str
    subject: str = ""
    kind: str = "notification"


@extension_point("notifiers.deliver", policy=Policy.COLLECT, result=Delivery, on_error=OnError.SKIP)
def notifiers_deliver(message: Message, context: PluginContext) -> Delivery | None:
    """Deliver *message* through this channel, or return ``None`` if it does not apply.

    Every enabled channel is offered the message; each result is kept with its
    plugin.  A channel that raises is recorded as failed and never stops the others.
    """


@extension_point("notifiers.templates", policy=Policy.FIRST, result=Template, on_error=OnError.FAIL)
def notifiers_templates(name: str, context: PluginContext) -> Template | None:
    """Return the template called *name* for this business, or ``None``.

    The most specific business's template wins, so a business overrides the
    platform's wording by enabling its own template plugin or config.
    """
