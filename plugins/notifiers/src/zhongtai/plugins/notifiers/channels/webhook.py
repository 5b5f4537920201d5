"""The ``notifiers.webhook`` channel: HTTP POST JSON signed per the Standard Webhooks spec.

The payload is ``{"type": "message.<kind>", "timestamp": ..., "data": {...}}``.
``webhook-id`` is the message id, the same on every retry, so a receiver drops
repeats; ``webhook-timestamp`` is the attempt's time and ``webhook-signature``
signs both with the business's ``whsec_`` secret (see :mod:`..signing`) --
only for messages the platform composed from a template in its outbox: a
caller-supplied body (``--body``, a direct ``notifiers.deliver`` call) goes out
unsigned, so nobody can get text of their choosing signed with the business's key.
Requests go through the outbound guard (:mod:`zhongtai.core.outbound`): internal
addresses only where a platform admin allowed them, no redirects, and only the
status of the answer is kept.  A 2xx answer is success; 5xx, 408, 425 and 429 or
a network error are retried; any other answer is final.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import attrs

from zhongtai.core import outbound
from zhongtai.core.specs.notifiers import SENT, Delivery, Message
from zhongtai.plugins.notifiers.channels.common import consent_block, failed, retryable_http_status
from zhongtai.plugins.notifiers.composed import is_composed
from zhongtai.plugins.notifiers.signing import SignatureError, webhook_headers, webhook_key
from zhongtai.sdk import PluginContext, hookimpl, secret_field


def _whsec(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value and not value.startswith("env:"):
        try:
            webhook_key(value)
        except SignatureError as exc:
            raise ValueError(f"{attribute.name}: {exc.message}") from None


@attrs.frozen
class WebhookConfig:
    """``secret``: the ``whsec_<base64>`` signing secret (a secret; may be ``env:NAME``)."""

    secret: str = secret_field("", validator=_whsec)
    timeout_seconds: float = 10.0


def payload_of(message: Message, business: str, at: dt.datetime) -> str:
    """The JSON body posted for *message* (compact, stable key order)."""
    return json.dumps(
        {
            "type": f"message.{message.kind}",
            "timestamp": at.isoformat(),
            "data": {
                "id": message.id,
                "business": business,
                "kind": message.kind,
                "subject": message.subject,
                "body": message.body,
                "template": message.template,
                "idempotency_key": message.idempotency_key,
            },
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


class WebhookChannel:
    """Posts messages to ``recipient.webhook`` through one guarded HTTP pool per process."""

    def __init__(self, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.http = outbound.OutboundHttp()
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    @hookimpl
    def notifiers_deliver(self, message: Message, context: PluginContext) -> Delivery | None:
        url = message.recipient.webhook
        if not url:
            return None
        config: WebhookConfig = context.config
        blocked = consent_block(message, context)
        if blocked is not None:
            return blocked
        at = self._clock()
        payload = payload_of(message, context.business, at)
        headers = {"content-type": "application/json"}
        if is_composed(message):
            if not config.secret:
                return failed(context, f"no webhook secret configured for {context.business}", retryable=False)
            headers.update(webhook_headers(config.secret, message.id, int(at.timestamp()), payload))
        try:
            answer = self.http.post(url, content=payload.encode(), headers=headers, timeout=config.timeout_seconds,
                                    allowance=outbound.allowance_for(context.platform, context.business),
                                    business=context.business, what="webhook endpoint")
        except outbound.OutboundFailed as exc:
            return failed(context, exc.message, retryable=True)
        except outbound.OutboundRefused as exc:
            return failed(context, exc.message, retryable=False)
        if answer.ok:
            return Delivery(context.plugin, SENT, provider_response=answer.describe())
        return failed(context, f"HTTP {answer.describe()} from the webhook endpoint", response=answer.describe(),
                      retryable=retryable_http_status(answer.status))


#: The entry point's object.
plugin = WebhookChannel()
