"""The ``notifiers.webhook`` channel: HTTP POST JSON signed per the Standard Webhooks spec.

The payload is ``{"type": "message.<kind>", "timestamp": ..., "data": {...}}``.
``webhook-id`` is the message id, the same on every retry, so a receiver drops
repeats; ``webhook-timestamp`` is the attempt's time and ``webhook-signature``
signs both with the business's ``whsec_`` secret (see :mod:`..signing`).
A 2xx answer is success; 5xx, 408, 425 and 429 or a network error are retried;
any other answer is final.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable

import attrs
import httpx

from zhongtai.core.specs.notifiers import SENT, Delivery, Message
from zhongtai.plugins.notifiers.channels.common import clip, consent_block, failed, retryable_http_status
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
    """Posts messages to ``recipient.webhook`` with one pooled HTTP client per process."""

    def __init__(self, clock: Callable[[], dt.datetime] | None = None) -> None:
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
                    self._client = httpx.Client(trust_env=False, limits=limits)
        return self._client

    @hookimpl
    def notifiers_deliver(self, message: Message, context: PluginContext) -> Delivery | None:
        url = message.recipient.webhook
        if not url:
            return None
        config: WebhookConfig = context.config
        if not config.secret:
            return failed(context, f"no webhook secret configured for {context.business}", retryable=False)
        blocked = consent_block(message, context)
        if blocked is not None:
            return blocked
        at = self._clock()
        payload = payload_of(message, context.business, at)
        headers = webhook_headers(config.secret, message.id, int(at.timestamp()), payload)
        headers["content-type"] = "application/json"
        try:
            response = self.client.post(url, content=payload.encode(), headers=headers,
                                        timeout=config.timeout_seconds)
        except httpx.HTTPError as exc:
            return failed(context, f"{type(exc).__name__}: {exc}", retryable=True)
        answer = clip(f"{response.status_code} {response.text}".strip())
        if 200 <= response.status_code < 300:
            return Delivery(context.plugin, SENT, provider_response=answer)
        return failed(context, f"HTTP {response.status_code} from {url}", response=answer,
                      retryable=retryable_http_status(response.status_code))


#: The entry point's object.
plugin = WebhookChannel()
