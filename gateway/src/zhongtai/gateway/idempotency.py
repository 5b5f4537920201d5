"""``Idempotency-Key`` on writing POSTs: a retry gets the first answer, not a second effect.

Keys are kept per principal in the registry database (``zt_gateway_idempotency``,
the gateway's own alembic branch), so a retry that reaches another gateway
process or host gets the same answer.  A fingerprint of method, path and body
goes with each key: the same key with a different request is refused (422); a
retry while the first request is still running is refused (409, ``Retry-After``)
-- unless the first has been running for longer than the request time limit
allows, then it counts as abandoned and the retry runs.  A completed request's
answer is replayed with ``Idempotent-Replayed: true`` for ``idempotency_ttl``
seconds.  Answers a client should retry anyway (401, 429, 5xx) are not kept.
This is telemetry-like bookkeeping: no registry revision, no audit row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zhongtai.core.errors import RegistryError
from zhongtai.gateway.problems import Problem

if TYPE_CHECKING:
    from zhongtai.core.registry.store import Registry

log = logging.getLogger("zhongtai.gateway")

HEADER = "idempotency-key"
MAX_KEY = 255
RUNNING, DONE = "running", "done"


class GatewayBase(DeclarativeBase):
    pass


class IdempotencyRow(GatewayBase):
    __tablename__ = "zt_gateway_idempotency"

    principal: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    status: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    media_type: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


@attrs.frozen
class Stored:
    status: int
    headers: Mapping[str, str]
    body: bytes
    media_type: str


def _first_line(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class IdempotencyStore:
    """First answers per (principal, key) in the registry database; every method blocks (call from a thread)."""

    def __init__(self, registry: Registry, ttl: float, running_limit: float) -> None:
        self.registry = registry
        self.ttl = dt.timedelta(seconds=ttl)
        #: a "running" entry older than this was abandoned (its process died or timed out)
        self.running_limit = dt.timedelta(seconds=running_limit)

    @staticmethod
    def fingerprint(method: str, path: str, body: bytes) -> str:
        return hashlib.sha256(b"\0".join((method.encode(), path.encode(), body))).hexdigest()

    @staticmethod
    def check_key(key: str) -> None:
        if not key or len(key) > MAX_KEY:
            raise Problem(400, f"Idempotency-Key must be 1-{MAX_KEY} characters")

    def begin(self, principal: str, key: str, fingerprint: str) -> Stored | None:
        """The stored answer to replay, or ``None`` after reserving *key* for this request."""
        self.check_key(key)
        try:
            return self._begin(principal, key, fingerprint)
        except SQLAlchemyError as exc:
            raise RegistryError(f"cannot record the Idempotency-Key: {_first_line(exc)}") from None

    def _begin(self, principal: str, key: str, fingerprint: str) -> Stored | None:
        self.registry.ensure_schema()
        for _ in range(3):
            now = _now()
            try:
                with self.registry.write_engine.begin() as connection:
                    connection.execute(insert(IdempotencyRow).values(
                        principal=principal, key=key, fingerprint=fingerprint, state=RUNNING, created_at=now,
                        expires_at=now + self.ttl))
                return None
            except IntegrityError:
                pass
            with self.registry.write_engine.begin() as connection:
                row = connection.execute(select(*IdempotencyRow.__table__.columns).where(
                    IdempotencyRow.principal == principal, IdempotencyRow.key == key)).first()
                if row is None:
                    continue  # removed meanwhile: try to take it again
                abandoned = row.state == RUNNING and _aware(row.created_at) + self.running_limit < now
                if _aware(row.expires_at) <= now or abandoned:
                    connection.execute(delete(IdempotencyRow).where(
                        IdempotencyRow.principal == principal, IdempotencyRow.key == key,
                        IdempotencyRow.created_at == row.created_at))
                    continue
            if row.fingerprint != fingerprint:
                raise Problem(422, "this Idempotency-Key was used for a different request", slug="key-reused")
            if row.state == RUNNING:
                raise Problem(409, "a request with this Idempotency-Key is still being processed",
                              slug="key-in-use", headers={"Retry-After": "1"})
            return Stored(int(row.status or 200), dict(row.headers or {}), bytes(row.body or b""),
                          str(row.media_type or "application/json"))
        raise Problem(409, "this Idempotency-Key is contended; retry", slug="key-in-use", headers={"Retry-After": "1"})

    def finish(self, principal: str, key: str, answer: Stored | None) -> None:
        """Keep *answer* for replays (``None``: forget the key, the request may be retried); never raises."""
        try:
            self._finish(principal, key, answer)
        except SQLAlchemyError as exc:
            log.warning("could not record the answer for Idempotency-Key %r: %s", key, _first_line(exc))

    def _finish(self, principal: str, key: str, answer: Stored | None) -> None:
        where = (IdempotencyRow.principal == principal, IdempotencyRow.key == key)
        with self.registry.write_engine.begin() as connection:
            if answer is None:
                connection.execute(delete(IdempotencyRow).where(*where))
                return
            connection.execute(update(IdempotencyRow).where(*where).values(
                state=DONE, status=answer.status, headers=dict(answer.headers), body=answer.body,
                media_type=answer.media_type))
            connection.execute(delete(IdempotencyRow).where(IdempotencyRow.expires_at < _now()))
