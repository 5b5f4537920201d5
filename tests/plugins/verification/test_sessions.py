"""Verification sessions through the real kernel and the registry database.

Tests of what the database must guarantee (transactions, counters, nothing half-written)
run on SQLite and PostgreSQL (``world``); pure rule checks on SQLite only (``sqlite_world``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from tests.plugins.verification.conftest import TOTP_KEY, World, enable_verification
from zhongtai.core import allowances
from zhongtai.core.errors import UserError, ZhongtaiError
from zhongtai.core.markers import hookimpl
from zhongtai.core.specs.verification import Component, ComponentHandler, StepRequest, StepResult
from zhongtai.plugins.verification import otp
from zhongtai.plugins.verification.documents import IdNumberHandler
from zhongtai.plugins.verification.errors import (
    ConcurrentChangeError,
    DeliveryFailedError,
    FlowError,
    InvalidValueError,
    NoNotifierChannelError,
    ResendTooSoonError,
    SessionClosedError,
    SessionNotFoundError,
    StepOrderError,
)
from zhongtai.plugins.verification.models import AttemptRow, ReplayGuardRow, SessionRow, StepRow
from zhongtai.plugins.verification.totp import DerivedTotpSecrets

PHONE = "13800000000"
ID_NUMBER = "11010519491231002X"
CARD = "6225882708965808"
FINANCE = {"phone": PHONE, "user": "u1"}


def rows(world: World, model: Any) -> list[Any]:
    from sqlalchemy.orm import Session

    with Session(world.platform.registry.engine) as session:
        return list(session.scalars(select(model)))


def dump(world: World) -> str:
    """Every column of every verification row, as text."""
    text = []
    for model in (SessionRow, StepRow, AttemptRow, ReplayGuardRow):
        for row in rows(world, model):
            text.append(repr({c.key: getattr(row, c.key) for c in model.__table__.columns}))
    return "\n".join(text)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**len(code):0{len(code)}d}"


def test_signup_sends_a_code_and_passes_with_it(world: World) -> None:
    verifier = world.verifier
    view = verifier.start("fin", "signup", {"phone": "+86 138-0000-0000", "user": "u1"})
    assert view.status == "open" and view.current == "sms-code"
    assert view.subject == {"phone": "138****0000", "user": "u1"}
    message = world.inbox.messages[-1]
    assert message.kind == "verification" and message.recipient.phone == PHONE
    code = world.inbox.last_code()
    outcome = verifier.submit(view.id, "sms-code", code)
    assert outcome.accepted and outcome.session.status == "passed"
    assert [s.status for s in outcome.session.steps] == ["passed"]
    assert [a.outcome for a in verifier.show(view.id).attempts] == ["sent", "passed"]
    stored = dump(world)
    assert code not in stored and PHONE not in stored  # digest only; facts erased with the verdict
    assert rows(world, SessionRow)[0].facts == {}


def test_a_wrong_code_is_counted_and_the_last_allowed_failure_ends_the_session(world: World) -> None:
    verifier = world.verifier
    view = verifier.start("fin", "signup", FINANCE)
    bad = wrong(world.inbox.last_code())
    first = verifier.submit(view.id, "sms-code", bad)
    assert not first.accepted and first.reason == "wrong code (4 attempts left)"
    for _ in range(3):
        verifier.submit(view.id, "sms-code", bad)
    last = verifier.submit(view.id, "sms-code", bad)
    assert not last.accepted and last.session.status == "failed"
    assert "too many failed attempts" in last.session.reason
    with pytest.raises(SessionClosedError, match="failed"):
        verifier.submit(view.id, "sms-code", world.inbox.last_code())  # even the right code: too late


def test_an_expired_code_is_refused_without_counting_and_resend_replaces_it(world: World) -> None:
    verifier = world.verifier
    view = verifier.start("fin", "signup", FINANCE)
    old = world.inbox.last_code()
    world.clock.advance(301)
    expired = verifier.submit(view.id, "sms-code", old)
    assert not expired.accepted and "expired" in expired.reason
    assert expired.session.steps[0].attempts == 0
    verifier.resend(view.id)
    new = world.inbox.last_code()
    if new != old:
        assert not verifier.submit(view.id, "sms-code", old).accepted  # the old code stopped working
    assert verifier.submit(view.id, "sms-code", new).accepted


def test_resend_has_a_cooldown_and_a_limit(sqlite_world: World) -> None:
    world = sqlite_world
    verifier = world.verifier
    view = verifier.start("fin", "signup", FINANCE)
    with pytest.raises(ResendTooSoonError, match="in 60 s"):
        verifier.resend(view.id)
    world.clock.advance(59)
    with pytest.raises(ResendTooSoonError, match="in 1 s"):
        verifier.resend(view.id)
    for _ in range(4):
        world.clock.advance(60)
        verifier.resend(view.id)
    world.clock.advance(60)
    with pytest.raises(ResendTooSoonError, match="5 codes were already sent"):
        verifier.resend(view.id)
    assert len(world.inbox.messages) == 5 and verifier.show(view.id).steps[0].sends == 5


def test_a_code_is_single_use(sqlite_world: World) -> None:
    world = sqlite_world
    verifier = world.verifier
    verifier.platform.enable("verification.standard", "fin.loans",
                             config={"flows": {"double": ["sms-code", "email-code"]}})
    view = verifier.start("fin.loans", "double", {**FINANCE, "email": "zhang.san@example.com"})
    sms = world.inbox.last_code()
    assert verifier.submit(view.id, "sms-code", sms).accepted
    assert world.inbox.messages[-1].recipient.email == "zhang.san@example.com"  # the next step's code
    with pytest.raises(StepOrderError, match="already passed"):
        verifier.submit(view.id, "sms-code", sms)
    assert verifier.submit(view.id, "email-code", world.inbox.last_code()).session.status == "passed"
    with pytest.raises(SessionClosedError, match="passed"):
        verifier.submit(view.id, "email-code", world.inbox.last_code())


def test_wrong_step_order_is_refused_and_records_nothing(world: World) -> None:
    verifier = world.verifier
    view = verifier.start("fin", "finance-onboarding", FINANCE)
    before = dump(world)
    with pytest.raises(StepOrderError, match="submit 'id-number' first"):
        verifier.submit(view.id, "name-id-match", "张三")
    with pytest.raises(StepOrderError, match="has no step 'sms-code'"):
        verifier.submit(view.id, "sms-code", "123456")
    with pytest.raises(InvalidValueError, match="no value"):
        verifier.submit(view.id, "id-number", "  ")
    with pytest.raises(SessionNotFoundError):
        verifier.submit("vs_nope", "id-number", ID_NUMBER)
    assert dump(world) == before


def test_finance_onboarding_passes_with_the_fake_provider_and_masks_everything(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    verifier = world.verifier
    view = verifier.start("fin", "finance-onboarding", FINANCE)
    rejected = verifier.submit(view.id, "id-number", "110105194912310021")
    assert not rejected.accepted and "check character" in rejected.reason
    assert verifier.submit(view.id, "id-number", ID_NUMBER.lower()).accepted
    assert not verifier.submit(view.id, "name-id-match", "李四").accepted
    assert verifier.submit(view.id, "name-id-match", "张三").accepted
    done = verifier.submit(view.id, "bank-card-four-factor", "6225 8827 0896 5808")
    assert done.accepted and done.session.status == "passed"
    assert [s.shown for s in done.session.steps] == ["110105********002X", "张*", "6225 **** **** 5808"]
    everything = "\n".join([dump(world), caplog.text, repr(done), str(done.to_json())])
    for secret in (ID_NUMBER, ID_NUMBER.lower(), "110105194912310021", CARD, PHONE, "张三"):
        assert secret not in everything


@pytest.mark.parametrize(("outage", "says"), [("timeout", "timed out"), ("error", "HTTP 503")])
def test_a_provider_outage_fails_the_session_with_a_clear_reason(world: World, outage: str, says: str) -> None:
    world.platform.enable("verification.fake-provider", "fin.loans", config={"outage": outage})
    verifier = world.verifier
    view = verifier.start("fin.loans", "finance-onboarding", FINANCE)
    verifier.submit(view.id, "id-number", ID_NUMBER)
    outcome = verifier.submit(view.id, "name-id-match", "张三")
    assert not outcome.accepted and says in outcome.reason
    session = outcome.session
    assert session.status == "failed" and session.reason.startswith("name-id-match: provider 'fake'")
    assert [s.status for s in session.steps] == ["passed", "failed", "pending"]
    assert [a.outcome for a in session.attempts] == ["passed", "error"]
    assert rows(world, SessionRow)[0].facts == {}  # nothing personal left behind
    with pytest.raises(SessionClosedError, match=says):
        verifier.submit(view.id, "name-id-match", "张三")


def test_totp_passes_once_per_time_step(world: World) -> None:
    verifier = world.verifier
    secret = DerivedTotpSecrets(TOTP_KEY, plugin="verification.standard").secret_for("fin", "u1")
    code = otp.totp(secret, world.clock().timestamp())
    first = verifier.start("fin", "payment", {"user": "u1"})
    assert not verifier.submit(first.id, "totp", wrong(code)).accepted
    assert verifier.submit(first.id, "totp", code).accepted
    second = verifier.start("fin", "payment", {"user": "u1"})
    replay = verifier.submit(second.id, "totp", code)
    assert not replay.accepted and "already been used" in replay.reason
    world.clock.advance(30)
    assert verifier.submit(second.id, "totp", otp.totp(secret, world.clock().timestamp())).accepted
    other = verifier.start("fin", "payment", {"user": "u2"})  # another secret, its own counter
    other_secret = DerivedTotpSecrets(TOTP_KEY, plugin="p").secret_for("fin", "u2")
    assert verifier.submit(other.id, "totp", otp.totp(other_secret, world.clock().timestamp())).accepted


def test_an_expired_session_is_closed_and_its_personal_data_erased(world: World) -> None:
    verifier = world.verifier
    view = verifier.start("fin", "finance-onboarding", FINANCE)
    world.clock.advance(1800)
    assert verifier.show(view.id).status == "expired"
    with pytest.raises(SessionClosedError, match="expired"):
        verifier.submit(view.id, "id-number", ID_NUMBER)
    row = rows(world, SessionRow)[0]
    assert (row.status, row.facts) == ("expired", {})
    assert verifier.expire_sessions() == 0


def test_expire_sessions_erases_what_nobody_finished(world: World) -> None:
    verifier = world.verifier
    verifier.start("fin", "finance-onboarding", FINANCE)
    verifier.start("fin", "finance-onboarding", FINANCE)
    world.clock.advance(1799)
    assert verifier.expire_sessions() == 0
    world.clock.advance(1)
    assert verifier.expire_sessions() == 2
    assert all(r.facts == {} and r.status == "expired" for r in rows(world, SessionRow))


def test_without_a_notifier_channel_start_is_refused_and_writes_nothing(world: World) -> None:
    world.platform.create_business("mall")
    enable_verification(world.platform, "mall")
    with pytest.raises(NoNotifierChannelError, match="no notifier channel is enabled for business mall"):
        world.verifier.start("mall", "signup", FINANCE)
    assert rows(world, SessionRow) == []
    world.verifier.start("mall", "finance-onboarding", FINANCE)  # no codes needed: fine


def test_a_channel_that_cannot_deliver_refuses_the_start(sqlite_world: World) -> None:
    world = sqlite_world
    world.platform.enable("test.inbox", "fin.loans", config={"status": "failed"})
    with pytest.raises(DeliveryFailedError, match=r"test\.inbox: failed"):
        world.verifier.start("fin.loans", "signup", FINANCE)
    assert rows(world, SessionRow) == []


def test_bad_subjects_and_flows_are_clear_errors(sqlite_world: World) -> None:
    world = sqlite_world
    verifier = world.verifier
    with pytest.raises(InvalidValueError, match="subject phone: phone must be a mainland mobile") as caught:
        verifier.start("fin", "signup", {"phone": "12345"})
    assert "12345" not in str(caught.value)
    with pytest.raises(InvalidValueError, match="unknown subject field 'mobile'"):
        verifier.start("fin", "signup", {"mobile": PHONE})
    with pytest.raises(FlowError, match="needs the subject's phone"):
        verifier.start("fin", "signup", {"user": "u1"})
    with pytest.raises(FlowError, match="no flow 'vip'"):
        verifier.start("fin", "vip", FINANCE)
    verifier.platform.enable("verification.standard", "fin.loans", config={"flows": {"vip": ["retina"]}})
    with pytest.raises(FlowError, match="no enabled plugin provides component 'retina'"):
        verifier.start("fin.loans", "vip", FINANCE)
    assert rows(world, SessionRow) == []
    assert all(issubclass(e, UserError) for e in (FlowError, InvalidValueError, StepOrderError))


class Interleaving(ComponentHandler):
    """An ``id-number`` that, once, lets another submission of the same session land mid-check."""

    def __init__(self) -> None:
        self.meanwhile: Callable[[], object] | None = None
        self.provides = IdNumberHandler.provides

    def check(self, request: StepRequest) -> StepResult:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()
        return IdNumberHandler().check(request)


class InterleavingPlugin:
    def __init__(self) -> None:
        self.handler = Interleaving()

    @hookimpl
    def verification_components(self, context: Any) -> list[Component]:
        return [Component("id-number", "ID number (interleaving)", "document", self.handler)]


def test_the_more_specific_business_wins_a_component_and_concurrent_changes_record_nothing(world: World) -> None:
    plugin = InterleavingPlugin()
    world.platform.add_plugin(plugin, "test.interleaving")
    world.platform.enable("test.interleaving", "fin.loans")
    verifier, other = world.verifier, world.verifier
    assert verifier.catalog("fin").components["id-number"].title == "Resident ID number (GB 11643)"
    assert verifier.catalog("fin.loans").components["id-number"].handler is plugin.handler
    view = verifier.start("fin.loans", "finance-onboarding", FINANCE)
    plugin.handler.meanwhile = lambda: other.submit(view.id, "id-number", "110105194912310021")
    with pytest.raises(ConcurrentChangeError, match="changed by someone else meanwhile"):
        verifier.submit(view.id, "id-number", ID_NUMBER)
    after = verifier.show(view.id)
    assert [a.outcome for a in after.attempts] == ["rejected"]  # only the one that landed first
    assert after.current == "id-number" and after.steps[0].attempts == 1
    assert verifier.submit(view.id, "id-number", ID_NUMBER).accepted  # a retry goes through


def test_the_server_key_may_come_from_the_environment_and_is_never_shown(
        sqlite_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world = sqlite_world
    monkeypatch.setenv("ZT_TEST_VERIFY_KEY", "from-the-environment-0123456789")
    allowances.allow(world.platform, "secrets", "ZT_TEST_VERIFY_KEY", "fin")
    world.platform.enable("verification.standard", "fin.loans", config={"server_key": "env:ZT_TEST_VERIFY_KEY"})
    assert world.platform.effective_config("verification.standard", "fin.loans")["server_key"] == "********"
    view = world.verifier.start("fin.loans", "signup", FINANCE)
    assert world.verifier.submit(view.id, "sms-code", world.inbox.last_code()).accepted
    assert "from-the-environment" not in dump(world)
    monkeypatch.delenv("ZT_TEST_VERIFY_KEY")
    world.platform.enable("verification.standard", "fin.loans", config={"code_length": 8})  # new plan, no env
    with pytest.raises(ZhongtaiError, match="environment variable 'ZT_TEST_VERIFY_KEY', which is not set"):
        world.verifier.start("fin.loans", "signup", FINANCE)
