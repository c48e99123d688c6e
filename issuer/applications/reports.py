"""How long applications wait (staff), and public aggregate statistics.

Months and days are counted in India time, where the councils work (UTC+05:30, no daylight
saving). Both reports are computed in the database: counts with ``GROUP BY``, each median by
counting the rows and reading only the middle one or two (``ORDER BY … OFFSET``), so the cost
does not grow with a Python loop over every certificate or application; the public one is also
cacheable for five minutes. Medians are of durations rounded to hundredths of an hour, exactly as
the figures were computed before they moved into SQL (``tests/issuer/applications``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from issuer.applications.models import Application
from issuer.applications.service import APPROVED, COUNCILS_MOVE, QUERIED, REJECTED
from issuer.auth.service import ALL_COUNCILS, Staff
from issuer.credentials.models import IssuedCredential
from schemas.credential import INDIA
from schemas.registry import Registry

INDIA_OFFSET_MINUTES = 330
A = Application


@dataclass(frozen=True)
class CouncilSla:
    council: str
    waiting: int
    """Applications in which the council has the next move."""
    oldest_wait_hours: float | None
    median_wait_hours: float | None
    with_applicant: int
    """Applications waiting for the applicant's answer (not the council's time)."""
    decided_30_days: int
    median_processing_hours_30_days: float | None


def sla(session: Session, staff: Staff, *, registry: Registry, now: datetime) -> list[CouncilSla]:
    staff.require("review")
    councils = sorted(registry.councils) if ALL_COUNCILS in staff.councils \
        else sorted(staff.councils)
    recent = A.decided_at.is_(None) | (A.decided_at > now - timedelta(days=30))
    waiting = A.state.in_(COUNCILS_MOVE) & A.waiting_since.is_not(None)
    done = A.state.in_((APPROVED, REJECTED)) & A.decided_at.is_not(None)
    counts = {row.council_id: row for row in session.execute(
        select(A.council_id, _count(waiting).label("waiting"),
               func.min(case((waiting, A.waiting_since))).label("longest"),
               _count(A.state == QUERIED).label("queried"), _count(done).label("done"))
        .where(A.council_id.in_(councils), recent).group_by(A.council_id))}
    report = []
    for council in councils:
        row = counts.get(council)
        if row is None:
            report.append(CouncilSla(council, 0, None, None, 0, 0, None))
            continue
        mine = recent & (A.council_id == council)
        report.append(CouncilSla(
            council=council, waiting=row.waiting,
            oldest_wait_hours=_hours(now - row.longest) if row.longest else None,
            median_wait_hours=_median(session, row.waiting, A.waiting_since, now,
                                      mine & waiting),
            with_applicant=row.queried, decided_30_days=row.done,
            median_processing_hours_30_days=_median(
                session, row.done, A.submitted_at, A.decided_at, mine & done)))
    return report


@dataclass
class ClosedMonths:
    """The per-month certificate counts of months that have ended, in India time: they never
    change (a certificate's ``issued_at`` is fixed when it is issued and rows are never
    deleted), so a process counts them once, adds each month as it closes, and afterwards
    counts only the current month, a range of the ``issued_at`` index. One per process
    (``IssuerState.closed_months``); at a million certificates the full count takes seconds,
    the current month milliseconds."""

    through: datetime | None = None
    """Counted: everything issued before this instant (the start of an India month)."""
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def upto(self, session: Session, month_start: datetime) -> dict[tuple[str, str, str], int]:
        with self.lock:
            if self.through is None or self.through < month_start:
                for key, n in _issued(session, since=self.through, before=month_start):
                    self.counts[key] = self.counts.get(key, 0) + n
                self.through = month_start
            return dict(self.counts)


def public_stats(session: Session, *, now: datetime, closed: ClosedMonths | None = None
                 ) -> dict[str, object]:
    """Certificates issued per council, type and month; median processing time of approved
    applications (submission to approval), overall and per council. No personal data.
    With ``closed``, ended months come from it and only the current month is counted."""
    if closed is None:
        counts = dict(_issued(session))
    else:
        month_start = _india_month_start(now)
        counts = closed.upto(session, month_start)
        for key, n in _issued(session, since=month_start):
            counts[key] = counts.get(key, 0) + n
    approved = (A.state == APPROVED) & A.decided_at.is_not(None)
    per_council = dict(session.execute(select(A.council_id, func.count()).where(approved)
                                       .group_by(A.council_id).order_by(A.council_id)).all())
    total = sum(per_council.values())
    return {
        "generated_at": now.isoformat(timespec="seconds"),
        "certificates_issued": [{"council": c, "type": t, "month": m, "count": n}
                                for (c, t, m), n in sorted(counts.items())],
        "processing": {
            "approved": total,
            "median_hours": _median(session, total, A.submitted_at, A.decided_at, approved),
            "by_council": {c: {"approved": n, "median_hours": _median(
                session, n, A.submitted_at, A.decided_at, approved & (A.council_id == c))}
                for c, n in per_council.items()}},
    }


def _issued(session: Session, *, since: datetime | None = None, before: datetime | None = None
            ) -> list[tuple[tuple[str, str, str], int]]:
    credential = IssuedCredential
    month = _india_month(session, credential.issued_at).label("month")
    query = select(credential.council_id, credential.certificate_type, month, func.count())
    if since is not None:
        query = query.where(credential.issued_at >= since)
    if before is not None:
        query = query.where(credential.issued_at < before)
    rows = session.execute(query.group_by(credential.council_id, credential.certificate_type,
                                          month)).all()
    return [((c, t, m), n) for c, t, m, n in rows]


def _india_month_start(now: datetime) -> datetime:
    local = now.astimezone(INDIA)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _median(session: Session, count: int, start: Any, end: Any,
            where: ColumnElement[bool]) -> float | None:
    """The median of ``end - start`` in hours over the ``count`` rows matching ``where``
    (``end`` a column, or a fixed time), reading only the middle row (odd count) or two (even)
    in order of the duration."""
    if not count:
        return None
    fixed_end = isinstance(end, datetime)
    if fixed_end:  # now - column: ordering by the column orders the durations
        query, order = select(start), start
    else:
        query = select(start, end)
        order = (func.julianday(end) - func.julianday(start)
                 if session.get_bind().dialect.name == "sqlite" else end - start)
    rows = session.execute(query.where(where).order_by(order)
                           .offset((count - 1) // 2).limit(2 - count % 2)).all()
    values = [_hours((end if fixed_end else r[1]) - r[0]) for r in rows]
    return round(median(values), 2)


def _india_month(session: Session, column: Any) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column, f"+{INDIA_OFFSET_MINUTES} minutes")
    return func.to_char(func.timezone("Asia/Kolkata", column), "YYYY-MM")


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)
