"""Finding 14 (short server keys accepted at enable) and finding 15 (masking shows too much of odd-length values)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from zhongtai.plugins.verification.masking import STARS, keep_ends, mask_card_number, mask_id_number, mask_phone

from .conftest import ADMIN, MEMBER, Actors

#: Under 16 characters, and unlike anything else in the output (the registry's path names the test).
SHORT_KEY = "q7-tiny-kz"


def test_finding_14_short_server_key_is_refused_at_enable(governed: tuple[Any, Actors]) -> None:
    _, zt = governed
    for setting in (f"server_key={SHORT_KEY}", "totp_key=0123456789abcde"):
        line = zt.refused(MEMBER, "plugins", "enable", "verification.standard", "-b", "edu", "--set", setting,
                          match="must be at least 16 characters")
        assert SHORT_KEY not in line and "0123456789abcde" not in line  # secrets not echoed
    zt.ok(MEMBER, "plugins", "enable", "verification.standard", "-b", "edu", "--set", "server_key=" + "k" * 16)
    assert "invalid-config" not in zt(ADMIN, "doctor").output
    # a key stored before this check (written behind the kernel's back here) is reported by doctor
    engine = create_engine(zt.url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE zt_enablement SET config = :c WHERE plugin = 'verification.standard'"),
                           {"c": json.dumps({"server_key": SHORT_KEY})})
    engine.dispose()
    doctor = zt(ADMIN, "doctor")
    assert doctor.exit_code == 1 and "invalid-config" in doctor.output and "at least 16 characters" in doctor.output
    assert SHORT_KEY not in doctor.output


def test_finding_15_wrong_length_id_number_is_masked_completely() -> None:
    assert mask_id_number("13912345678") == STARS  # was 139123*5678: 10 of 11 digits
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("1380013800") == STARS and mask_phone("13800138000") == "138****8000"
    assert mask_card_number("12345678901") == STARS and mask_card_number("6225882708965808") == "6225 **** **** 5808"


def _revealed(original: str, masked: str) -> tuple[int, int]:
    """How many leading and trailing characters of *original* appear as such in *masked*."""
    head = 0
    while head < min(len(original), len(masked)) and masked[head] == original[head] and masked[head] != "*":
        head += 1
    tail = 0
    while (tail < min(len(original), len(masked)) - head and masked[-1 - tail] == original[-1 - tail]
           and masked[-1 - tail] != "*"):
        tail += 1
    return head, tail


@settings(max_examples=300, deadline=None)
@given(value=st.text(alphabet="0123456789X", min_size=0, max_size=40),
       ends=st.sampled_from([(6, 4, mask_id_number), (3, 4, mask_phone), (4, 4, mask_card_number)]))
def test_finding_15_masking_never_shows_more_than_the_allowed_ends_whatever_the_length(value: str,
                                                                                       ends: Any) -> None:
    head, tail, masker = ends
    masked = masker(value)
    shown_head, shown_tail = _revealed(value, masked)
    assert shown_head <= head and shown_tail <= tail
    digits = sum(c.isdigit() or c == "X" for c in masked)
    assert digits <= head + tail and digits * 3 <= max(len(value), 1) * 2  # at least a third stays hidden


@given(value=st.text(min_size=0, max_size=60), head=st.integers(0, 8), tail=st.integers(0, 8))
def test_finding_15_keep_ends_is_the_one_rule(value: str, head: int, tail: int) -> None:
    masked = keep_ends(value, head=head, tail=tail)
    if len(value) * 2 < (head + tail) * 3:
        assert masked == STARS
    else:
        assert masked[:head] == value[:head] and len(masked) == len(value)
        assert set(masked[head:len(masked) - tail]) <= {"*"}
