"""The theming error family: every problem a theme author can cause, as one clear line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from zhongtai.core.errors import NotFound, UserError


class ThemeError(UserError):
    """A theme that cannot be resolved, checked or rendered."""

    def prefixed(self, prefix: str) -> Self:
        """The same error (same class, same attributes) with *prefix* before its message."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.args = (f"{prefix}{self.message}",)
        return clone


class InvalidTokensError(ThemeError):
    """A tokens document that breaks the W3C DTCG format (structure, ``$type`` or ``$value``)."""


class UnknownReferenceError(ThemeError):
    """An alias or ``$extends`` naming a token or group the document does not define."""


class CircularReferenceError(ThemeError):
    """Aliases (or ``$extends``) that loop back on themselves.

    ``loop`` holds every member of the loop, in the order they refer to each other.
    """

    def __init__(self, loop: Sequence[str], *, what: str = "alias") -> None:
        self.loop = tuple(loop)
        chain = " -> ".join((*self.loop, self.loop[0]))
        super().__init__(f"circular {what} reference among {', '.join(self.loop)}: {chain}")


class LowContrastError(ThemeError):
    """Text/background token pairs below their WCAG 2 AA contrast ratio."""


class NoThemeError(NotFound):
    """A business for which no theming plugin contributes any tokens."""
