"""What callers see of a session: masked, immutable views, and their JSON form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from zhongtai.plugins.verification.models import EXPIRED, OPEN, AttemptRow, SessionRow, StepRow


@attrs.frozen
class StepView:
    """A step: ``pending``, ``active``, ``passed`` or ``failed``; ``shown`` is masked."""

    position: int
    component: str
    status: str
    attempts: int = 0
    shown: str = ""
    reason: str = ""
    code_expires_at: dt.datetime | None = None
    sends: int = 0


@attrs.frozen
class AttemptView:
    """One recorded event of a step: ``sent``, ``passed``, ``rejected``, ``expired`` or ``error``."""

    at: dt.datetime
    component: str
    outcome: str
    reason: str = ""
    shown: str = ""


@attrs.frozen
class SessionView:
    """A session as it may be shown anywhere: every personal value masked.

    ``status`` is ``open``, ``passed``, ``failed`` or ``expired`` (an open session
    past ``expires_at``); ``current`` is the step to submit next, if any.
    """

    id: str
    business: str
    flow: str
    status: str
    reason: str
    subject: Mapping[str, str]
    steps: tuple[StepView, ...]
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime
    attempts: tuple[AttemptView, ...] = ()

    @property
    def current(self) -> str | None:
        if self.status != OPEN:
            return None
        return next((s.component for s in self.steps if s.status == "active"), None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-compatible dict (timestamps as ISO 8601)."""
        data: dict[str, Any] = _jsonable({**attrs.asdict(self, recurse=True), "current": self.current})
        return data


@attrs.frozen
class SubmitOutcome:
    """The answer to a submission: ``accepted`` or not, why, and the session afterwards."""

    accepted: bool
    reason: str
    session: SessionView

    def to_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "reason": self.reason, "session": self.session.to_json()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def session_view(row: SessionRow, steps: Sequence[StepRow], attempts: Sequence[AttemptRow],
                 now: dt.datetime) -> SessionView:
    """The view of a session's rows at *now* (an open session past its expiry shows ``expired``)."""
    expired = row.status == OPEN and now >= row.expires_at
    return SessionView(
        id=row.id,
        business=row.business,
        flow=row.flow,
        status=EXPIRED if expired else row.status,
        reason="the session expired before it was completed" if expired else row.reason,
        subject=dict(row.subject or {}),
        steps=tuple(
            StepView(s.position, s.component, s.status, s.attempts, s.shown, s.reason, s.code_expires_at, s.sends)
            for s in sorted(steps, key=lambda s: s.position)
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        attempts=tuple(AttemptView(a.at, a.component, a.outcome, a.reason, a.shown)
                       for a in sorted(attempts, key=lambda a: a.id)),
    )
