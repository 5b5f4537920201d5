"""GB 11643 ID numbers, Luhn, HOTP and TOTP against the shared public vectors."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.plugins.verification.vectors import VECTORS
from zhongtai.plugins.verification import otp
from zhongtai.plugins.verification.cards import luhn_check_digit, luhn_valid, normalise_card_number
from zhongtai.plugins.verification.errors import InvalidCardNumberError, InvalidIdNumberError
from zhongtai.plugins.verification.idnumber import check_character, is_valid_resident_id, parse_resident_id

GB = VECTORS["cn_resident_id_gb11643"]
LUHN = VECTORS["luhn"]
HOTP = VECTORS["hotp_rfc4226_appendix_d"]
TOTP = VECTORS["totp_rfc6238_appendix_b"]


@pytest.mark.parametrize("number", GB["valid"])
def test_valid_resident_ids_pass_and_normalise(number: str) -> None:
    parsed = parse_resident_id(number)
    assert parsed.number == number.upper()
    assert parsed.number[17] == check_character(number[:17])
    assert not parsed.legacy


def test_the_standards_1880_example_passes() -> None:
    parsed = parse_resident_id("440524188001010014")
    assert parsed.birth_date == dt.date(1880, 1, 1)
    assert parsed.sex == "male"  # 17th digit 1 is odd
    assert parsed.region == "440524"


def test_lower_case_x_is_accepted_and_normalised() -> None:
    assert parse_resident_id("44011320141005001x").number == "44011320141005001X"
    assert parse_resident_id("11010519491231002X").sex == "female"


@pytest.mark.parametrize("number", GB["invalid_checksum"])
def test_wrong_check_character_is_refused(number: str) -> None:
    with pytest.raises(InvalidIdNumberError, match="check character"):
        parse_resident_id(number)
    assert not is_valid_resident_id(number)


@pytest.mark.parametrize("number", GB["invalid_birth_date"])
def test_impossible_birth_date_is_refused(number: str) -> None:
    with pytest.raises(InvalidIdNumberError, match="birth date"):
        parse_resident_id(number)


@pytest.mark.parametrize("number", ["", "1101051949123100", "11010519491231002Y", "1101051949123100２X",
                                    "11010519490230002X", "ABCDEF19491231002X"])
def test_malformed_ids_are_refused_without_echoing_the_number(number: str) -> None:
    with pytest.raises(InvalidIdNumberError) as caught:
        parse_resident_id(number)
    assert number not in str(caught.value) or not number


def test_birth_date_in_the_future_is_refused_when_today_is_known() -> None:
    number = "11010520300101001"
    number += check_character(number)
    assert is_valid_resident_id(number)
    with pytest.raises(InvalidIdNumberError, match="future"):
        parse_resident_id(number, today=dt.date(2024, 1, 1))


def test_legacy_15_digit_form_is_recognised_and_converted() -> None:
    parsed = parse_resident_id("110105491231002")  # 11010519491231002X without century and check
    assert parsed.legacy
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    with pytest.raises(InvalidIdNumberError, match="birth date"):
        parse_resident_id("110105491331002")


@pytest.mark.parametrize("number", LUHN["valid"])
def test_luhn_valid(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize("number", LUHN["invalid"])
def test_luhn_invalid(number: str) -> None:
    assert not luhn_valid(number)


@pytest.mark.parametrize(("partial", "digit"), sorted(LUHN["check_digit_for"].items()))
def test_luhn_check_digit(partial: str, digit: str) -> None:
    assert luhn_check_digit(partial) == digit


def test_card_numbers_are_normalised_and_pre_checked() -> None:
    assert normalise_card_number("6225 8827-0896 5808") == "6225882708965808"
    with pytest.raises(InvalidCardNumberError, match="Luhn"):
        normalise_card_number("4367421234567890")
    with pytest.raises(InvalidCardNumberError, match="12-19 digits"):
        normalise_card_number("78949")
    with pytest.raises(InvalidCardNumberError, match="digits"):
        normalise_card_number("6225-abcd")


@pytest.mark.parametrize(("counter", "code"), list(enumerate(HOTP["codes_by_counter"])))
def test_hotp_rfc4226(counter: int, code: str) -> None:
    assert otp.hotp(HOTP["secret_ascii"].encode(), counter, digits=HOTP["digits"]) == code


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sha512"])
@pytest.mark.parametrize("case", TOTP["cases"], ids=lambda c: str(c["time"]))
def test_totp_rfc6238(algorithm: str, case: dict[str, object]) -> None:
    secret = TOTP["secrets_ascii"][algorithm].encode()
    unix_time = int(case["time"])  # type: ignore[call-overload]
    code = otp.totp(secret, unix_time, digits=TOTP["digits"], period=TOTP["step_seconds"], algorithm=algorithm)
    assert code == case[algorithm]
    step = otp.totp_match(secret, str(case[algorithm]), unix_time, digits=8, algorithm=algorithm, window=0)
    assert step == unix_time // 30


def test_sha1_base32_secret_matches_the_vector() -> None:
    assert otp.base32(TOTP["secrets_ascii"]["sha1"].encode()) == TOTP["sha1_secret_base32"]


def test_totp_match_window_and_refusals() -> None:
    secret = b"12345678901234567890"
    previous = otp.totp(secret, 1111111109 - 30, digits=8)
    assert otp.totp_match(secret, previous, 1111111109, digits=8, window=1) == 1111111109 // 30 - 1
    assert otp.totp_match(secret, previous, 1111111109, digits=8, window=0) is None
    assert otp.totp_match(secret, "0708180", 1111111109, digits=8) is None  # wrong length
    assert otp.totp_match(secret, "0708180a", 1111111109, digits=8) is None
