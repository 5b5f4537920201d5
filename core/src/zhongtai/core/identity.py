"""Business identities: validated dotted codes such as ``edu.k12.math``.

A code is one to :data:`MAX_DEPTH` segments joined by dots; each segment is
1-:data:`MAX_SEGMENT` characters of ``[a-z0-9-]``, starting with a letter or
digit.  The whole code is at most :data:`MAX_LENGTH` characters.  ``edu`` is the
parent of ``edu.k12``; a business inherits from all of its ancestors.
"""

from __future__ import annotations

import re

from zhongtai.core.errors import InvalidBusinessCode

MAX_DEPTH = 8
MAX_SEGMENT = 32
MAX_LENGTH = 128

_SEGMENT = re.compile(r"[a-z0-9][a-z0-9-]*\Z")


def validate_code(code: object) -> str:
    """Return *code* unchanged if it is a valid business code, else raise.

    Raises :class:`InvalidBusinessCode` with a message saying what is wrong.
    """
    if not isinstance(code, str) or not code:
        raise InvalidBusinessCode("business code must be a non-empty string")
    shown = code if len(code) <= 40 else code[:37] + "..."
    if len(code) > MAX_LENGTH:
        raise InvalidBusinessCode(
            f"business code {shown!r} is {len(code)} characters long; the limit is {MAX_LENGTH}"
        )
    segments = code.split(".")
    if len(segments) > MAX_DEPTH:
        raise InvalidBusinessCode(
            f"business code {shown!r} has {len(segments)} levels; the limit is {MAX_DEPTH}"
        )
    for segment in segments:
        if not segment:
            raise InvalidBusinessCode(f"business code {shown!r} has an empty segment")
        if len(segment) > MAX_SEGMENT or not _SEGMENT.match(segment):
            raise InvalidBusinessCode(
                f"business code {shown!r}: segment {segment[:40]!r} must be 1-{MAX_SEGMENT} "
                "characters of a-z, 0-9 and '-', starting with a letter or digit"
            )
    return code


def parent_of(code: str) -> str | None:
    """The parent code of *code*, or ``None`` for a top-level business."""
    head, dot, _ = code.rpartition(".")
    return head if dot else None


def lineage(code: str) -> tuple[str, ...]:
    """*code* and its ancestors, root first: ``edu.k12`` -> ``("edu", "edu.k12")``."""
    parts = code.split(".")
    return tuple(".".join(parts[: i + 1]) for i in range(len(parts)))


def depth(code: str) -> int:
    """Number of levels: ``edu`` is 1, ``edu.k12`` is 2."""
    return code.count(".") + 1


def is_within(code: str, ancestor: str) -> bool:
    """True if *code* is *ancestor* or one of its descendants."""
    return code == ancestor or code.startswith(ancestor + ".")
