"""Finding 3: verification code sends obey the notifier policy, and a per-subject throttle
(codes per window, failed attempts across sessions, lock-out) stops what new sessions used to reset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.plugins.verification.conftest import ManualClock, World, build_world
from zhongtai.plugins.verification.errors import DeliveryFailedError
from zhongtai.plugins.verification.throttle import ThrottledError

VICTIM = {"email": "victim@example.com"}


@pytest.fixture
def world(sqlite_url: str, make_platform: Callable[..., Any]) -> World:
    return build_world(sqlite_url, make_platform, ManualClock())


def _settings(world: World, **settings: Any) -> None:
    world.platform.enable("verification.standard", "fin", config=settings)


def test_finding_03_code_sends_obey_the_notifier_rate_limit(world: World) -> None:
    world.platform.enable("notifiers.policy", "fin", config={"rate_limits": [
        {"per": "recipient", "limit": 1, "window_seconds": 86400, "kinds": ["verification"]}]})
    world.verifier.start("fin", "email-change", VICTIM)
    for _ in range(3):
        with pytest.raises(DeliveryFailedError, match="rate limit: 1 per 86400 s per recipient"):
            world.verifier.start("fin", "email-change", VICTIM)
    assert len(world.inbox.messages) == 1  # four starts, one code
    world.verifier.start("fin", "email-change", {"email": "someone.else@example.com"})  # others unaffected
    world.clock.advance(86400)
    world.verifier.start("fin", "email-change", VICTIM)
    assert len(world.inbox.messages) == 3


def test_finding_03_codes_per_subject_are_limited_across_sessions(world: World) -> None:
    _settings(world, subject_codes_per_window=3, subject_window_seconds=3600, resend_cooldown_seconds=0)
    first = world.verifier.start("fin", "email-change", VICTIM)
    world.verifier.resend(first.id)
    world.verifier.start("fin", "email-change", VICTIM)
    with pytest.raises(ThrottledError, match="3 codes were already sent to this subject") as caught:
        world.verifier.start("fin", "email-change", VICTIM)
    assert "victim" not in caught.value.message
    with pytest.raises(ThrottledError):
        world.verifier.resend(first.id)
    assert len(world.inbox.messages) == 3
    world.clock.advance(3600)
    world.verifier.start("fin", "email-change", VICTIM)


def test_finding_03_failed_attempts_across_sessions_lock_the_subject_out(world: World) -> None:
    _settings(world, subject_max_failures=3, subject_lockout_seconds=900, max_attempts=5, code_ttl_seconds=1200)
    one = world.verifier.start("fin", "email-change", VICTIM)
    assert not world.verifier.submit(one.id, "email-code", "000000").accepted
    assert not world.verifier.submit(one.id, "email-code", "000001").accepted
    two = world.verifier.start("fin", "email-change", VICTIM)  # a new session used to reset the count
    third = world.verifier.submit(two.id, "email-code", "000002")
    assert not third.accepted and "locked out" in third.reason
    right = world.inbox.last_code()
    with pytest.raises(ThrottledError, match="locked for 900 s"):
        world.verifier.submit(two.id, "email-code", right)  # not even checked while locked
    with pytest.raises(ThrottledError, match="locked"):
        world.verifier.start("fin", "email-change", VICTIM)
    world.verifier.start("fin", "email-change", {"email": "someone.else@example.com"})
    world.clock.advance(900)
    assert world.verifier.submit(two.id, "email-code", right).accepted
    # a success starts the count again
    three = world.verifier.start("fin", "email-change", VICTIM)
    for code in ("000003", "000004"):
        assert not world.verifier.submit(three.id, "email-code", code).accepted
    four = world.verifier.start("fin", "email-change", VICTIM)
    assert world.verifier.submit(four.id, "email-code", world.inbox.last_code()).accepted


def test_finding_03_throttle_defaults_follow_nist_800_63b() -> None:
    from zhongtai.plugins.verification.config import VerificationConfig

    config = VerificationConfig()
    assert config.subject_max_failures <= 100  # SP 800-63B §5.2.2: no more than 100 consecutive failures
    assert (config.subject_codes_per_window, config.subject_window_seconds, config.subject_max_failures,
            config.subject_lockout_seconds) == (10, 3600, 10, 900)
