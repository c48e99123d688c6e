"""/stats and the waiting-times view, computed in SQL, give exactly the figures the old Python
computation (``reports_in_python``) gives, on both engines, over a seeded data set that has
month boundaries in India time, odd and even counts, ties and decisions older than 30 days."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from issuer.applications import reports
from issuer.applications.models import Application
from issuer.auth.service import Staff, authenticate
from issuer.credentials.models import IssuedCredential
from issuer.registry.models import Registration
from schemas.registry import Registry
from tests.clock import NOW
from tests.issuer.applications import reports_in_python as before

STATES = ("submitted", "queried", "answered", "approved", "rejected")


def _seed(session: Session, registration_id: int, token_id: int, *, applications: int,
          certificates: int) -> None:
    """A deterministic mixture: durations from seconds to weeks, some exactly equal."""
    apps = []
    for i in range(applications):
        council = ("hmc", "hdc", "hnc")[i % 3]
        state = STATES[(i * 7) % 5]
        submitted = NOW - timedelta(days=(i * 13) % 70, seconds=(i * 7919) % 86_400)
        decided = submitted + timedelta(seconds=18 + (i * 104_729) % 900_000) \
            if state in ("approved", "rejected") else None
        if decided is not None and decided > NOW:
            decided = NOW - timedelta(seconds=i)
        waiting = None if state in ("queried", "approved", "rejected") else \
            submitted + timedelta(hours=(i % 4) * 6)
        apps.append({"registration_id": registration_id, "council_id": council, "kind": "noc",
                     "certificate_type": "noc", "details": {}, "state": state,
                     "submitted_at": submitted, "waiting_since": waiting,
                     "decided_at": decided})
    if apps:
        session.execute(insert(Application), apps)
    credentials: list[dict[str, Any]] = [{
        "certificate_number": f"RPT-{i:06d}", "credential_id": f"urn:test:{i}",
        "registration_id": registration_id, "council_id": ("hmc", "hdc")[i % 2],
        "certificate_type": ("registration", "good-standing", "noc")[i % 3], "token": "x",
        "kid": "k", "request": {}, "issued_by": token_id, "state": "active",
        # around midnight India time at month ends: 18:29 and 18:31 UTC
        "issued_at": NOW - timedelta(days=(i * 11) % 120, hours=15, minutes=29 + (i % 3)),
        "valid_from": NOW, "valid_until": NOW} for i in range(certificates)]
    if credentials:
        session.execute(insert(IssuedCredential), credentials)
    session.flush()


@pytest.mark.parametrize("applications", [0, 1, 2, 61, 240])
def test_sql_figures_equal_the_python_figures(
        session: Session, registry: Registry, token_factory: Callable[..., str],
        make_registration: Callable[..., Registration], applications: int) -> None:
    token = token_factory(role="admin", councils=("*",))
    staff = authenticate(session, f"Bearer {token}", now=NOW)
    _seed(session, make_registration().id, staff.token_id, applications=applications,
          certificates=applications * 2)
    expected = before.public_stats(session, now=NOW)
    assert reports.public_stats(session, now=NOW) == expected
    closed = reports.ClosedMonths()
    assert reports.public_stats(session, now=NOW, closed=closed) == expected
    assert reports.public_stats(session, now=NOW, closed=closed) == expected  # from the cache
    new = [asdict(r) for r in reports.sla(session, staff, registry=registry, now=NOW)]
    old = [asdict(r) for r in before.sla(session, staff, registry=registry, now=NOW)]
    assert new == old
    if applications > 60:  # the data set exercises what it is meant to
        assert any(r["median_processing_hours_30_days"] for r in new)
        assert any(r["median_wait_hours"] for r in new)
        months = {row["month"] for row in reports.public_stats(
            session, now=NOW)["certificates_issued"]}  # type: ignore[attr-defined]
        assert len(months) >= 4


def test_the_view_is_limited_to_the_councils_of_the_token(
        session: Session, registry: Registry, token_factory: Callable[..., str],
        make_registration: Callable[..., Registration]) -> None:
    _seed(session, make_registration().id,
          authenticate(session, f"Bearer {token_factory()}", now=NOW).token_id,
          applications=30, certificates=0)
    staff = Staff(token_id=0, name="r", role="registrar", councils=("hdc",))
    rows = reports.sla(session, staff, registry=registry, now=NOW)
    assert [r.council for r in rows] == ["hdc"]
    assert rows == [reports.CouncilSla(**asdict(r)) for r in
                    before.sla(session, staff, registry=registry, now=NOW)]


def test_ended_months_are_counted_once_and_a_closing_month_is_added(
        session: Session, token_factory: Callable[..., str],
        make_registration: Callable[..., Registration]) -> None:
    staff = authenticate(session, f"Bearer {token_factory()}", now=NOW)
    registration_id = make_registration().id
    _seed(session, registration_id, staff.token_id, applications=10, certificates=90)
    closed = reports.ClosedMonths()
    reports.public_stats(session, now=NOW, closed=closed)
    counted = dict(closed.counts)
    assert counted and all(month < "2026-11" for _c, _t, month in counted)
    later = NOW + timedelta(days=40)  # December: November has closed
    session.execute(insert(IssuedCredential), [{
        "certificate_number": f"LATE-{i}", "credential_id": f"urn:late:{i}",
        "registration_id": registration_id, "council_id": "hmc",
        "certificate_type": "registration", "token": "x", "kid": "k", "request": {},
        "issued_by": staff.token_id, "state": "active", "issued_at": later - timedelta(hours=i),
        "valid_from": NOW, "valid_until": NOW} for i in range(3)])
    session.flush()
    assert reports.public_stats(session, now=later, closed=closed) == \
        before.public_stats(session, now=later)
    assert closed.counts[("hmc", "registration", "2026-11")] >= 1
    assert ("hmc", "registration", "2026-12") not in closed.counts  # still open: counted live
