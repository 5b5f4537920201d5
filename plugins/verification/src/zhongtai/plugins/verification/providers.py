"""Checks only a third party can make: the provider adapter interface and its components.

A real provider package (a bank-card four-factor service, a face liveness SDK)
implements :class:`IdentityProvider` and contributes ``provider_components(its
provider)`` from its own plugin's ``verification.components`` hookimpl; a
business enables that plugin instead of ``verification.fake-provider``.

An adapter answers with a :class:`ProviderVerdict`, raises
:class:`ProviderTimeout` when the provider did not answer in time and
:class:`ProviderError` (or anything else) when it failed.  A timeout or failure
ends the session with a clear reason (``fatal``): the subject is not left
guessing whether the check ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import attrs

from zhongtai.core.specs.verification import PROVIDER, Component, ComponentHandler, StepRequest, StepResult
from zhongtai.plugins.verification.cards import normalise_card_number
from zhongtai.plugins.verification.errors import InvalidValueError
from zhongtai.plugins.verification.masking import mask, scrub


@attrs.frozen
class ProviderVerdict:
    """A provider's answer: ``passed``, a ``reason`` (no personal data) and its ``reference``."""

    passed: bool
    reason: str = ""
    reference: str = ""


class ProviderError(Exception):
    """The provider failed (refused the request, answered garbage, 5xx)."""


class ProviderTimeout(ProviderError):
    """The provider did not answer within the adapter's timeout."""


class IdentityProvider(Protocol):
    """What a real-name verification provider offers.  Every method may raise :class:`ProviderError`."""

    name: str

    def match_name_id(self, *, name: str, id_number: str) -> ProviderVerdict:
        """Does the name belong to the ID number (公安 identity database)?"""

    def match_four_factor(self, *, name: str, id_number: str, card_number: str, phone: str) -> ProviderVerdict:
        """Is the card the person's, with this phone number on file at the bank?"""

    def check_liveness(self, *, token: str, name: str, id_number: str) -> ProviderVerdict:
        """Is the face capture behind *token* a live person matching the ID photo?"""


def _describe(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return scrub(f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__)


class ProviderStepHandler(ComponentHandler):
    """A step whose submitted value, with known facts, is checked by a provider.

    Subclasses say which fact the value is (``value_field``), how to normalise it
    (:meth:`parse`) and which provider method to ask (:meth:`ask`).
    """

    value_field: str = ""

    def __init__(self, provider: IdentityProvider, *, max_attempts: int = 3) -> None:
        self.provider = provider
        self.max_attempts = max_attempts

    def parse(self, value: str) -> str:
        """The normalised value; raise :class:`InvalidValueError` for a malformed one."""
        text = value.strip()
        if not text:
            raise InvalidValueError(f"{self.value_field.replace('_', ' ')} is empty")
        return text

    def ask(self, value: str, facts: Mapping[str, str]) -> ProviderVerdict:
        raise NotImplementedError

    def check(self, request: StepRequest) -> StepResult:
        shown = mask(self.value_field, request.value.strip())
        try:
            value = self.parse(request.value)
        except InvalidValueError as exc:
            return StepResult(False, exc.message, shown)
        shown = mask(self.value_field, value)
        who = f"provider {self.provider.name!r}"
        try:
            verdict = self.ask(value, request.facts)
        except ProviderTimeout:
            return StepResult(False, f"{who} timed out during {request.step}; try again later", shown, fatal=True)
        except Exception as exc:  # any adapter failure ends the session with its reason
            return StepResult(False, f"{who} failed during {request.step}: {_describe(exc)}", shown, fatal=True)
        if not isinstance(verdict, ProviderVerdict):
            return StepResult(False, f"{who} gave no verdict during {request.step}", shown, fatal=True)
        if not verdict.passed:
            return StepResult(False, scrub(verdict.reason) or f"{request.step} did not match", shown)
        facts = {self.value_field: value} if self.value_field in self.provides else {}
        return StepResult(True, "", shown, facts=facts)


class NameIdMatchHandler(ProviderStepHandler):
    """The value is the subject's name; the provider matches it to the known ID number."""

    value_field = "name"
    needs = ("id_number",)
    provides = ("name",)

    def ask(self, value: str, facts: Mapping[str, str]) -> ProviderVerdict:
        return self.provider.match_name_id(name=value, id_number=facts["id_number"])


class FourFactorHandler(ProviderStepHandler):
    """The value is a card number (Luhn pre-check first); name, ID and phone must be known."""

    value_field = "card_number"
    needs = ("name", "id_number", "phone")
    provides = ("card_number",)

    def parse(self, value: str) -> str:
        return normalise_card_number(value)

    def ask(self, value: str, facts: Mapping[str, str]) -> ProviderVerdict:
        return self.provider.match_four_factor(
            name=facts["name"], id_number=facts["id_number"], card_number=value, phone=facts["phone"]
        )


class FaceLivenessHandler(ProviderStepHandler):
    """The value is the token of a face capture made by the provider's client SDK."""

    value_field = "token"
    needs = ("name", "id_number")

    def ask(self, value: str, facts: Mapping[str, str]) -> ProviderVerdict:
        return self.provider.check_liveness(token=value, name=facts["name"], id_number=facts["id_number"])


def provider_components(provider: IdentityProvider, *, max_attempts: int = 3) -> list[Component]:
    """The three provider-backed components, all asking *provider*."""
    return [
        Component("name-id-match", "Name matches ID number", PROVIDER,
                  NameIdMatchHandler(provider, max_attempts=max_attempts)),
        Component("bank-card-four-factor", "Bank card four-factor (name, ID, card, phone)", PROVIDER,
                  FourFactorHandler(provider, max_attempts=max_attempts)),
        Component("face-liveness", "Face liveness and match to the ID photo", PROVIDER,
                  FaceLivenessHandler(provider, max_attempts=max_attempts)),
    ]
