"""Issue a certificate type to every eligible registrant of a council (``issuer issue-bulk``).

Each certificate goes through the normal issuance function (``service.issue``), so every rule
that refuses one (registration not current, not permanent, and whatever the register adds)
applies; a refusal is listed with its code, not fatal.

**Which registrations are due.** A run has a name (``run``); each certificate it issues is
recorded in ``bulk_issued`` (run, type, registration: the primary key), in the same transaction,
and a registration is due while the run has no such row for it. With ``only_missing`` a
registration that already holds a valid (active or suspended, not expired) certificate of the
type is not due either. Re-running a run therefore issues only to those it has not reached: it
is resumable and idempotent. (A table rather than an idempotency key per certificate: the key's
look-up and SAVEPOINT cost three of the six statements a certificate took; one multi-row
``INSERT`` a batch costs nothing per certificate, and its primary key is the guarantee.)

**Several processes at once.** Work is claimed a batch at a time, in id order: ``SELECT … FOR
UPDATE SKIP LOCKED`` on PostgreSQL, so two processes take disjoint batches without waiting for
each other. After the lock is taken, the batch is checked again for being due by a new
statement, which under READ COMMITTED sees every certificate committed so far: a registration
another process issued to and committed between the first ``SELECT`` and the lock is dropped, so
nobody is issued twice. SQLite has one writer at a time (``BEGIN IMMEDIATE``), so processes there
take turns batch by batch, and the same re-check keeps them exact; run one.

**No lock held across a batch that another process needs.** The batch's status-list positions
are reserved first, in a transaction of their own (``allocation.reserve``), instead of one
``UPDATE`` of the council's list row per certificate, which would lock that row until the batch
commits. The batch's audit events are chained at its end (``audit.batched``), so the chain-head
lock is held for the last few milliseconds of each batch, not all of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from issuer.audit import service as audit
from issuer.auth.service import Staff
from issuer.credentials.models import BulkIssued, IssuedCredential
from issuer.credentials.service import IssueContext, IssueRequest, issue_in
from issuer.registry.models import Registration
from issuer.status import allocation
from schemas.errors import Forbidden, InvalidRequest

VALID_STATES = ("active", "suspended")


@dataclass(frozen=True)
class BulkRun:
    council_id: str
    certificate_type: str
    run: str
    only_missing: bool = False
    batch_size: int = 100


@dataclass(frozen=True)
class Refusal:
    registration_number: str
    code: str
    detail: str


@dataclass
class BulkTotals:
    issued: int = 0
    refused: list[Refusal] = field(default_factory=list)
    issued_numbers: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.issued + len(self.refused)


def due_filter(run: BulkRun, now: datetime) -> Any:
    """The SQL condition under which a registration is still due in ``run``."""
    credential = IssuedCredential
    condition = ~exists().where(BulkIssued.run == run.run,
                                BulkIssued.certificate_type == run.certificate_type,
                                BulkIssued.registration_id == Registration.id)
    if run.only_missing:
        holds = exists().where(credential.registration_id == Registration.id,
                               credential.certificate_type == run.certificate_type,
                               credential.state.in_(VALID_STATES),
                               credential.valid_until > now.astimezone(UTC))
        condition = condition & ~holds
    return (Registration.council_id == run.council_id) & condition


def count_due(session: Session, run: BulkRun, *, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Registration)
                          .where(due_filter(run, now))) or 0


def claim(session: Session, run: BulkRun, *, after: int, now: datetime
          ) -> tuple[int | None, list[Registration]]:
    """The next batch of due registrations after id ``after``, locked for this transaction
    (others skip them), re-checked, with their professionals loaded (one more ``SELECT``); and
    the last id claimed (None: nothing left to claim)."""
    query = (select(Registration.id).where(due_filter(run, now), Registration.id > after)
             .order_by(Registration.id).limit(run.batch_size))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Registration)
    ids = list(session.scalars(query))
    if not ids:
        return None, []
    return ids[-1], list(session.scalars(select(Registration).where(
        Registration.id.in_(ids), due_filter(run, now)).order_by(Registration.id)).unique())


def issue_batch(session: Session, context: IssueContext, run: BulkRun,
                registrations: list[Registration], *, staff: Staff, now: datetime,
                totals: BulkTotals) -> list[IssuedCredential]:
    """Issue to each of ``registrations`` in the caller's transaction; list the refusals.
    Returns the certificates issued."""
    issued = []
    with audit.batched(session):
        for registration in registrations:
            request = IssueRequest(registration.id, run.certificate_type)
            try:
                row = issue_in(context, session, request, staff=staff, now=now)
            except Forbidden:
                raise
            except InvalidRequest as err:  # refused before anything was written
                totals.refused.append(Refusal(registration.registration_number, err.code,
                                              err.detail))
                continue
            totals.issued += 1
            totals.issued_numbers.append(row.certificate_number)
            issued.append(row)
    if issued:
        session.execute(insert(BulkIssued), [
            {"run": run.run, "certificate_type": run.certificate_type,
             "registration_id": row.registration_id, "credential_id": row.id}
            for row in issued])
    return issued


def run_bulk(sessions: sessionmaker[Session], run: BulkRun, *, staff: Staff,
             context_of: Callable[[Session], IssueContext], now: Callable[[], datetime],
             on_batch: Callable[[BulkTotals], None] = lambda _t: None,
             after_commit: Callable[[list[IssuedCredential]], None] = lambda _rows: None
             ) -> BulkTotals:
    """Claim, issue and commit batch after batch until no due registration is left unclaimed.
    A refused registration stays due (a later run may issue once it is eligible), so the
    cursor, not the filter, moves this run past it. ``after_commit`` gets each batch's
    certificates once they are committed (to write their PDFs, say)."""
    totals, after = BulkTotals(), 0
    while True:
        with sessions.begin() as session:
            last, batch = claim(session, run, after=after, now=now())
            if last is None:
                return totals
            context = context_of(session)
            positions: list[tuple[int, int]] = []
            if batch and session.get_bind().dialect.name == "postgresql":
                # SQLite: one writer at a time, and this batch's transaction holds the lock a
                # second transaction would wait for; there ``allocate`` takes them one by one.
                positions = allocation.reserve(sessions, council_id=run.council_id,
                                               count=len(batch),
                                               size=context.status_list_entries, now=now())
            with allocation.reserved(session, run.council_id, positions):
                issued = issue_batch(session, context, run, batch, staff=staff, now=now(),
                                     totals=totals)
        after = last
        after_commit(issued)
        on_batch(totals)
