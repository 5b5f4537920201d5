"""The ``notifiers.email`` channel: email over SMTP (``smtplib``).

Every marketing email carries a one-click unsubscribe (RFC 8058):
``List-Unsubscribe: <{unsubscribe_url}?token=...>`` with a token signed by the
business's ``unsubscribe_secret`` (``notifiers.policy``), and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``.  A business without an
unsubscribe URL and secret cannot send marketing email: the delivery fails
with that reason rather than going out without the link.

``Message-ID`` is derived from the message id, so a repeat after a crash can be
recognised.  4xx SMTP replies and network errors are retried; 5xx are final.
The SMTP server is reached through the outbound guard
(:func:`zhongtai.core.outbound.smtp_connect`): an internal host only where a
platform admin allowed it for the business.  Of a refusal only the SMTP code is
kept, never the server's text.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

import attrs

from zhongtai.core import outbound
from zhongtai.core.errors import ConfigError, UserError
from zhongtai.core.specs.notifiers import MARKETING, SENT, Delivery, Message
from zhongtai.plugins.notifiers.accounts import Account, account_for
from zhongtai.plugins.notifiers.addresses import check_headers
from zhongtai.plugins.notifiers.channels.common import consent_block, failed
from zhongtai.plugins.notifiers.policy import policy_for
from zhongtai.plugins.notifiers.signing import make_unsubscribe_token
from zhongtai.sdk import PluginContext, hookimpl, secret_field

#: Headers a message may not set itself (the channel owns them).
RESERVED_HEADERS = frozenset(
    h.lower() for h in ("From", "To", "Subject", "Message-ID", "Date", "List-Unsubscribe", "List-Unsubscribe-Post")
)


def _one_line(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        outbound.check_text(attribute.name, value, limit=253 if attribute.name == "host" else 320)
    except UserError as exc:
        raise ValueError(exc.message) from None


@attrs.frozen
class EmailConfig:
    """SMTP server and sender.  ``security``: ``none``, ``starttls`` or ``ssl``.

    ``account``: a platform provider account (``zhongtai notify account list``;
    required in production) that supplies server, sender and password; without
    one (development only) the fields below are used.  ``host`` is reached
    through the outbound guard: the default ``127.0.0.1`` (a local relay) needs
    ``zhongtai access network allow 127.0.0.1/32 --business CODE``.
    """

    sender: str = attrs.field(default="", validator=_one_line)
    account: str = ""
    host: str = attrs.field(default="127.0.0.1", validator=_one_line)
    port: int = 25
    username: str = ""
    password: str = secret_field("")
    security: Literal["none", "starttls", "ssl"] = "none"
    timeout_seconds: float = 10.0

    def __attrs_post_init__(self) -> None:
        if not self.sender and not self.account:
            raise ValueError("sender is required (or choose a platform account with account=NAME)")


def account_config(config: EmailConfig, account: Account) -> EmailConfig:
    """*config* with the server, sender and password of the platform *account*."""
    settings = account.settings
    return attrs.evolve(
        config, sender=str(settings["sender"]), host=str(settings.get("host", "127.0.0.1")),
        port=int(settings.get("port", 25)), username=str(settings.get("username", "")), password=account.secret(),
        security=settings.get("security", "none"), timeout_seconds=float(settings.get("timeout_seconds", 10.0)))


def unsubscribe_link(base_url: str, token: str) -> str:
    return f"{base_url}{'&' if '?' in base_url else '?'}token={token}"


def build_email(message: Message, config: EmailConfig, *, unsubscribe: str | None) -> EmailMessage:
    """The MIME message for *message* (plain text, UTF-8); UserError for a header with a line break."""
    check_headers(message.subject, message.headers)
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
        if config.account:
            try:
                config = account_config(config, account_for(context.platform, config.account, channel="email",
                                                             business=context.business))
            except ConfigError as exc:
                return failed(context, exc.message, retryable=False)
        elif context.platform is not None and context.platform.snapshot.mode == "production":
            return failed(context, "in production mode email goes only through a platform provider account: set "
                                   f"account=NAME in notifiers.email for {context.business}", retryable=False)
        link = None
        if message.kind == MARKETING:
            policy = policy_for(context.platform, context.business)
            if not (policy.unsubscribe_url and policy.unsubscribe_secret):
                return failed(context, f"marketing email needs unsubscribe_url and unsubscribe_secret in "
                                       f"notifiers.policy for {context.business}", retryable=False)
            token = make_unsubscribe_token(policy.unsubscribe_secret, context.business, f"email:{address.lower()}")
            link = unsubscribe_link(policy.unsubscribe_url, token)
        try:
            email = build_email(message, config, unsubscribe=link)
        except UserError as exc:
            return failed(context, exc.message, retryable=False)
        try:
            with outbound.smtp_connect(config.host, config.port, security=config.security,
                                       timeout=config.timeout_seconds, business=context.business,
                                       allowance=outbound.allowance_for(context.platform, context.business)) as client:
                if config.username:
                    client.login(config.username, config.password)
                refused = client.send_message(email)
        except outbound.OutboundRefused as exc:
            return failed(context, exc.message, retryable=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            return failed(context, f"recipient refused (SMTP {', '.join(map(str, codes))})", retryable=False)
        except smtplib.SMTPResponseException as exc:
            kind = "temporary" if exc.smtp_code < 500 else "permanent"
            return failed(context, f"SMTP {exc.smtp_code}: {kind} refusal by {config.host}",
                          retryable=exc.smtp_code < 500, response=f"SMTP {exc.smtp_code}")
        except (smtplib.SMTPException, OSError) as exc:
            return failed(context, f"{type(exc).__name__} talking to {config.host}:{config.port}", retryable=True)
        if refused:
            codes = sorted({code for code, _ in refused.values()})
            return failed(context, f"recipient refused (SMTP {', '.join(map(str, codes))})", retryable=False)
        return Delivery(context.plugin, SENT, provider_response=f"accepted by {config.host}:{config.port}")


#: The entry point's object.
plugin = EmailChannel()
