"""Validity windows: ``valid_from`` (inclusive) to ``valid_until`` (exclusive), either open.

Instants are ISO 8601 text with a UTC offset (``2025-06-18T00:00:00+08:00``)
or timezone-aware datetimes; a naive time is refused because a business tree
may span time zones.
"""

from __future__ import annotations

import datetime as dt

import attrs

from zhongtai.core.specs.pricing import QuoteRequest


def instant(value: object) -> dt.datetime | None:
    """An aware datetime from ISO 8601 text or a datetime (``None`` stays ``None``); ``ValueError`` otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 date-time") from None
    if not isinstance(value, dt.datetime):
        raise ValueError(f"expected an ISO 8601 date-time, got {value!r}")
    if value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no UTC offset (write e.g. {value.isoformat()}+08:00)")
    return value


@attrs.frozen
class Validity:
    """A half-open window of time; subclasses add what is valid in it."""

    valid_from: dt.datetime | None = attrs.field(default=None, converter=instant)
    valid_until: dt.datetime | None = attrs.field(default=None, converter=instant)

    def __attrs_post_init__(self) -> None:
        if self.valid_from and self.valid_until and self.valid_from >= self.valid_until:
            raise ValueError(f"valid_from {self.valid_from.isoformat()} is not before "
                             f"valid_until {self.valid_until.isoformat()}")

    def active(self, at: dt.datetime) -> bool:
        """Whether *at* (aware) lies in the window."""
        if self.valid_from is not None and at < self.valid_from:
            return False
        return self.valid_until is None or at < self.valid_until


def moment(request: QuoteRequest) -> dt.datetime:
    """The instant *request* is priced at: ``request.at``, or now (UTC) when it does not say."""
    return request.at if request.at is not None else dt.datetime.now(dt.UTC)
