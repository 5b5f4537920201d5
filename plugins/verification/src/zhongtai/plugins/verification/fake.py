"""The ``verification.fake-provider`` plugin: a stand-in identity provider for tests and the demo.

It implements :class:`~zhongtai.plugins.verification.providers.IdentityProvider`
exactly as a real adapter would, answering from a small configured list of
fictional people instead of a network service.  ``outage`` simulates a provider
that times out (``"timeout"``) or fails (``"error"``) -- without waiting.
Never enable it for a real business.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from zhongtai.core.context import PluginContext
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.verification import Component
from zhongtai.plugins.verification.providers import (
    ProviderError,
    ProviderTimeout,
    ProviderVerdict,
    provider_components,
)


@attrs.frozen
class FakePerson:
    """A fictional person the fake provider knows: cards map to the phone on file at the bank."""

    name: str
    id_number: str = attrs.field(repr=False)
    cards: dict[str, str] = attrs.field(factory=dict, repr=False)
    face_token: str = attrs.field(default="", repr=False)


#: Fictional people with checksum-valid numbers, for the demo and tests.
DEMO_PEOPLE: tuple[FakePerson, ...] = (
    FakePerson("张三", "11010519491231002X", {"6225882708965808": "13800000000"}, "face-ok-zhangsan"),
    FakePerson("李四", "31010419850615231X", {"6222020200112233446": "13900000001"}, "face-ok-lisi"),
)

OUTAGES = ("", "timeout", "error")


@attrs.frozen
class FakeProviderConfig:
    """``people`` the fake knows; ``outage`` = ``timeout`` or ``error`` makes every call fail so."""

    people: list[FakePerson] = attrs.field(factory=lambda: list(DEMO_PEOPLE))
    outage: str = attrs.field(default="", validator=attrs.validators.in_(OUTAGES))
    max_attempts: int = attrs.field(default=3, validator=[attrs.validators.ge(1), attrs.validators.le(10)])


class FakeProvider:
    """An :class:`IdentityProvider` answering from memory."""

    name = "fake"

    def __init__(self, people: Sequence[FakePerson] = DEMO_PEOPLE, outage: str = "") -> None:
        self._people = {person.id_number.upper(): person for person in people}
        self._outage = outage

    def _person(self, id_number: str) -> FakePerson | None:
        if self._outage == "timeout":
            raise ProviderTimeout("no answer within the timeout")
        if self._outage == "error":
            raise ProviderError("HTTP 503 from the provider")
        return self._people.get(id_number.upper())

    def match_name_id(self, *, name: str, id_number: str) -> ProviderVerdict:
        person = self._person(id_number)
        if person is None:
            return ProviderVerdict(False, "no person with this ID number", "fake-0")
        if person.name != name.strip():
            return ProviderVerdict(False, "name and ID number do not match", "fake-1")
        return ProviderVerdict(True, "", "fake-2")

    def match_four_factor(self, *, name: str, id_number: str, card_number: str, phone: str) -> ProviderVerdict:
        person = self._person(id_number)
        if person is None or person.name != name.strip():
            return ProviderVerdict(False, "name and ID number do not match", "fake-3")
        if card_number not in person.cards:
            return ProviderVerdict(False, "the card does not belong to this person", "fake-4")
        if person.cards[card_number] != phone:
            return ProviderVerdict(False, "the phone number is not the one on file for this card", "fake-5")
        return ProviderVerdict(True, "", "fake-6")

    def check_liveness(self, *, token: str, name: str, id_number: str) -> ProviderVerdict:
        person = self._person(id_number)
        if person is None or not person.face_token or token != person.face_token:
            return ProviderVerdict(False, "the face does not match the ID photo or is not live", "fake-7")
        return ProviderVerdict(True, "", "fake-8")


@hookimpl
def verification_components(context: PluginContext) -> list[Component]:
    """The three provider components, answered by the fake provider."""
    config = context.config if isinstance(context.config, FakeProviderConfig) else FakeProviderConfig()
    provider = FakeProvider(config.people, config.outage)
    return provider_components(provider, max_attempts=config.max_attempts)
