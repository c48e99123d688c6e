"""The reports as they were computed before they moved into SQL (``issuer.applications.reports``),
kept verbatim as the reference the SQL figures must equal: each reads every row and aggregates
in Python."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.applications.models import Application
from issuer.applications.reports import CouncilSla
from issuer.applications.service import APPROVED, COUNCILS_MOVE, QUERIED, REJECTED
from issuer.auth.service import ALL_COUNCILS, Staff
from issuer.credentials.models import IssuedCredential
from schemas.credential import INDIA
from schemas.registry import Registry


def sla(session: Session, staff: Staff, *, registry: Registry, now: datetime) -> list[CouncilSla]:
    staff.require("review")
    councils = sorted(registry.councils) if ALL_COUNCILS in staff.councils \
        else sorted(staff.councils)
    rows = session.execute(select(
        Application.council_id, Application.state, Application.submitted_at,
        Application.waiting_since, Application.decided_at).where(
        Application.council_id.in_(councils),
        (Application.decided_at.is_(None)) | (Application.decided_at > now - timedelta(days=30))
    )).all()
    report = []
    for council in councils:
        mine = [r for r in rows if r.council_id == council]
        waits = [_hours(now - r.waiting_since) for r in mine
                 if r.state in COUNCILS_MOVE and r.waiting_since is not None]
        done = [_hours(r.decided_at - r.submitted_at) for r in mine
                if r.state in (APPROVED, REJECTED) and r.decided_at is not None]
        report.append(CouncilSla(
            council=council, waiting=len(waits), oldest_wait_hours=max(waits, default=None),
            median_wait_hours=_median(waits),
            with_applicant=sum(1 for r in mine if r.state == QUERIED),
            decided_30_days=len(done), median_processing_hours_30_days=_median(done)))
    return report


def public_stats(session: Session, *, now: datetime) -> dict[str, object]:
    """Certificates issued per council, type and month; median processing time of approved
    applications (submission to approval), overall and per council. No personal data."""
    issued: Counter[tuple[str, str, str]] = Counter()
    for council, cert_type, at in session.execute(select(
            IssuedCredential.council_id, IssuedCredential.certificate_type,
            IssuedCredential.issued_at)):
        issued[(council, cert_type, at.astimezone(INDIA).strftime("%Y-%m"))] += 1
    durations: dict[str, list[float]] = defaultdict(list)
    for council, submitted, decided in session.execute(select(
            Application.council_id, Application.submitted_at, Application.decided_at)
            .where(Application.state == APPROVED, Application.decided_at.is_not(None))):
        durations[council].append(_hours(decided - submitted))  # type: ignore[operator]
    everything = [d for values in durations.values() for d in values]
    return {
        "generated_at": now.isoformat(timespec="seconds"),
        "certificates_issued": [
            {"council": c, "type": t, "month": m, "count": n}
            for (c, t, m), n in sorted(issued.items())],
        "processing": {
            "approved": len(everything), "median_hours": _median(everything),
            "by_council": {c: {"approved": len(v), "median_hours": _median(v)}
                           for c, v in sorted(durations.items())}},
    }


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


def _median(values: list[float]) -> float | None:
    return round(median(values), 2) if values else None
