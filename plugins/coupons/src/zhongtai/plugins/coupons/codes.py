"""Coupon codes: 100 random bits in Crockford base32 plus Crockford's mod-37 check symbol.

A code is 20 symbols of ``0123456789ABCDEFGHJKMNPQRSTVWXYZ`` (5 bits each, from
:func:`secrets.token_bytes`, so 100 bits: guessing one of a billion issued codes
takes about 2**70 tries) followed by one check symbol (the number mod 37, from
the alphabet extended with ``*~$=U``), which catches every single-symbol typo
and every transposition of two neighbours before the database is asked.

People may type codes in lower case, with hyphens or spaces, and with the
look-alikes Crockford allows (``O`` for ``0``, ``I``/``L`` for ``1``):
:func:`normalize` maps all of those to the canonical form that is stored.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
#: Random symbols per code (5 bits each).
SYMBOLS = 20
BITS = SYMBOLS * 5
LENGTH = SYMBOLS + 1
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


def check_symbol(body: str) -> str:
    """Crockford's check symbol of *body* (canonical symbols): its value mod 37."""
    number = 0
    for symbol in body:
        number = number * 32 + _VALUES[symbol]
    return CHECK_ALPHABET[number % 37]


#: Every 10-bit value as its two symbols: a code's body is ten lookups.
_PAIRS = [ALPHABET[value >> 5] + ALPHABET[value & 31] for value in range(1024)]
_SHIFTS = tuple(range(BITS - 10, -1, -10))
_BYTES = 13  # 104 random bits drawn per code; the top 100 are used


def _encode(number: int) -> str:
    return "".join([_PAIRS[(number >> shift) & 1023] for shift in _SHIFTS]) + CHECK_ALPHABET[number % 37]


def new_code() -> str:
    """A fresh unguessable code (canonical, 21 symbols)."""
    return _encode(int.from_bytes(secrets.token_bytes(_BYTES), "big") >> (_BYTES * 8 - BITS))


def new_codes(count: int) -> list[str]:
    """*count* fresh codes (bulk issuing: one draw from the OS for all of them)."""
    raw = secrets.token_bytes(_BYTES * count)
    drop = _BYTES * 8 - BITS
    return [_encode(int.from_bytes(raw[k:k + _BYTES], "big") >> drop) for k in range(0, _BYTES * count, _BYTES)]


def normalize(text: str) -> str | None:
    """The canonical form of a typed code, or ``None`` if it cannot be a valid code.

    ``None`` covers every malformed input alike (wrong length, a symbol outside
    the alphabet, a wrong check symbol): callers must answer all of them with
    the same words as an unknown code.
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    code = text.upper().translate(_LOOKALIKES)
    if len(code) != LENGTH:
        return None
    body, check = code[:-1], code[-1]
    if any(symbol not in _VALUES for symbol in body) or check not in CHECK_ALPHABET:
        return None
    return code if check_symbol(body) == check else None


def display(code: str) -> str:
    """*code* grouped for people: ``ABCDE-FGHJK-MNPQR-STVWX-Y``."""
    return "-".join(code[i:i + 5] for i in range(0, len(code), 5))


def hint(code: str) -> str:
    """A harmless handle for logs and explanations: the last four symbols."""
    return "…" + code[-4:]
