"""Enqueue work in the caller's transaction; process due rows with retries and backoff.

``enqueue`` is a row insert, so a change and the mail or push it causes commit together or not at
all. ``process_due`` claims each due row with a conditional ``UPDATE`` (attempts + 1, ``due_at``
pushed forward by a lease), asks the row's handler to *prepare* it inside a short transaction
(read what is needed), performs the prepared I/O with no transaction open, then records the
outcome. Delivery is at least once: a worker that dies after sending but before recording sends
again when the lease ends, so a handler makes the repeat recognisable (a mail keeps one
``Message-ID`` per row, derived from ``Job.id``).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from issuer import db
from issuer.outbox.models import OutboxMessage
from schemas.errors import NoOutboxHandler, PramaanError

log = logging.getLogger("pramaan.outbox")

SENT, SKIPPED, FAILED = "sent", "skipped", "failed"
BOOKKEEPING_SECONDS, BOOKKEEPING_PAUSE = 30.0, 0.1


@dataclass(frozen=True)
class Skip:
    """A handler's answer when there is nothing to send (no address, nothing configured)."""

    reason: str


@dataclass(frozen=True)
class Job:
    """What a handler is given of its row: the id and creation time identify the message on
    every attempt (a retry after a crash is the same message, not a new one)."""

    id: int
    kind: str
    payload: Mapping[str, Any]
    created_at: datetime


Send = Callable[[], None]
Handler = Callable[[Session, Job, datetime], "Send | Skip"]


@dataclass(frozen=True)
class RetryPolicy:
    first_delay_seconds: float = 30.0
    max_delay_seconds: float = 3600.0
    max_attempts: int = 15
    lease_seconds: float = 90.0
    """How long a claimed row is left to its worker before another may take it: longer than a
    send can take (``issuer.outbox.runner.policy`` derives it from the transport timeouts), and
    no longer, since it is also how long a crashed worker's message waits to be sent again."""

    def delay(self, attempts: int) -> timedelta:
        """Exponential backoff: the first delay after one failure, doubling, capped."""
        seconds = self.first_delay_seconds * 2 ** min(attempts - 1, 30)
        return timedelta(seconds=min(seconds, self.max_delay_seconds))


@dataclass
class OutboxReport:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def processed(self) -> int:
        return self.sent + self.skipped + self.retried + self.failed


def enqueue(session: Session, kind: str, payload: Mapping[str, Any], *, now: datetime
            ) -> OutboxMessage:
    """Add work to the caller's transaction; due at once."""
    row = OutboxMessage(kind=kind, payload=dict(payload), created_at=now, due_at=_utc(now),
                        attempts=0)
    session.add(row)
    return row


def pending(session: Session, kind: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.outcome.is_(None))
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def process_due(sessions: sessionmaker[Session], handlers: Mapping[str, Handler], *,
                now: datetime, policy: RetryPolicy = RetryPolicy(), limit: int = 100,
                clock: Callable[[], datetime] | None = None,
                pace: Callable[[], None] | None = None) -> OutboxReport:
    """Process every row due at ``now`` once. Tests call this; the worker calls it in a loop.

    With ``clock``, each row's lease runs from when that row is claimed rather than from the
    start of the pass: a pass of many slow sends would otherwise claim its last rows with a lease
    already (nearly) over, and another worker could take them while they are being sent.
    ``pace`` (``issuer.outbox.pace``) is called before each row is claimed, and may wait: the
    shared send rate of all workers."""
    now = _utc(now)
    with sessions.begin() as session:
        due = list(session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.due_at <= now)
            .order_by(OutboxMessage.due_at, OutboxMessage.id).limit(limit)))
    report = OutboxReport()
    for message_id in due:
        if pace is not None:
            pace()
        outcome = _process_one(sessions, handlers, message_id, now=now, policy=policy,
                               lease_from=max(now, _utc(clock())) if clock else now)
        if outcome is not None:
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _process_one(sessions: sessionmaker[Session], handlers: Mapping[str, Handler],
                 message_id: int, *, now: datetime, policy: RetryPolicy,
                 lease_from: datetime) -> str | None:
    with sessions.begin() as session:
        claimed = session.execute(  # type: ignore[attr-defined]
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.due_at <= now)
            .values(attempts=OutboxMessage.attempts + 1,
                    due_at=lease_from + timedelta(seconds=policy.lease_seconds))
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            return None  # another worker has it
    error: str
    try:
        with sessions.begin() as session:
            message = session.get_one(OutboxMessage, message_id)
            handler = handlers.get(message.kind)
            if handler is None:
                raise NoOutboxHandler(f"no handler for outbox kind {message.kind!r}")
            job = Job(message.id, message.kind, dict(message.payload), message.created_at)
            prepared = handler(session, job, now)
        if isinstance(prepared, Skip):
            _finish(sessions, message_id, SKIPPED, now=now, note=prepared.reason)
            return "skipped"
        prepared()
    except PramaanError as err:
        error = f"{err.code}: {err.detail}"
    except Exception as err:  # a bug must not stop the queue; it is logged and recorded
        log.exception("outbox message %s failed unexpectedly", message_id)
        error = f"unexpected {type(err).__name__} (see the issuer log)"
    else:
        # Sent: only the bookkeeping is left, and it must not turn into a second send.
        _record_sent(sessions, message_id, now=now)
        return "sent"
    return _retry_or_fail(sessions, message_id, error, now=now, policy=policy)


def _record_sent(sessions: sessionmaker[Session], message_id: int, *, now: datetime) -> None:
    """Record a message that has gone out, waiting out a busy database (SQLite's write lock, a
    PostgreSQL serialization failure) rather than sending again: retried for about
    ``BOOKKEEPING_SECONDS``. Past that the error propagates, and the lease ending sends again."""
    for attempt in itertools.count(1):
        try:
            _finish(sessions, message_id, SENT, now=now)
            return
        except (DBAPIError, PoolTimeout) as err:
            if not db.is_busy(err) or attempt * BOOKKEEPING_PAUSE >= BOOKKEEPING_SECONDS:
                log.error("outbox message %s was sent but could not be recorded: %s",
                          message_id, err)
                raise
            log.warning("outbox message %s sent; the database is busy, recording it again",
                        message_id)
            time.sleep(BOOKKEEPING_PAUSE)


def _retry_or_fail(sessions: sessionmaker[Session], message_id: int, error: str, *,
                   now: datetime, policy: RetryPolicy) -> str:
    with sessions.begin() as session:
        attempts = session.get_one(OutboxMessage, message_id).attempts
    log.warning("outbox message %s, attempt %s: %s", message_id, attempts, error)
    if attempts >= policy.max_attempts:
        _finish(sessions, message_id, FAILED, now=now, note=error)
        log.error("outbox message %s given up after %s attempts", message_id, attempts)
        return "failed"
    with sessions.begin() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                        .values(due_at=now + policy.delay(attempts), last_error=error[:500])
                        .execution_options(synchronize_session=False))
    return "retried"


def _finish(sessions: sessionmaker[Session], message_id: int, outcome: str, *, now: datetime,
            note: str | None = None) -> None:
    with sessions.begin() as session:
        values: dict[str, Any] = {"outcome": outcome, "done_at": now, "due_at": None}
        if note is not None:
            values["last_error"] = note[:500]
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                        .values(**values).execution_options(synchronize_session=False))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
