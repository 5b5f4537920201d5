"""The one masking helper: the documented shapes, and scrubbing free text."""

from __future__ import annotations

from zhongtai.plugins.verification.masking import mask, mask_all, scrub


def test_documented_shapes() -> None:
    assert mask("id_number", "11010519491231002X") == "110105********002X"
    assert mask("card_number", "6225882708965808") == "6225 **** **** 5808"
    assert mask("card_number", "6225 8827 0896 5808 123") == "6225 **** **** 8123"
    assert mask("phone", "13800000000") == "138****0000"
    assert mask("email", "zhang.san@example.com") == "z***@example.com"
    assert mask("name", "张三") == "张*"
    assert mask("code", "123456") == "******"
    assert mask("user", "u-42") == "u-42"


def test_short_values_reveal_nothing() -> None:
    assert mask("id_number", "1234") == "****"
    assert mask("card_number", "1234") == "****"
    assert mask("phone", "110") == "****"
    assert mask("email", "not-an-address") == "****"


def test_mask_all_masks_only_personal_fields() -> None:
    assert mask_all({"user": "u1", "phone": "13800000000"}) == {"user": "u1", "phone": "138****0000"}


def test_scrub_masks_numbers_inside_free_text() -> None:
    text = ("id 11010519491231002X card 6225 8827 0896 5808 phone +86 138-0000-0000 "
            "mail zhang.san@example.com legacy 110105491231002 order 42")
    scrubbed = scrub(text)
    for secret in ("11010519491231002X", "6225 8827 0896 5808", "0896", "138-0000-0000",
                   "zhang.san@", "110105491231002"):
        assert secret not in scrubbed
    assert "110105********002X" in scrubbed
    assert "6225 **** **** 5808" in scrubbed
    assert "138****0000" in scrubbed
    assert "order 42" in scrubbed
