"""The ``notifiers.sms`` channel: SMS through a provider adapter.

A provider adapter is anything with ``send(phone, text, reference) ->
ProviderResult`` (:class:`SmsProvider`).  Two ship here:

* ``http`` -- :class:`HttpGatewayProvider`, a generic HTTP SMS gateway: it POSTs
  ``{"to", "text", "reference", "sender"}`` as JSON with ``Authorization: Bearer
  <api_key>``; a 2xx answer means accepted.  The request goes through the
  outbound guard (:mod:`zhongtai.core.outbound`); only the answer's status is kept.
* ``fake`` -- :class:`FakeSmsProvider`, which keeps messages in memory for tests
  and demos (named instances, see :func:`fake_provider`), and can be told to
  fail the next *n* sends.

Every marketing SMS ends with the business's ``sms_opt_out_text``
(``notifiers.policy``).
"""

from __future__ import annotations

import json
import threading
from typing import Literal, Protocol

import attrs

from zhongtai.core import outbound
from zhongtai.core.errors import ConfigError
from zhongtai.core.specs.notifiers import MARKETING, SENT, Delivery, Message
from zhongtai.plugins.notifiers.accounts import Account, account_for
from zhongtai.plugins.notifiers.channels.common import consent_block, failed, retryable_http_status
from zhongtai.plugins.notifiers.content import signature_for
from zhongtai.plugins.notifiers.costs import sms_text_for
from zhongtai.plugins.notifiers.models import engine_of
from zhongtai.plugins.notifiers.policy import policy_for
from zhongtai.sdk import PluginContext, hookimpl, secret_field


@attrs.frozen
class ProviderResult:
    """A provider's answer: accepted or not, what it said, and whether retrying may help."""

    accepted: bool
    response: str = ""
    retryable: bool = True


class SmsProvider(Protocol):
    def send(self, phone: str, text: str, reference: str) -> ProviderResult:
        """Hand one SMS to the provider; *reference* (the message id) lets it drop repeats."""


class HttpGatewayProvider:
    """A generic JSON-over-HTTP SMS gateway, reached through the outbound guard."""

    def __init__(self, http: outbound.OutboundHttp, url: str, api_key: str, sender: str, timeout: float, *,
                 allowance: outbound.Allowance = outbound.NOTHING, business: str = "") -> None:
        self._http = http
        self.url = url
        self._api_key = api_key
        self.sender = sender
        self.timeout = timeout
        self._allowance = allowance
        self._business = business

    def send(self, phone: str, text: str, reference: str) -> ProviderResult:
        headers = {"content-type": "application/json"}
        if self._api_key:
            headers["authorization"] = f"Bearer {self._api_key}"
        body = {"to": phone, "text": text, "reference": reference, "sender": self.sender}
        try:
            answer = self._http.post(self.url, content=json.dumps(body).encode(), headers=headers,
                                     timeout=self.timeout, allowance=self._allowance, business=self._business,
                                     what="SMS gateway_url")
        except outbound.OutboundFailed as exc:
            return ProviderResult(False, exc.message, retryable=True)
        except outbound.OutboundRefused as exc:
            return ProviderResult(False, exc.message, retryable=False)
        if answer.ok:
            return ProviderResult(True, answer.describe())
        return ProviderResult(False, answer.describe(), retryable=retryable_http_status(answer.status))


@attrs.frozen
class FakeSms:
    phone: str
    text: str
    reference: str


class FakeSmsProvider:
    """Accepts every SMS into ``sent`` (thread-safe), except the next ``fail_next`` ones."""

    def __init__(self) -> None:
        self.sent: list[FakeSms] = []
        self.fail_next = 0
        self._lock = threading.Lock()

    def send(self, phone: str, text: str, reference: str) -> ProviderResult:
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return ProviderResult(False, "503 fake provider told to fail", retryable=True)
            self.sent.append(FakeSms(phone, text, reference))
            return ProviderResult(True, f"200 fake-{len(self.sent)}")

    def clear(self) -> None:
        with self._lock:
            self.sent.clear()
            self.fail_next = 0


_FAKES: dict[str, FakeSmsProvider] = {}
_FAKES_LOCK = threading.Lock()


def fake_provider(name: str = "default") -> FakeSmsProvider:
    """The in-memory fake provider called *name* in this process (created on first use)."""
    with _FAKES_LOCK:
        return _FAKES.setdefault(name, FakeSmsProvider())


def _gateway_needs_url(instance: SmsConfig) -> None:
    if instance.account:
        return
    if instance.provider == "http" and not instance.gateway_url.startswith(("http://", "https://")):
        raise ValueError("provider 'http' needs gateway_url (an http(s):// URL), or choose a platform account")
    if instance.gateway_url:
        try:
            outbound.check_url(instance.gateway_url, what="gateway_url")
        except outbound.OutboundRefused as exc:
            raise ValueError(exc.message) from None


@attrs.frozen
class SmsConfig:
    """``account``: a platform provider account (``zhongtai notify account list``) -- required in production.

    Without one (development only): ``provider`` ``http`` (needs ``gateway_url``;
    ``api_key`` is a secret) or ``fake`` (``fake_name``).
    """

    account: str = ""
    provider: Literal["http", "fake"] = "http"
    gateway_url: str = ""
    api_key: str = secret_field("")
    sender: str = ""
    fake_name: str = "default"
    timeout_seconds: float = 10.0

    def __attrs_post_init__(self) -> None:
        _gateway_needs_url(self)


def sms_text(message: Message, opt_out_text: str, signature: str | None = None) -> str:
    """The SMS text: the approved signature, the body, plus the opt-out text on marketing."""
    return sms_text_for(message.kind, message.body, signature, opt_out_text)


class SmsChannel:
    """Sends ``recipient.phone`` messages through the configured provider."""

    def __init__(self) -> None:
        self.http = outbound.OutboundHttp()

    def provider(self, config: SmsConfig, account: Account | None = None,
                 context: PluginContext | None = None) -> SmsProvider:
        """The adapter for *config* (or the platform *account*); HTTP gateways go through the outbound guard
        with the allowance of *context*'s business."""
        business = context.business if context is not None else ""
        allowance = outbound.allowance_for(context.platform if context is not None else None, business)
        if account is not None:
            settings = account.settings
            if account.provider == "fake":
                return fake_provider(str(settings.get("fake_name", account.name)))
            return HttpGatewayProvider(self.http, str(settings["url"]), account.secret(),
                                       str(settings.get("sender", "")), float(settings.get("timeout_seconds", 10.0)),
                                       allowance=allowance, business=business)
        if config.provider == "fake":
            return fake_provider(config.fake_name)
        return HttpGatewayProvider(self.http, config.gateway_url, config.api_key, config.sender,
                                   config.timeout_seconds, allowance=allowance, business=business)

    @hookimpl
    def notifiers_deliver(self, message: Message, context: PluginContext) -> Delivery | None:
        phone = message.recipient.phone
        if not phone:
            return None
        blocked = consent_block(message, context)
        if blocked is not None:
            return blocked
        opt_out_text = ""
        if message.kind == MARKETING:
            opt_out_text = policy_for(context.platform, context.business).sms_opt_out_text.strip()
            if not opt_out_text:
                return failed(context, f"marketing SMS needs sms_opt_out_text in notifiers.policy for "
                                       f"{context.business}", retryable=False)
        production = context.platform is not None and context.platform.snapshot.mode == "production"
        account = None
        if context.config.account:
            try:
                account = account_for(context.platform, context.config.account, channel="sms",
                                      business=context.business)
            except ConfigError as exc:
                return failed(context, exc.message, retryable=False)
        elif production:
            return failed(context, "in production mode SMS goes only through a platform provider account: set "
                                   f"account=NAME in notifiers.sms for {context.business}", retryable=False)
        signature = None
        if context.platform is not None:
            with engine_of(context.platform).connect() as connection:
                signature = signature_for(connection, context.business)
        if signature is None and production:
            return failed(context, f"business {context.business} has no approved SMS signature (【签名】); "
                                   "ask a platform admin: zhongtai notify signature approve", retryable=False)
        text = sms_text(message, opt_out_text, signature)
        result = self.provider(context.config, account, context).send(phone, text, message.id)
        if result.accepted:
            return Delivery(context.plugin, SENT, provider_response=result.response)
        return failed(context, f"SMS provider refused: {result.response}", retryable=result.retryable,
                      response=result.response)


#: The entry point's object.
plugin = SmsChannel()
