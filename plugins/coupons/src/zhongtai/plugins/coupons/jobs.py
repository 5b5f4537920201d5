"""Bulk issuing to an audience as a resumable job.

An audience is a file of user ids, one per line (blank lines ignored).  A job
records the file, its SHA-256 and how many lines it has; then it issues batch
by batch.  **Each batch's coupons and the job's new position commit in one
transaction**, so after a crash, a SIGKILL or Ctrl-C the job resumes exactly at
the first line not yet committed: nobody is issued twice, nobody is skipped.
Resuming refuses an audience file that changed since the job started.

A job row is locked while a batch commits; a second process running the same
job at once finds the position moved and stops (:class:`ConflictError`).
Messages (``notify``) are sent after each batch commits and tracked by the last
coupon id notified, so a resumed job first sends what a crash left unsent (the
outbox's idempotency keys make a repeat harmless).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zhongtai.core import governance
from zhongtai.core.errors import ConflictError, NotFound, UserError
from zhongtai.core.management import default_actor
from zhongtai.plugins.coupons import issuing
from zhongtai.plugins.coupons.models import CouponRow, JobRow, TemplateRow
from zhongtai.plugins.coupons.reach import Notify, notify_issued
from zhongtai.plugins.coupons.templates import resolve_row, terms_of
from zhongtai.plugins.coupons.terms import check_name

if TYPE_CHECKING:
    from zhongtai.core.runtime.platform import Platform

RUNNING = "running"
DONE = "done"
STOPPED = "stopped"
BATCH = 5000
#: Lines of an audience file longer than this are refused as user ids.
MAX_LINE = 4096


@attrs.frozen
class Job:
    id: str
    business: str
    template: str
    audience: str
    total: int
    position: int
    issued: int
    skipped: int
    state: str
    reason: str
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def finished(self) -> bool:
        return self.state in (DONE, STOPPED)

    def as_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["updated_at"] = self.updated_at.isoformat()
        return data


def _job(row: JobRow, template: str) -> Job:
    return Job(row.id, row.business, template, row.audience, row.total, row.position, row.issued, row.skipped,
               row.state, row.reason, row.created_by, row.created_at, row.updated_at)


def _scan(path: Path) -> tuple[str, int]:
    """SHA-256 and number of user ids (non-blank lines) of the audience file."""
    digest = hashlib.sha256()
    count = 0
    try:
        with path.open("rb") as handle:
            for line in handle:
                digest.update(line)
                if line.strip():
                    count += 1
    except OSError as exc:
        raise UserError(f"cannot read the audience file {path}: {exc.strerror or exc}") from None
    return digest.hexdigest(), count


def _users(path: Path, skip: int) -> Iterator[str]:
    """The audience's user ids after the first *skip* (as text; bad lines come back as they are)."""
    with path.open("rb") as handle:
        lines = (line.strip() for line in handle)
        for raw in itertools.islice((line for line in lines if line), skip, None):
            yield raw[:MAX_LINE].decode("utf-8", errors="replace")


def create(platform: Platform, business: str, template: str, audience: str | Path, *,
           notify: Notify | None = None, actor: str | None = None) -> Job:
    """Record a bulk issue of *template* at *business* to the users in the file *audience*.

    The actor must be allowed to manage *business* (a platform admin or its
    owner team).  Nothing is issued yet: :func:`run` does that.
    """
    issuing.require_business(platform, business)
    check_name(template)
    who = actor or default_actor()
    path = Path(audience).resolve()
    if not path.is_file():
        raise UserError(f"the audience file {audience} does not exist (give a file of user ids, one per line)")
    digest, total = _scan(path)
    now = issuing.utcnow()
    with issuing.writing(platform) as session:
        governance.access(session).require_manage(who, platform.snapshot, business, "issue coupons in bulk")
        row = resolve_row(session, business, template)
        reason = issuing.stop_reason(row, now)
        if reason is not None:
            raise UserError(reason)
        job = JobRow(id=uuid.uuid4().hex[:16], business=business, template_id=row.id, audience=str(path),
                     digest=digest, total=total, position=0, issued=0, skipped=0,
                     notify=notify.as_dict() if notify else None, notified_id=0, state=RUNNING, reason="",
                     created_by=who, created_at=now, updated_at=now)
        session.add(job)
        session.flush()
        return _job(job, row.name)


def get(platform: Platform, job_id: str) -> Job:
    with Session(platform.registry.engine) as session:
        found = session.execute(select(JobRow, TemplateRow.name).join(TemplateRow, TemplateRow.id == JobRow.template_id)
                                .where(JobRow.id == job_id)).first()
    if found is None:
        raise NotFound(f"no coupon job {job_id!r}")
    return _job(found[0], found[1])


def list_jobs(platform: Platform, business: str | None = None) -> list[Job]:
    query = select(JobRow, TemplateRow.name).join(TemplateRow, TemplateRow.id == JobRow.template_id)
    if business is not None:
        query = query.where(JobRow.business == business)
    with Session(platform.registry.engine) as session:
        return [_job(row, name) for row, name in session.execute(query.order_by(JobRow.created_at))]


def run(platform: Platform, job_id: str, *, batch: int = BATCH,
        progress: Callable[[Job], None] | None = None) -> Job:
    """Run (or resume) job *job_id* to its end; *progress* is called after every committed batch.

    Returns the finished job: ``done``, or ``stopped`` with the reason (the
    budget was spent, the template retired or ended).  Interrupting it (an
    exception, Ctrl-C, a kill) loses at most the batch in flight, which the
    next :func:`run` issues.
    """
    job = get(platform, job_id)
    if job.finished:
        return job
    path = Path(job.audience)
    with Session(platform.registry.engine) as session:
        stored = session.get(JobRow, job_id)
        assert stored is not None
        digest, notify = stored.digest, Notify.from_dict(stored.notify)
    if not path.is_file() or _scan(path)[0] != digest:
        raise UserError(f"the audience file {path} changed or is gone since job {job_id} started; "
                        "nothing was issued from it")
    _send_unsent(platform, job_id, notify)
    users = _users(path, job.position)
    while True:
        chunk = list(itertools.islice(users, max(1, batch)))
        if not chunk:
            return _finish(platform, job_id, DONE, "")
        job = _run_batch(platform, job, chunk)
        _send_unsent(platform, job_id, notify)
        if progress is not None:
            progress(job)
        if job.finished:
            return job


def _run_batch(platform: Platform, job: Job, chunk: list[str]) -> Job:
    bad = {user: "not a valid user id" for user in chunk
           if not user or len(user) > issuing.MAX_ID or not user.isprintable()}
    with Session(platform.registry.engine) as reader:
        template = reader.get(TemplateRow, _template_id(reader, job.id))
        assert template is not None
    refused = {**issuing.refusals(platform, job.business, template, [u for u in chunk if u not in bad]), **bad}
    now = issuing.utcnow()
    with issuing.writing(platform) as session:
        row = session.scalars(select(JobRow).where(JobRow.id == job.id).with_for_update()).one()
        if row.position != job.position or row.state != RUNNING:
            raise ConflictError(f"coupon job {job.id} was advanced by another process meanwhile; "
                                "let that one finish (or run it again later to resume)")
        template = resolve_row(session, job.business, job.template, lock=True)
        try:
            batch = issuing.issue_batch(session, template, job.business, chunk, now, refused=refused, job_id=job.id)
        except issuing.Stop as stop:
            row.state, row.reason, row.updated_at = STOPPED, stop.message, now
            return _job(row, job.template)
        row.position += len(chunk)
        row.issued += len(batch.issued)
        row.skipped += len(chunk) - len(batch.issued)
        row.updated_at = now
        if batch.exhausted:
            row.state, row.reason = STOPPED, "the budget is spent"
        session.flush()
        return _job(row, job.template)


def _template_id(session: Session, job_id: str) -> int:
    return int(session.scalars(select(JobRow.template_id).where(JobRow.id == job_id)).one())


def _finish(platform: Platform, job_id: str, state: str, reason: str) -> Job:
    with issuing.writing(platform) as session:
        session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.state == RUNNING)
                        .values(state=state, reason=reason, updated_at=issuing.utcnow()))
    return get(platform, job_id)


def _send_unsent(platform: Platform, job_id: str, notify: Notify | None) -> None:
    """Send the messages for coupons this job committed but has not notified yet."""
    if notify is None:
        return
    now = issuing.utcnow()
    while True:
        with Session(platform.registry.engine) as session:
            job = session.get(JobRow, job_id)
            assert job is not None
            template = session.get(TemplateRow, job.template_id)
            assert template is not None
            rows = session.scalars(select(CouponRow).where(CouponRow.job_id == job_id, CouponRow.id > job.notified_id)
                                   .order_by(CouponRow.id).limit(BATCH)).all()
            if not rows:
                return
            coupons = [issuing.coupon_of(r, template.name, template.currency, now) for r in rows]
            title = terms_of(template).describe()
            business = job.business
        notify_issued(platform, business, coupons, notify, title=title)
        with issuing.writing(platform) as session:
            session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.notified_id < coupons[-1].id)
                            .values(notified_id=coupons[-1].id))
