"""The errors of the verification package: each one clear line, never personal data.

All derive from :class:`zhongtai.core.errors.UserError`, so the CLI shows the
message and exits 1.  None of them is raised after a partial write: when one of
these escapes, the session is exactly as it was before the call.
"""

from __future__ import annotations

from zhongtai.core.errors import UserError


class VerificationError(UserError):
    """Base class of the verification package's errors."""


class InvalidValueError(VerificationError):
    """A submitted or subject value that is malformed (bad check digit, not a date ...)."""


class InvalidIdNumberError(InvalidValueError):
    """Not a valid Chinese resident ID number (GB 11643-1999)."""


class InvalidCardNumberError(InvalidValueError):
    """Not a plausible bank card number (length, digits, Luhn check)."""


class SessionNotFoundError(VerificationError):
    """No verification session has this id."""


class SessionClosedError(VerificationError):
    """The session already has a verdict or has expired."""


class StepOrderError(VerificationError):
    """A step submitted out of order, already passed, or not part of the flow."""


class ResendTooSoonError(VerificationError):
    """A new code was asked for within the resend cooldown, or too many were sent."""


class FlowError(VerificationError):
    """A flow that cannot run for this business and subject (unknown component, missing field)."""


class NoNotifierChannelError(VerificationError):
    """A code must be sent, but no notifier channel is enabled for the business."""


class DeliveryFailedError(VerificationError):
    """Every enabled notifier channel failed to deliver the code."""


class ConcurrentChangeError(VerificationError):
    """Someone else changed the session meanwhile; nothing was written, try again."""
