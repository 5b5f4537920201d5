"""The ``notifiers.policy`` plugin: a business's notifier rules, as plugin config.

The plugin implements no extension point; it exists to carry config, enabled
per business and inherited down the tree (nearer keys win)::

    zhongtai plugins enable notifiers.policy --business shop \\
        --set quiet_hours=21:00-08:00 \\
        --set 'rate_limits=[{"per": "recipient", "limit": 3, "window_seconds": 86400}]' \\
        --set unsubscribe_url=https://shop.example/unsubscribe \\
        --set unsubscribe_secret=env:SHOP_UNSUBSCRIBE_SECRET

A business without it gets :class:`NotifierPolicy`'s defaults: no quiet hours,
no rate limits, and no unsubscribe link -- so its marketing email is refused
by the email channel until it configures one.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Literal

import attrs

from zhongtai.core.config import build_config
from zhongtai.core.specs.notifiers import KINDS
from zhongtai.sdk import secret_field

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

PLUGIN = "notifiers.policy"

_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def _parse_clock(text: str) -> dt.time:
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"expected HH:MM, got {text!r}")
    return dt.time(int(match.group(1)), int(match.group(2)))


@attrs.frozen
class QuietHours:
    """A daily window of local time (may wrap past midnight) in which marketing waits."""

    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """``"21:00-08:00"`` -> QuietHours; ``""`` -> None; anything else -> ValueError."""
        if not text.strip():
            return None
        start, sep, end = text.partition("-")
        if not sep:
            raise ValueError(f"expected HH:MM-HH:MM such as 21:00-08:00, got {text!r}")
        hours = cls(_parse_clock(start), _parse_clock(end))
        if hours.start == hours.end:
            raise ValueError("must not start and end at the same time")
        return hours

    def contains(self, local: dt.time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def _quiet_hours(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        QuietHours.parse(value)
    except ValueError as exc:
        raise ValueError(f"{attribute.name}: {exc}") from None


def _kinds(instance: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    unknown = [k for k in value if k not in KINDS]
    if unknown:
        raise ValueError(f"{attribute.name}: unknown kind {unknown[0]!r} (kinds: {', '.join(KINDS)})")


@attrs.frozen
class RateLimit:
    """At most ``limit`` accepted messages per ``window_seconds`` (fixed windows aligned to UTC epoch).

    ``per`` is ``recipient`` (counted per address and business) or ``business``.
    Only messages of the listed ``kinds`` count and are limited.
    """

    per: Literal["recipient", "business"]
    limit: int = attrs.field(validator=attrs.validators.ge(1))
    window_seconds: int = attrs.field(validator=attrs.validators.ge(1))
    kinds: tuple[str, ...] = attrs.field(default=KINDS, converter=tuple, validator=_kinds)


@attrs.frozen
class NotifierPolicy:
    """A business's notifier rules.

    * ``quiet_hours``: ``"HH:MM-HH:MM"`` in the recipient's time zone; marketing
      due inside it waits for its end (never dropped; verification never waits).
    * ``rate_limits``: see :class:`RateLimit`; ``over_limit`` says what happens
      to marketing and notifications over a limit: ``defer`` to the next window
      with room, or ``refuse``.  Verification codes over a limit are always
      refused (a late code is useless).
    * ``sms_opt_out_text``: appended to every marketing SMS.
    * ``unsubscribe_url`` and ``unsubscribe_secret``: the one-click unsubscribe
      link of marketing email (``<url>?token=<signed token>``).
    """

    quiet_hours: str = attrs.field(default="", validator=_quiet_hours)
    rate_limits: tuple[RateLimit, ...] = attrs.field(default=(), converter=tuple)
    over_limit: Literal["defer", "refuse"] = "defer"
    sms_opt_out_text: str = "Reply TD to unsubscribe"
    unsubscribe_url: str = ""
    unsubscribe_secret: str = secret_field("")

    @property
    def quiet(self) -> QuietHours | None:
        return QuietHours.parse(self.quiet_hours)


def policy_for(platform: Platform, business: str) -> NotifierPolicy:
    """The effective :class:`NotifierPolicy` of *business* (defaults when not enabled).

    Secrets given as ``env:NAME`` are resolved (names allow-listed for *business*
    only); a bad config raises ConfigError.
    """
    snapshot = platform.snapshot
    effective = snapshot.effective(business).get(PLUGIN)
    if effective is None:
        return NotifierPolicy()
    policy: NotifierPolicy = build_config(NotifierPolicy, effective.config, plugin=PLUGIN, resolve_secrets=True,
                                          allowed_env=snapshot.allowed_secrets(business), business=business)
    return policy

