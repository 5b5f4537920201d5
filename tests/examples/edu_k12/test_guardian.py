"""``edu-k12.guardian``: the guardian flow run end to end by the platform's verification sessions.

The SMS code goes through the platform's real SMS channel with its fake
provider; the ID number is checked by the platform's ``id-number`` component;
the guardian's consent by this package's component.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.examples.conftest import NOON, SERVER_KEY, create, fake_sms, id_number, last_code

PLUGIN = "edu-k12.guardian"
PHONE = "13800000000"
ADULT = id_number("19850615")


@pytest.fixture
def k12(platform: Any) -> Any:
    """edu.k12 with the platform's verification and SMS, and the guardian flow for ``payment`` too."""
    create(platform, "edu", "edu.k12")
    platform.enable("verification.standard", "edu", config={"server_key": SERVER_KEY})
    platform.enable(PLUGIN, "edu.k12", config={"flows": ["guardian", "payment"]})
    return platform


def verifier(platform: Any, now: dt.datetime = NOON) -> Any:
    from zhongtai.plugins.verification.service import Verifier

    return Verifier(platform, clock=lambda: now)


def start(platform: Any, flow: str = "payment", now: dt.datetime = NOON) -> tuple[Any, Any, Any]:
    sms = fake_sms(platform, "edu.k12")
    service = verifier(platform, now)
    session = service.start("edu.k12", flow, {"phone": PHONE, "user": "parent-1"})
    return service, session, sms


def test_payment_at_k12_is_the_guardian_flow_and_elsewhere_the_platform_default(k12: Any) -> None:
    service = verifier(k12)
    assert service.flow("edu.k12", "payment").steps == ("sms-code", "id-number", "guardian-consent")
    assert service.flow("edu.k12", "guardian").steps == ("sms-code", "id-number", "guardian-consent")
    assert service.flow("edu", "payment").steps == ("totp",)


def test_an_adult_guardian_passes_every_step(k12: Any) -> None:
    service, session, sms = start(k12)
    assert service.submit(session.id, "sms-code", last_code(sms)).accepted
    assert service.submit(session.id, "id-number", ADULT).accepted
    outcome = service.submit(session.id, "guardian-consent", "Parent")
    assert outcome.accepted
    assert outcome.session.status == "passed"
    assert [s.status for s in outcome.session.steps] == ["passed", "passed", "passed"]


def test_a_minor_cannot_be_the_guardian(k12: Any) -> None:
    service, session, sms = start(k12)
    service.submit(session.id, "sms-code", last_code(sms))
    service.submit(session.id, "id-number", id_number("20120301"))
    outcome = service.submit(session.id, "guardian-consent", "parent")
    assert not outcome.accepted
    assert outcome.session.status == "failed"
    assert "at least 18 years old" in outcome.reason
    assert "2012" not in outcome.reason  # no personal data in reasons


def test_the_age_counts_on_the_day_of_the_check(k12: Any) -> None:
    turns_18 = id_number("20070618")  # 18 on 18 June 2025, the day of NOON
    service, session, sms = start(k12, now=NOON - dt.timedelta(days=1))
    service.submit(session.id, "sms-code", last_code(sms))
    service.submit(session.id, "id-number", turns_18)
    assert not service.submit(session.id, "guardian-consent", "parent").accepted

    service, session, sms = start(k12)
    service.submit(session.id, "sms-code", last_code(sms))
    service.submit(session.id, "id-number", turns_18)
    assert service.submit(session.id, "guardian-consent", "parent").accepted


def test_an_unknown_relationship_is_rejected_and_may_be_corrected(k12: Any) -> None:
    service, session, sms = start(k12)
    service.submit(session.id, "sms-code", last_code(sms))
    service.submit(session.id, "id-number", ADULT)
    outcome = service.submit(session.id, "guardian-consent", "neighbour")
    assert not outcome.accepted
    assert outcome.session.status == "open"
    assert "parent, grandparent, legal-guardian" in outcome.reason
    assert service.submit(session.id, "guardian-consent", "legal-guardian").session.status == "passed"


def test_a_minimum_age_outside_reason_is_refused_at_enable(platform: Any) -> None:
    from zhongtai.core.errors import ConfigError

    create(platform, "edu", "edu.k12")
    with pytest.raises(ConfigError, match="min_age"):
        platform.enable(PLUGIN, "edu.k12", config={"min_age": 12})
