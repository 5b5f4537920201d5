"""The demo's one error type."""

from __future__ import annotations


class DemoError(Exception):
    """Something the demo cannot do, with a one-line explanation (and what to do about it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
