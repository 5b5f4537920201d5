"""The ``verification.standard`` plugin: the locally checked components and the named flows.

Components: ``sms-code`` and ``email-code`` (one-time codes sent through the
notifiers), ``totp`` (authenticator app), ``id-number`` (GB 11643) and
``bank-card`` (Luhn).  The provider-backed components come from a provider
plugin (``verification.fake-provider`` for tests and the demo).
"""

from __future__ import annotations

import datetime as dt

from zhongtai.core.context import PluginContext
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.verification import DOCUMENT, ONE_TIME_CODE, Component, Flow
from zhongtai.plugins.verification.codes import OneTimeCodeHandler
from zhongtai.plugins.verification.config import VerificationConfig
from zhongtai.plugins.verification.documents import BankCardHandler, IdNumberHandler
from zhongtai.plugins.verification.flows import flow_named
from zhongtai.plugins.verification.totp import DerivedTotpSecrets, TotpHandler


def _config(context: PluginContext) -> VerificationConfig:
    return context.config if isinstance(context.config, VerificationConfig) else VerificationConfig()


def standard_components(config: VerificationConfig, plugin: str) -> list[Component]:
    """The standard components configured by *config* (*plugin* names the config's owner in errors)."""

    def code(channel: str) -> OneTimeCodeHandler:
        return OneTimeCodeHandler(
            channel=channel, key=config.server_key, plugin=plugin, length=config.code_length,
            ttl=dt.timedelta(seconds=config.code_ttl_seconds), max_attempts=config.max_attempts,
            resend_cooldown=dt.timedelta(seconds=config.resend_cooldown_seconds), max_sends=config.max_sends,
            text=config.sms_text, subject=config.email_subject,
        )

    totp = TotpHandler(
        DerivedTotpSecrets(config.totp_key, plugin=plugin), digits=config.totp_digits,
        period=config.totp_period, algorithm=config.totp_algorithm, window=config.totp_window,
        max_attempts=config.max_attempts,
    )
    return [
        Component("sms-code", "One-time code by SMS", ONE_TIME_CODE, code("phone")),
        Component("email-code", "One-time code by email", ONE_TIME_CODE, code("email")),
        Component("totp", "Authenticator app code (TOTP)", ONE_TIME_CODE, totp),
        Component("id-number", "Resident ID number (GB 11643)", DOCUMENT,
                  IdNumberHandler(max_attempts=config.max_attempts)),
        Component("bank-card", "Bank card number (Luhn pre-check)", DOCUMENT,
                  BankCardHandler(max_attempts=config.max_attempts)),
    ]


@hookimpl
def verification_components(context: PluginContext) -> list[Component]:
    """The standard components, with this business's settings."""
    return standard_components(_config(context), context.plugin)


@hookimpl
def verification_flow(flow: str, context: PluginContext) -> Flow | None:
    """The named flow from this business's ``flows`` setting, else the default."""
    config = _config(context)
    return flow_named(flow, config.flows, ttl_seconds=config.session_ttl_seconds)
