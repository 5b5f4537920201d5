"""The ``notifiers.email`` channel: email over SMTP (``smtplib``).

Every marketing email carries a one-click unsubscribe (RFC 8058):
``List-Unsubscribe: <{unsubscribe_url}?token=...>`` with a token signed by the
business's ``unsubscribe_secret`` (``notifiers.policy``), and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``.  A business without an
unsubscribe URL and secret cannot send marketing email: the delivery fails
with that reason rather than going out without the link.

``Message-ID`` is derived from the message id, so a repeat after a crash can be
recognised.  4xx SMTP replies and network errors are retried; 5xx are final.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

import attrs

from zhongtai.core.specs.notifiers import MARKETING, SENT, Delivery, Message
from zhongtai.plugins.notifiers.channels.common import clip, consent_block, failed
from zhongtai.plugins.notifiers.policy import policy_for
from zhongtai.plugins.notifiers.signing import make_unsubscribe_token
from zhongtai.sdk import PluginContext, hookimpl, secret_field

#: Headers a message may not set itself (the channel owns them).
RESERVED_HEADERS = frozenset(
    h.lower() for h in ("From", "To", "Subject", "Message-ID", "Date", "List-Unsubscribe", "List-Unsubscribe-Post")
)


@attrs.frozen
class EmailConfig:
    """SMTP server and sender.  ``security``: ``none``, ``starttls`` or ``ssl``."""

    sender: str
    host: str = "127.0.0.1"
    port: int = 25
    username: str = ""
    password: str = secret_field("")
    security: Literal["none", "starttls", "ssl"] = "none"
    timeout_seconds: float = 10.0


def unsubscribe_link(base_url: str, token: str) -> str:
    return f"{base_url}{'&' if '?' in base_url else '?'}token={token}"


def build_email(message: Message, config: EmailConfig, *, unsubscribe: str | None) -> EmailMessage:
    """The MIME message for *message* (plain text, UTF-8)."""
    email = EmailMessage()
    email["From"] = config.sender
    email["To"] = message.recipient.email or ""
    email["Subject"] = message.subject
    domain = config.sender.rpartition("@")[2] or "zhongtai.invalid"
    email["Message-ID"] = f"<{message.id}@{domain}>"
    email["Date"] = formatdate(usegmt=True)
    for name, value in message.headers.items():
        if name.lower() not in RESERVED_HEADERS:
            email[name] = value
    if unsubscribe is not None:
        email["List-Unsubscribe"] = f"<{unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body)
    return email


def _connect(config: EmailConfig) -> smtplib.SMTP:
    if config.security == "ssl":
        return smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout_seconds,
                                context=ssl.create_default_context())
    client = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
    if config.security == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


class EmailChannel:
    """One SMTP connection per delivery (simple and safe across worker threads)."""

    @hookimpl
    def notifiers_deliver(self, message: Message, context: PluginContext) -> Delivery | None:
        address = message.recipient.email
        if not address:
            return None
        blocked = consent_block(message, context)
        if blocked is not None:
            return blocked
        config: EmailConfig = context.config
        link = None
        if message.kind == MARKETING:
            policy = policy_for(context.platform, context.business)
            if not (policy.unsubscribe_url and policy.unsubscribe_secret):
                return failed(context, f"marketing email needs unsubscribe_url and unsubscribe_secret in "
                                       f"notifiers.policy for {context.business}", retryable=False)
            token = make_unsubscribe_token(policy.unsubscribe_secret, context.business, f"email:{address.lower()}")
            link = unsubscribe_link(policy.unsubscribe_url, token)
        email = build_email(message, config, unsubscribe=link)
        try:
            with _connect(config) as client:
                if config.username:
                    client.login(config.username, config.password)
                refused = client.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            return failed(context, f"recipient refused: {exc.recipients}", retryable=False)
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc)
            return failed(context, f"SMTP {exc.smtp_code}: {clip(text, 200)}", retryable=exc.smtp_code < 500,
                          response=f"{exc.smtp_code} {clip(text, 200)}")
        except (smtplib.SMTPException, OSError) as exc:
            return failed(context, f"{type(exc).__name__}: {exc}", retryable=True)
        if refused:
            return failed(context, f"recipient refused: {refused}", retryable=False)
        return Delivery(context.plugin, SENT, provider_response=f"accepted by {config.host}:{config.port}")


#: The entry point's object.
plugin = EmailChannel()
