"""Staged rollout: which subjects (users, devices ...) a plugin enabled at a business serves.

A rollout rides on an enablement row: a percentage of subjects (to 0.01%),
sticky per subject, an allow-list of subjects, and an optional time window.
Bucketing is Unleash's, so a team moving from Unleash keeps its users in the
same buckets: ``murmur3_32("{group}:{subject}", seed)`` unsigned, ``% normalizer
+ 1``; a subject is inside a rollout of *p* percent when its bucket is at most
``p * normalizer / 100``.  The group defaults to ``"{business}:{plugin}"`` (the
business whose row carries the rollout), so raising the percentage only ever
adds subjects and every descendant business buckets a subject alike.

Rules, in order: an allow-listed subject is always inside (testers before the
window opens, too); outside the window nobody else is; without a subject only
a 100% rollout admits; otherwise the bucket decides.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs
import mmh3

from zhongtai.core.errors import UserError

#: Buckets of a rollout percentage: 10,000 gives 0.01% steps.  Unleash's flexibleRollout uses 100.
NORMALIZER = 10_000
NORMALIZERS = (100, NORMALIZER)
MAX_ALLOW = 10_000  # allow-listed subjects per rollout
MAX_SUBJECT = 200  # characters of one subject


def bucket(group: str, subject: str, normalizer: int = NORMALIZER, seed: int = 0) -> int:
    """Unleash's ``normalized_hash``: the subject's bucket in ``1..normalizer`` (sticky, uniform)."""
    return int(mmh3.hash(f"{group}:{subject}", seed, signed=False)) % normalizer + 1


def default_group(business: str, plugin: str) -> str:
    return f"{business}:{plugin}"


def check_subject(subject: object) -> str | None:
    """A call's subject: ``None`` or printable text (no control characters) of 1 to :data:`MAX_SUBJECT` characters."""
    if subject is None:
        return None
    if not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT or not subject.isprintable():
        raise UserError(f"subject must be printable text of 1 to {MAX_SUBJECT} characters, not {subject!r}"[:300])
    return subject


def _percent(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise UserError(f"rollout percent must be a number from 0 to 100, not {value!r}") from None
    if isinstance(value, bool) or not math.isfinite(number) or not 0 <= number <= 100:
        raise UserError(f"rollout percent must be a number from 0 to 100, not {value!r}")
    if abs(round(number, 2) - number) > 1e-9:
        raise UserError(f"rollout percent {value!r} is finer than 0.01%")
    return round(number, 2)


def _moment(value: object, what: str) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise UserError(f"rollout {what} {value!r} is not an ISO 8601 date or time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@attrs.frozen
class Rollout:
    """A validated rollout rule (what an enablement row stores as JSON)."""

    percent: float = 100.0
    allow: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    group: str | None = None
    normalizer: int = NORMALIZER

    @classmethod
    def build(cls, percent: object = 100.0, allow: Sequence[object] = (), start: object = None,
              end: object = None, group: object = None, normalizer: object = NORMALIZER) -> Rollout:
        """A rollout from user input; :class:`UserError` with one line for anything wrong."""
        if normalizer not in NORMALIZERS or isinstance(normalizer, bool):
            raise UserError(f"rollout normalizer must be one of {', '.join(map(str, NORMALIZERS))}")
        number = _percent(percent)
        if normalizer == 100 and number != int(number):
            raise UserError("with normalizer 100 (Unleash's flexibleRollout) the percent must be whole")
        if isinstance(allow, str) or not isinstance(allow, Sequence):
            raise UserError("rollout allow must be a list of subjects")
        if len(allow) > MAX_ALLOW:
            raise UserError(f"rollout allow-list has {len(allow)} subjects; the limit is {MAX_ALLOW}")
        subjects = tuple(dict.fromkeys(check_subject(s) or "" for s in allow))
        if "" in subjects:
            raise UserError("rollout allow-list entries must be non-empty subjects")
        begins, ends = _moment(start, "start"), _moment(end, "end")
        if begins is not None and ends is not None and ends <= begins:
            raise UserError("rollout end must be after its start")
        if group is not None and (not isinstance(group, str) or not group or len(group) > MAX_SUBJECT):
            raise UserError(f"rollout group must be text of 1 to {MAX_SUBJECT} characters")
        return cls(number, subjects, begins, ends, group, int(normalizer))  # type: ignore[call-overload]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rollout:
        return cls.build(data.get("percent", 100.0), data.get("allow", ()), data.get("start"),
                         data.get("end"), data.get("group"), data.get("normalizer", NORMALIZER))

    def to_json(self) -> dict[str, Any]:
        return {
            "percent": self.percent, "allow": list(self.allow),
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "group": self.group, "normalizer": self.normalizer,
        }

    @property
    def threshold(self) -> int:
        """Buckets ``1..threshold`` are inside."""
        return round(self.percent * self.normalizer / 100)

    def describe(self) -> str:
        parts = [f"{self.percent:g}%"]
        if self.allow:
            parts.append(f"+{len(self.allow)} allow-listed")
        if self.start or self.end:
            start = self.start.isoformat(timespec="minutes") if self.start else "..."
            end = self.end.isoformat(timespec="minutes") if self.end else "..."
            parts.append(f"from {start} to {end}")
        return " ".join(parts)


#: Reasons a subject is inside or outside a rollout (also what OpenFeature reasons map from).
ALLOW_LISTED = "allow-listed"
IN_ROLLOUT = "in-rollout"
OUTSIDE_ROLLOUT = "outside-rollout"
OUTSIDE_WINDOW = "outside-window"
NO_SUBJECT = "no-subject"


T = TypeVar("T")


class Gate:
    """A rollout compiled for the call path of one plugin at one business.

    :meth:`picker` builds the fast path (one hash at most); :meth:`explain` says why.
    """

    __slots__ = ("allow", "end", "group", "normalizer", "rule", "start", "threshold")

    def __init__(self, rule: Rollout, level: str, plugin: str) -> None:
        self.rule = rule
        self.group = rule.group or default_group(level, plugin)
        self.normalizer = rule.normalizer
        self.threshold = rule.threshold
        self.allow = frozenset(rule.allow)
        self.start = rule.start.timestamp() if rule.start else None
        self.end = rule.end.timestamp() if rule.end else None

    def admits(self, subject: str | None) -> bool:
        if subject is not None and subject in self.allow:
            return True
        if self.start is not None or self.end is not None:
            now = time.time()
            if (self.start is not None and now < self.start) or (self.end is not None and now >= self.end):
                return False
        threshold = self.threshold
        if threshold >= self.normalizer:
            return True
        if subject is None or threshold <= 0:
            return False
        return bucket(self.group, subject, self.normalizer) <= threshold

    def picker(self, inside: T, outside: T) -> Callable[[str | None], T]:
        """A function of the subject returning *inside* or *outside*, specialised for this rule.

        Same answers as :meth:`admits`; the common rules (no window) skip the
        clock, and ``bucket <= threshold`` is ``hash % normalizer < threshold``.
        """
        if self.start is not None or self.end is not None:
            admits = self.admits
            return lambda subject: inside if admits(subject) else outside
        allow, normalizer, threshold = self.allow, self.normalizer, self.threshold
        prefix, murmur = self.group + ":", mmh3.hash
        if threshold >= normalizer:
            return lambda subject: inside
        if threshold <= 0:
            return lambda subject: inside if subject in allow else outside

        def pick(subject: str | None) -> T:
            if subject is None:
                return outside
            if subject in allow or murmur(prefix + subject, 0, False) % normalizer < threshold:
                return inside
            return outside

        def pick_without_allow_list(subject: str | None) -> T:  # the usual rule: one hash, no set lookup
            if subject is not None and murmur(prefix + subject, 0, False) % normalizer < threshold:
                return inside
            return outside

        return pick if allow else pick_without_allow_list

    def explain(self, subject: str | None) -> tuple[bool, str, str]:
        """(inside, reason code, words) for *subject*."""
        rule = self.rule
        if subject is not None and subject in self.allow:
            return True, ALLOW_LISTED, f"subject {subject} is allow-listed"
        now = time.time()
        if (self.start is not None and now < self.start) or (self.end is not None and now >= self.end):
            return False, OUTSIDE_WINDOW, f"outside the rollout window ({rule.describe()})"
        if self.threshold >= self.normalizer:
            return True, IN_ROLLOUT, f"rollout {rule.describe()} includes everyone"
        if subject is None:
            return False, NO_SUBJECT, f"no subject given; rollout {rule.describe()} needs one"
        number = bucket(self.group, subject, self.normalizer)
        inside = number <= self.threshold
        words = (f"subject {subject} is in bucket {number} of {self.normalizer} (group {self.group}); "
                 f"rollout {rule.describe()} takes buckets 1-{self.threshold}")
        return inside, IN_ROLLOUT if inside else OUTSIDE_ROLLOUT, words
