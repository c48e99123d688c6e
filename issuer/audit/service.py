"""Record and read the audit trail. Every issuance and status change writes one event in the same
transaction as the change itself, so there is never a change without its record.

The trail is a hash chain (tamper-evident, not tamper-proof): each event's ``hash`` covers its
content, its ``seq`` and the previous event's hash, so altering, deleting or reordering a row
breaks the chain at that row, and ``verify_chain`` (``issuer audit verify``) names the first
broken link. Appends lock the single chain-head row (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite transactions already hold the write lock from ``BEGIN IMMEDIATE``), so concurrent
transactions append one after the other. Someone who can rewrite the whole table can also
recompute every hash; publishing the head hash elsewhere (e.g. daily) closes that gap.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from issuer.audit.models import AuditChainHead, AuditEvent
from schemas.errors import ConfigurationError

GENESIS = "0" * 64
HEAD_ID = 1
_BATCH = "pramaan_audit_batch"


def record(session: Session, *, actor: str, action: str, subject: str, now: datetime,
           details: dict[str, Any] | None = None, council: str | None = None) -> AuditEvent:
    """Append one event. ``council`` is the council whose record the event is about (who may
    read it); None for service-wide events, which only staff of every council read. Inside
    ``batched(session)`` the event is chained when the batch ends."""
    if (pending := session.info.get(_BATCH)) is not None:
        event = AuditEvent(at=now.astimezone(UTC), actor=actor, action=action, subject=subject,
                           details=details or {}, council_id=council)
        pending.append(event)
        return event
    # No autoflush here: the rows the caller added flush once, with the event, not twice. The
    # head is read afresh FOR UPDATE, unless this transaction has already moved it on in memory
    # (then the lock is held and the unflushed values are the truth).
    head = _locked_head(session)
    event = AuditEvent(at=now.astimezone(UTC), actor=actor, action=action, subject=subject,
                       details=details or {}, council_id=council, seq=head.seq + 1,
                       prev_hash=head.hash)
    event.hash = event_hash(event)
    head.seq, head.hash = event.seq, event.hash
    session.add(event)
    return event


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Collect the events ``record`` appends inside the block and chain them all at its end,
    in order, under one read of the chain head. The head row is locked from then until the
    caller commits, instead of from the first event: a bulk run's batch (many issuances in one
    transaction) holds the lock only for its last step, so two such runs overlap their work
    instead of queueing behind each other's head lock. The chain is the same as with one
    ``record`` at a time, so ``verify_chain`` checks it exactly. Nothing is chained if the block
    raises."""
    if session.info.get(_BATCH) is not None:
        yield  # already inside a batch: its end chains these too
        return
    pending: list[AuditEvent] = []
    session.info[_BATCH] = pending
    try:
        yield
    finally:
        del session.info[_BATCH]
    if not pending:
        return
    head = _locked_head(session)
    for event in pending:
        event.seq, event.prev_hash = head.seq + 1, head.hash
        event.hash = event_hash(event)
        head.seq, head.hash = event.seq, event.hash
    session.add_all(pending)


def _locked_head(session: Session) -> AuditChainHead:
    with session.no_autoflush:
        known = session.identity_map.get(identity_key(AuditChainHead, HEAD_ID))
        head = session.get(AuditChainHead, HEAD_ID, with_for_update=True,
                           populate_existing=known is None or known not in session.dirty)
    if head is None:
        raise ConfigurationError("the audit chain head row is missing; run `issuer init` to "
                                 "migrate the database")
    return head


class Hashed(Protocol):
    """What an event's hash covers: an ``AuditEvent``, or a row of its columns."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def details(self) -> dict[str, Any]: ...
    @property
    def prev_hash(self) -> str: ...


def event_hash(event: Hashed) -> str:
    """SHA-256 of ``prev_hash`` and the canonical JSON (sorted keys, no spaces, UTF-8) of the
    event's seq, time (UTC, microseconds), actor, action, subject and details."""
    return chain_hash(event.prev_hash, canonical(event))


_DUMPS = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                         default=str).encode


def canonical(event: Hashed) -> bytes:
    """``json.dumps({"seq", "at", "actor", "action", "subject", "details"}, sort_keys=True,
    separators=(",", ":"), ensure_ascii=False, default=str)`` in UTF-8, written out key by key
    in that sorted order (byte for byte the same, a quarter faster over a million events)."""
    at = event.at.astimezone(UTC).isoformat(timespec="microseconds")
    return (f'{{"action":{_DUMPS(event.action)},"actor":{_DUMPS(event.actor)},"at":"{at}",'
            f'"details":{_DUMPS(event.details)},"seq":{int(event.seq)},'
            f'"subject":{_DUMPS(event.subject)}}}').encode()


def chain_hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + body).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: int | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    events: int
    head_seq: int
    head_hash: str
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_chain(session: Session, *, batch: int = 10_000) -> ChainReport:
    """Walk the chain from the first event and stop at the first link that does not hold.
    Reads plain rows of the hashed columns, ``batch`` at a time by ``seq`` (its unique index),
    not ORM objects: a million events in well under a minute."""
    head = session.get(AuditChainHead, HEAD_ID)
    if head is None:
        return ChainReport(0, 0, GENESIS, ChainBreak(0, None, "the chain head row is missing"))
    prev_hash, expected, count = GENESIS, 1, 0
    for event in _events(session, batch):
        problem = None
        if event.seq != expected:
            problem = (f"event #{expected} is missing (the next one is #{event.seq}): "
                       "a row was deleted or renumbered")
        elif event.prev_hash != prev_hash:
            problem = (f"its prev_hash does not match the hash of event #{expected - 1}: "
                       "an earlier row was altered and re-hashed, or rows were reordered")
        elif event_hash(event) != event.hash:
            problem = "its content does not match its hash: the row was altered"
        if problem:
            return ChainReport(count, head.seq, head.hash, ChainBreak(expected, event.id,
                                                                      problem))
        prev_hash, expected, count = event.hash, expected + 1, count + 1
    if head.seq != count or head.hash != prev_hash:
        return ChainReport(count, head.seq, head.hash, ChainBreak(
            count + 1, None, f"the chain head records {head.seq} events but the table ends "
                             f"at #{count}: rows were removed from the end"))
    return ChainReport(count, head.seq, head.hash, None)


_EVENT_COLUMNS = (AuditEvent.id, AuditEvent.seq, AuditEvent.at, AuditEvent.actor,
                  AuditEvent.action, AuditEvent.subject, AuditEvent.details,
                  AuditEvent.prev_hash, AuditEvent.hash)


def _events(session: Session, batch: int) -> Iterator[Any]:
    last = 0
    while True:
        rows = session.execute(select(*_EVENT_COLUMNS).where(AuditEvent.seq > last)
                               .order_by(AuditEvent.seq).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].seq


def list_events(session: Session, *, councils: Collection[str] | None = None,
                subject: str | None = None, action: str | None = None,
                limit: int = 100) -> list[AuditEvent]:
    """The latest events, newest first; only those about ``councils`` unless that is None
    (every event, service-wide ones too)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(min(limit, 1000))
    if councils is not None:
        query = query.where(AuditEvent.council_id.in_(list(councils)))
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))
