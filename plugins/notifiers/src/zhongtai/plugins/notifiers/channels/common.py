"""What every built-in channel does the same way: consent for marketing, status helpers."""

from __future__ import annotations

from zhongtai.core.context import PluginContext
from zhongtai.core.errors import UserError
from zhongtai.core.specs.notifiers import FAILED, MARKETING, SUPPRESSED, Delivery, Message
from zhongtai.plugins.notifiers.addresses import address_keys, validate_recipient
from zhongtai.plugins.notifiers.models import engine_of
from zhongtai.plugins.notifiers.rules import opted_out


def consent_block(message: Message, context: PluginContext) -> Delivery | None:
    """A ``suppressed`` delivery if *message* is marketing to someone who opted out, else ``None``.

    Checked by the channels themselves too, so that a direct
    ``notifiers.deliver`` call (bypassing the outbox) cannot reach anyone who said no.
    Any of the recipient's addresses having opted out counts.
    """
    if message.kind != MARKETING or context.platform is None:
        return None
    try:
        keys = address_keys(validate_recipient(message.recipient))
    except UserError as exc:
        return failed(context, f"unusable recipient: {exc.message}", retryable=False)
    with engine_of(context.platform).connect() as connection:
        who = opted_out(connection, context.business, keys)
    if who is None:
        return None
    return Delivery(context.plugin, SUPPRESSED, f"{who} opted out of marketing from {context.business}")


def failed(context: PluginContext, detail: str, *, retryable: bool, response: str = "") -> Delivery:
    return Delivery(context.plugin, FAILED, detail, provider_response=response, retryable=retryable)


def retryable_http_status(status: int) -> bool:
    """Whether an HTTP failure status may succeed later (5xx, 408, 425, 429), not a 4xx refusal."""
    return status >= 500 or status in (408, 425, 429)


def clip(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
