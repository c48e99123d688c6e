"""Bring a council's existing register in, in batches (``issuer register import``).

Each batch is one transaction: one ``SELECT`` of the batch's registration numbers already on the
register, one multi-row ``INSERT … RETURNING`` of the new professionals, one of their
registrations, an ``UPDATE`` per changed row, and **one audit event for the batch** naming every
number it created or changed (what changed, field by field). One event a batch rather than a row
keeps the audit chain's single head row out of the way of a 100,000-row import, and
``issuer audit verify`` still checks every event exactly.

Idempotent on (council, registration number): a row equal to what the register holds is skipped
without a write, so a second run of the same file changes nothing, and a run stopped by Ctrl-C
or a crash loses at most its open batch: running the same command again skips the committed
batches cheaply (one ``SELECT`` each) and carries on. A row whose values differ from the
register's is reported field by field before it is applied; ``dry_run`` reports and rolls back.

The register is the source of truth for certificates (``docs/register.md``): a row that would
change the particulars of a registration holding live certificates is not applied but rejected,
naming the ``issuer registrations`` command that changes it and re-issues them, so no certificate
is left saying what the register no longer says. New registrations get their renewal date as
``issuer register`` gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any, cast

from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from issuer.audit import service as audit
from issuer.credentials.models import IssuedCredential
from issuer.registry.inputs import RegistrantIn
from issuer.registry.models import Professional, Registration
from issuer.registry.rows import Accepted, Rejected, Row
from issuer.status.service import REVOKED

_PEOPLE = cast(Table, Professional.__table__)
_REGS = cast(Table, Registration.__table__)
_CREDENTIALS = cast(Table, IssuedCredential.__table__)
HOLDS_CERTIFICATES = ("holds live certificates: change it with 'issuer registrations correct' "
                      "(or renew, make-permanent), which re-issues them")
FIRST_ANALYZE = 2000
IMPORTED = "registration.imported"
"""The audit action of one committed batch."""


@dataclass(frozen=True)
class Change:
    line: int
    registration_number: str
    fields: dict[str, tuple[Any, Any]]
    """field -> (on the register, in the file)."""


@dataclass
class ImportTotals:
    rows: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    last_line: int = 0
    """The last line of the last committed (or, dry, planned) batch."""


@dataclass(frozen=True)
class BatchPlan:
    new: list[Accepted]
    changes: list[tuple[Accepted, Change, int, int]]
    """(row, change, registration id, professional id)."""
    unchanged: int
    held: list[Rejected] = field(default_factory=list)
    """Changes not applied: the registration holds live certificates (``HOLDS_CERTIFICATES``)."""


def run_import(sessions: sessionmaker[Session], rows: Iterable[Row], *, council_id: str,
               actor: str, now: datetime, batch_size: int = 1000, dry_run: bool = False,
               renewal_due: Callable[[date], date | None] = lambda _start: None,
               on_change: Callable[[Change], None] = lambda _c: None,
               on_batch: Callable[[ImportTotals], None] = lambda _t: None) -> ImportTotals:
    """Import ``rows`` batch by batch, each batch committed on its own (rolled back when
    ``dry_run``). ``on_change`` hears of each changed row before its batch commits; ``on_batch``
    after each batch, with the running totals."""
    totals = ImportTotals()
    first_line: dict[str, int] = {}
    next_analyze = FIRST_ANALYZE
    for batch in _batches(rows, batch_size):
        accepted = []
        for row in batch:
            totals.rows += 1
            if isinstance(row, Rejected):
                totals.rejected.append(row)
                continue
            number = row.registrant.registration.registration_number
            if number in first_line:
                totals.rejected.append(Rejected(row.line, number, (
                    f"registration number repeated from line {first_line[number]}")))
                continue
            first_line[number] = row.line
            accepted.append(row)
        with sessions() as session:
            plan = plan_batch(session, accepted, council_id=council_id, now=now)
            totals.rejected.extend(plan.held)
            for _row, change, _rid, _pid in plan.changes:
                on_change(change)
            if not dry_run:
                apply_batch(session, plan, council_id=council_id, actor=actor, now=now,
                            renewal_due=renewal_due)
                session.commit()
                if totals.created + len(plan.new) >= next_analyze:
                    next_analyze = _analyze(session, next_analyze)
        totals.created += len(plan.new)
        totals.changed += len(plan.changes)
        totals.unchanged += plan.unchanged
        totals.last_line = batch[-1].line
        on_batch(totals)
    return totals


def _analyze(session: Session, due: int) -> int:
    """Refresh PostgreSQL's statistics of the growing tables (``ANALYZE``, as its manual advises
    after a bulk load), at 2,000 rows created and each time four times as many again. Without
    it the batches' look-ups were planned for the nearly empty tables of the first batches and
    slowed down to seconds each until autovacuum happened to analyze them (a 100,000-row import
    took 35 s or 140 s depending on when). Returns when to do it next."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE registrations, professionals"))
        session.commit()
    return due * 4


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def plan_batch(session: Session, rows: list[Accepted], *, council_id: str,
               now: datetime) -> BatchPlan:
    """What applying ``rows`` would do: one ``SELECT`` of those already on the register, and
    one of those of them holding live certificates."""
    numbers = [r.registrant.registration.registration_number for r in rows]
    existing = _existing(session, council_id, numbers) if numbers else {}
    new: list[Accepted] = []
    changes: list[tuple[Accepted, Change, int, int]] = []
    unchanged = 0
    for row in rows:
        held = existing.get(row.registrant.registration.registration_number)
        if held is None:
            new.append(row)
            continue
        diff = _differences(held, row.registrant)
        if not diff:
            unchanged += 1
            continue
        change = Change(row.line, row.registrant.registration.registration_number, diff)
        changes.append((row, change, held["id"], held["person_id"]))
    certified = _with_live_certificates(session, [rid for _r, _c, rid, _p in changes], now)
    kept_back = [Rejected(c.line, c.registration_number, HOLDS_CERTIFICATES)
                 for _r, c, rid, _p in changes if rid in certified]
    changes = [c for c in changes if c[2] not in certified]
    return BatchPlan(new, changes, unchanged, kept_back)


def _with_live_certificates(session: Session, registration_ids: list[int],
                            now: datetime) -> set[int]:
    """Those of ``registration_ids`` with a certificate neither revoked nor expired."""
    if not registration_ids:
        return set()
    return set(session.execute(select(_CREDENTIALS.c.registration_id).distinct().where(
        _CREDENTIALS.c.registration_id.in_(registration_ids),
        _CREDENTIALS.c.state != REVOKED, _CREDENTIALS.c.valid_until > now)).scalars())


def _existing(session: Session, council_id: str, numbers: list[str]) -> dict[str, Any]:
    """The batch's registrations already on the register, each with its professional's
    fields, by registration number. Two index look-ups rather than a join: during an import
    the tables grow faster than PostgreSQL's statistics, and a join planned for tables it
    believes tiny (a nested loop over a sequential scan) grew to a second per batch."""
    registrations = session.execute(select(_REGS).where(
        _REGS.c.council_id == council_id, _REGS.c.registration_number.in_(numbers))
    ).mappings().all()
    if not registrations:
        return {}
    people = {p["id"]: p for p in session.execute(select(_PEOPLE).where(
        _PEOPLE.c.id.in_([r["professional_id"] for r in registrations]))).mappings()}
    return {r["registration_number"]: {
        **{k: v for k, v in people[r["professional_id"]].items() if k not in ("id", "created_at")},
        **r, "person_id": r["professional_id"]} for r in registrations}


def _person_values(registrant: RegistrantIn) -> dict[str, Any]:
    return registrant.professional.model_dump()


def _registration_values(registrant: RegistrantIn) -> dict[str, Any]:
    data = registrant.registration.model_dump(exclude={"qualifications", "council_id"})
    data["qualifications"] = [q.model_dump(exclude_none=True)
                              for q in registrant.registration.qualifications]
    return data


def _differences(held: Any, registrant: RegistrantIn) -> dict[str, tuple[Any, Any]]:
    wanted = _person_values(registrant) | _registration_values(registrant)
    return {name: (_plain(held[name]), _plain(value)) for name, value in wanted.items()
            if _comparable(held[name]) != _comparable(value)}


def _comparable(value: Any) -> Any:
    if isinstance(value, list):  # qualifications: the year may come back as a string from JSON
        return [{k: str(v) for k, v in item.items()} for item in value]
    return value


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def apply_batch(session: Session, plan: BatchPlan, *, council_id: str, actor: str,
                now: datetime,
                renewal_due: Callable[[date], date | None] = lambda _start: None) -> None:
    """Write ``plan`` in the caller's transaction, and audit it as one event."""
    connection = session.connection()
    if plan.new:
        person_ids = connection.execute(
            insert(_PEOPLE).returning(_PEOPLE.c.id, sort_by_parameter_order=True),
            [_person_values(r.registrant) | {"created_at": now} for r in plan.new]
        ).scalars().all()
        connection.execute(insert(_REGS), [
            _registration_values(r.registrant) | {
                "professional_id": pid, "council_id": council_id, "created_at": now,
                "renewal_due": renewal_due(r.registrant.registration.valid_from)}
            for r, pid in zip(plan.new, person_ids, strict=True)])
    for row, _change, registration_id, person_id in plan.changes:
        connection.execute(update(_PEOPLE).where(_PEOPLE.c.id == person_id)
                           .values(**_person_values(row.registrant)))
        connection.execute(update(_REGS).where(_REGS.c.id == registration_id)
                           .values(**_registration_values(row.registrant)))
    if plan.new or plan.changes:
        audit.record(session, actor=actor, action=IMPORTED, now=now,
                     subject=f"register:{council_id}", council=council_id, details={
                         "council": council_id,
                         "created": [r.registrant.registration.registration_number
                                     for r in plan.new],
                         "changed": {c.registration_number: sorted(c.fields)
                                     for _r, c, _i, _p in plan.changes}})
        session.flush()
