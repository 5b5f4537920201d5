"""Components and flows: the handlers on their own, and the installed plugins through the kernel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.plugins.verification.conftest import SERVER_KEY, START
from zhongtai.core.errors import ConfigError
from zhongtai.core.specs.verification import Challenge, Flow, StepRequest
from zhongtai.plugins.verification import otp
from zhongtai.plugins.verification.codes import OneTimeCodeHandler, code_digest, code_matches, new_code
from zhongtai.plugins.verification.config import VerificationConfig
from zhongtai.plugins.verification.documents import BankCardHandler, IdNumberHandler
from zhongtai.plugins.verification.fake import FakeProvider
from zhongtai.plugins.verification.flows import DEFAULT_FLOWS, flow_named
from zhongtai.plugins.verification.providers import FourFactorHandler, NameIdMatchHandler, ProviderTimeout
from zhongtai.plugins.verification.totp import DerivedTotpSecrets, TotpHandler


def request(step: str, value: str = "", challenge: Challenge | None = None, **facts: str) -> StepRequest:
    return StepRequest("fin", "vs_test", step, START, value, facts, challenge)


def test_codes_are_random_digits_and_digests_bind_session_and_step() -> None:
    codes = {new_code(6) for _ in range(50)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 40
    key = SERVER_KEY.encode()
    digest = code_digest(key, session="s1", step="sms-code", code="012345")
    assert "012345" not in digest
    assert code_matches(key, session="s1", step="sms-code", code="012345", digest=digest)
    assert not code_matches(key, session="s2", step="sms-code", code="012345", digest=digest)
    assert not code_matches(key, session="s1", step="email-code", code="012345", digest=digest)
    assert not code_matches(b"another-key-0123456789", session="s1", step="sms-code", code="012345", digest=digest)


def test_one_time_code_handler_issues_and_checks() -> None:
    handler = OneTimeCodeHandler(channel="phone", key=SERVER_KEY, plugin="verification.standard",
                                 text="code {code}, {minutes} min")
    challenge = handler.challenge(request("sms-code", phone="13800000000"))
    assert challenge.message is not None and challenge.message.kind == "verification"
    assert challenge.message.recipient.phone == "13800000000"
    assert challenge.expires_at == START + dt.timedelta(minutes=5)
    code = challenge.message.body.split()[1].rstrip(",")
    assert code not in repr(challenge)
    stored = Challenge(challenge.digest, challenge.expires_at)
    assert handler.check(request("sms-code", code, stored, phone="13800000000")).passed
    wrong = handler.check(request("sms-code", "000000" if code != "000000" else "111111", stored,
                                  phone="13800000000"))
    assert (wrong.passed, wrong.reason, wrong.shown) == (False, "wrong code", "code sent to 138****0000")
    assert handler.check(request("sms-code", "12ab56", stored, phone="13800000000")).reason == "a code has 6 digits"
    assert not handler.check(request("sms-code", code, None, phone="13800000000")).passed


def test_missing_or_short_server_key_is_a_clear_config_error() -> None:
    for key, message in (("", "server_key is not set"), ("short", "at least 16")):
        handler = OneTimeCodeHandler(channel="email", key=key, plugin="verification.standard")
        with pytest.raises(ConfigError, match=message):
            handler.challenge(request("email-code", email="a@example.com"))


def test_totp_handler_accepts_the_current_code_and_names_its_time_step() -> None:
    secrets = DerivedTotpSecrets("totp-key-0123456789abcdef", plugin="p")
    handler = TotpHandler(secrets)
    secret = secrets.secret_for("fin", "u1")
    assert secret != secrets.secret_for("fin", "u2")
    code = otp.totp(secret, START.timestamp())
    result = handler.check(request("totp", code, user="u1"))
    assert result.passed and result.replay_counter == int(START.timestamp()) // 30
    assert result.replay_key is not None and secret.hex() not in result.replay_key
    assert not handler.check(request("totp", code, user="u2")).passed


def test_id_number_handler_normalises_and_compares_with_the_subject() -> None:
    handler = IdNumberHandler()
    result = handler.check(request("id-number", " 44011320141005001x "))
    assert result.passed and result.facts == {"id_number": "44011320141005001X"}
    assert result.shown == "440113********001X"
    bad = handler.check(request("id-number", "110105194912310021"))
    assert not bad.passed and "check character" in bad.reason and "110105194912310021" not in bad.reason
    other = handler.check(request("id-number", "440524188001010014", id_number="11010519491231002X"))
    assert not other.passed and "differs" in other.reason


def test_bank_card_handler_pre_checks_with_luhn() -> None:
    handler = BankCardHandler()
    assert handler.check(request("bank-card", "6225 8827 0896 5808")).facts == {"card_number": "6225882708965808"}
    result = handler.check(request("bank-card", "4367421234567890"))
    assert not result.passed and "Luhn" in result.reason and result.shown == "4367 **** **** 7890"


def test_provider_handlers_pass_fail_and_turn_outages_into_fatal_results() -> None:
    facts = {"id_number": "11010519491231002X", "phone": "13800000000", "name": "张三"}
    assert NameIdMatchHandler(FakeProvider()).check(request("name-id-match", "张三", **facts)).passed
    mismatch = NameIdMatchHandler(FakeProvider()).check(request("name-id-match", "李四", **facts))
    assert not mismatch.passed and not mismatch.fatal and mismatch.shown == "李*"
    four = FourFactorHandler(FakeProvider())
    assert four.check(request("bank-card-four-factor", "6225882708965808", **facts)).passed
    wrong_phone = four.check(request("bank-card-four-factor", "6225882708965808", **{**facts, "phone": "13900000009"}))
    assert not wrong_phone.passed and "phone" in wrong_phone.reason
    luhn = four.check(request("bank-card-four-factor", "4367421234567890", **facts))
    assert not luhn.passed and not luhn.fatal and "Luhn" in luhn.reason
    timeout = NameIdMatchHandler(FakeProvider(outage="timeout")).check(request("name-id-match", "张三", **facts))
    assert timeout.fatal and "timed out" in timeout.reason
    error = FourFactorHandler(FakeProvider(outage="error")).check(
        request("bank-card-four-factor", "6225882708965808", **facts))
    assert error.fatal and "HTTP 503" in error.reason


class Broken(FakeProvider):
    def match_name_id(self, *, name: str, id_number: str) -> Any:
        raise ConnectionError(f"reset while checking {id_number} for 13800000000")


def test_an_adapter_crash_is_fatal_and_its_message_is_scrubbed() -> None:
    result = NameIdMatchHandler(Broken()).check(
        request("name-id-match", "张三", id_number="11010519491231002X"))
    assert result.fatal and "ConnectionError" in result.reason
    assert "11010519491231002X" not in result.reason and "13800000000" not in result.reason


def test_provider_timeout_is_a_provider_error() -> None:
    assert issubclass(ProviderTimeout, Exception)


def test_flows_default_and_override() -> None:
    assert flow_named("finance-onboarding") == Flow(
        "finance-onboarding", ("id-number", "name-id-match", "bank-card-four-factor"))
    assert flow_named("signup", {"signup": ["email-code"]}).steps == ("email-code",)  # type: ignore[union-attr]
    assert flow_named("nope") is None
    assert set(DEFAULT_FLOWS) >= {"signup", "login", "payment", "finance-onboarding"}
    with pytest.raises(ValueError, match="twice"):
        Flow("x", ("sms-code", "sms-code"))
    with pytest.raises(ValueError, match="no steps"):
        Flow("x", ())


def test_config_validation() -> None:
    from zhongtai.core.config import build_config

    config = build_config(VerificationConfig, {"flows": {"vip": ["totp", "sms-code"]}, "code_length": 8})
    assert config.flows == {"vip": ["totp", "sms-code"]} and config.code_length == 8
    for raw, message in (({"flows": {"x": ["a", "a"]}}, "twice"), ({"code_length": 2}, "code_length"),
                         ({"sms_text": "no code here"}, "must contain"), ({"totp_algorithm": "md5"}, "md5")):
        with pytest.raises(ConfigError, match=message):
            build_config(VerificationConfig, raw)


def test_installed_plugins_answer_through_the_kernel(sqlite_world: Any) -> None:
    view = sqlite_world.platform.business("fin.loans")
    assert view.call("verification.flow", flow="signup") == Flow("signup", ("sms-code",))
    names = {c.name for contribution in view.call("verification.components") for c in contribution.value}
    assert names == {"sms-code", "email-code", "totp", "id-number", "bank-card", "name-id-match",
                     "bank-card-four-factor", "face-liveness"}


def test_a_business_overrides_a_flow_with_config(sqlite_world: Any) -> None:
    platform = sqlite_world.platform
    platform.enable("verification.standard", "fin.loans", config={"flows": {"signup": ["email-code"]}})
    assert platform.business("fin.loans").call("verification.flow", flow="signup").steps == ("email-code",)
    assert platform.business("fin").call("verification.flow", flow="signup").steps == ("sms-code",)
    # the leaf's own flows setting replaces the parent's key, the server key is still inherited
    assert platform.effective_config("verification.standard", "fin.loans")["server_key"] == "********"
