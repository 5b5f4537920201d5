"""Codes: 100 random bits in Crockford base32 with a mod-37 check symbol that catches typos."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zhongtai.plugins.coupons import codes


def test_codes_are_long_random_and_self_checking():
    made = codes.new_codes(50_000)
    assert len(set(made)) == len(made)
    assert all(len(c) == codes.LENGTH == 21 and codes.normalize(c) == c for c in made)
    assert codes.BITS >= 80
    # every symbol position takes every value: the bits are spread over the whole alphabet
    for position in range(codes.SYMBOLS):
        assert {c[position] for c in made[:5000]} == set(codes.ALPHABET)


def test_people_may_type_codes_loosely():
    code = codes.new_code()
    typed = codes.display(code).lower().replace("0", "o").replace("1", "l")
    assert codes.normalize(typed) == code
    assert codes.normalize(" " + codes.display(code) + " ") == code
    for bad in ("", "x" * 80, code[:-1], code + "0", "U" * 21, None):
        assert codes.normalize(bad) is None  # type: ignore[arg-type]


@given(st.data())
def test_every_single_typo_and_neighbour_swap_is_caught(data):
    code = codes.new_code()
    position = data.draw(st.integers(0, codes.SYMBOLS - 1))
    other = data.draw(st.sampled_from([s for s in codes.ALPHABET if s != code[position]]))
    assert codes.normalize(code[:position] + other + code[position + 1:]) is None
    swap = data.draw(st.integers(0, codes.SYMBOLS - 2))
    if code[swap] != code[swap + 1]:
        swapped = code[:swap] + code[swap + 1] + code[swap] + code[swap + 2:]
        assert codes.normalize(swapped) is None
