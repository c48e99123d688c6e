"""``issuer register import``: rows validated with their line numbers, batches committed one by
one, idempotent on (council, registration number), changes reported (and with a dry run only
reported), resumable after a crash. On SQLite and PostgreSQL (the ``sessions`` fixture)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from issuer.audit import service as audit
from issuer.audit.models import AuditEvent
from issuer.registry import rows as source
from issuer.registry import service as register
from issuer.registry.imports import HOLDS_CERTIFICATES, IMPORTED, ImportTotals, run_import
from issuer.registry.models import Professional, Registration
from schemas.registry import Registry
from tests.clock import NOW
from tests.conftest import PASSPHRASE

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
HEADER = ["registration_number", "name", "name_hi", "father_name", "registration_date",
          "registration_type", "valid_from", "valid_until", "email", "degree", "university",
          "year", "degree_2", "university_2", "year_2"]


def row(n: int, **overrides: str) -> dict[str, str]:
    values = {"registration_number": f"HMC/IMP/{n:06d}", "name": f"Dr. Person {n}",
              "name_hi": "", "father_name": f"Father {n}", "registration_date": "2010-01-05",
              "registration_type": "permanent", "valid_from": "2024-01-05",
              "valid_until": "2029-01-04", "email": f"p{n}@example.org", "degree": "MBBS",
              "university": "Maharshi Dayanand University", "year": "2009", "degree_2": "",
              "university_2": "", "year_2": ""}
    return values | overrides


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


Importer = Callable[..., ImportTotals]


@pytest.fixture
def do_import(sessions: sessionmaker[Session], registry: Registry) -> Importer:
    def _run(path: Path, **kwargs: Any) -> ImportTotals:
        fmt = source.format_of(path, None)
        rows = source.read_rows(path, council=registry.council("hmc"), fmt=fmt)
        return run_import(sessions, rows, council_id="hmc", actor="test", now=NOW,
                          batch_size=kwargs.pop("batch_size", 3), **kwargs)
    return _run


def _numbers(session: Session) -> list[str]:
    return sorted(session.scalars(select(Registration.registration_number)
                                  .where(Registration.registration_number.like("HMC/IMP/%"))))


def _import_events(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == IMPORTED)
                                .order_by(AuditEvent.seq)))


def test_a_valid_file_is_imported_in_audited_batches(do_import: Importer, session: Session,
                                                     tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [row(n) for n in range(1, 8)]
                     + [row(8, degree_2="MD", university_2="PGIMS Rohtak", year_2="2013")])
    totals = do_import(path)
    assert (totals.rows, totals.created, totals.rejected) == (8, 8, [])
    assert _numbers(session) == [f"HMC/IMP/{n:06d}" for n in range(1, 9)]
    events = _import_events(session)
    assert [len(e.details["created"]) for e in events] == [3, 3, 2]  # one event a batch
    assert audit.verify_chain(session).ok
    eighth = session.scalars(select(Registration).where(
        Registration.registration_number == "HMC/IMP/000008")).one()
    assert [q["degree"] for q in eighth.qualifications] == ["MBBS", "MD"]
    assert eighth.professional.email == "p8@example.org"


def test_bad_rows_are_rejected_with_line_numbers_and_reasons(do_import: Importer,
                                                             session: Session,
                                                             tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [
        row(1),                                              # line 2
        row(2, valid_from="2024-13-40"),                     # line 3: not a date
        row(3, name="Dr. \u0416ukov"),                       # line 4: Cyrillic, unprintable
        row(4, valid_until="2020-01-01"),                    # line 5: window backwards
        row(1, name="Dr. Again"),                            # line 6: repeated number
        row(6, registration_type="honorary"),                # line 7
        row(7, email="not-an-address"),                      # line 8
    ])
    totals = do_import(path)
    assert totals.created == 1
    reasons = {r.line: r.reason for r in totals.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert reasons[3].startswith("valid_from:")
    assert "professional.name" in reasons[4]
    assert "valid_until is before valid_from" in reasons[5]
    assert reasons[6] == "registration number repeated from line 2"
    assert reasons[7].startswith("registration_type:")
    assert reasons[8].startswith("email:")
    assert [r.registration_number for r in totals.rejected][:1] == ["HMC/IMP/000002"]
    assert _numbers(session) == ["HMC/IMP/000001"]


def test_a_row_of_another_council_is_rejected(do_import: Importer, tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [{"professional": {"name": "A", "father_name": "B"},
              "registration": {"council_id": "hdc", "registration_number": "X1"}},
             "[1, 2]", "{not json"]
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
                    "utf-8")
    totals = do_import(path)
    assert [(r.line, r.reason[:14]) for r in totals.rejected] == [
        (1, "council_id is "), (2, "not a JSON obj"), (3, "not JSON: Expe")]


def test_a_second_run_of_the_same_file_changes_nothing(do_import: Importer, session: Session,
                                                       tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [row(n) for n in range(1, 6)])
    do_import(path)
    events = len(_import_events(session))
    again = do_import(path)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 5)
    assert len(_import_events(session)) == events  # nothing written, nothing audited
    assert len(_numbers(session)) == 5


def test_changed_rows_are_reported_then_applied_and_a_dry_run_only_reports(
        do_import: Importer, session: Session, tmp_path: Path) -> None:
    do_import(write_csv(tmp_path / "r.csv", [row(n) for n in range(1, 5)]))
    changed = write_csv(tmp_path / "c.csv", [
        row(1), row(2, email="new@example.org"), row(3, valid_until="2031-01-04"), row(4), row(5)])
    heard: list[Any] = []
    dry = do_import(changed, dry_run=True, on_change=heard.append)
    assert (dry.created, dry.changed, dry.unchanged) == (1, 2, 2)
    assert [(c.line, c.registration_number, c.fields) for c in heard] == [
        (3, "HMC/IMP/000002", {"email": ("p2@example.org", "new@example.org")}),
        (4, "HMC/IMP/000003", {"valid_until": ("2029-01-04", "2031-01-04")})]
    assert len(_numbers(session)) == 4  # the dry run wrote nothing
    before = len(_import_events(session))
    heard.clear()
    applied = do_import(changed, on_change=heard.append)
    assert (applied.created, applied.changed) == (1, 2) and len(heard) == 2
    second = session.scalars(select(Registration).where(
        Registration.registration_number == "HMC/IMP/000002")).one()
    session.refresh(second.professional)
    assert second.professional.email == "new@example.org"
    events = _import_events(session)[before:]
    assert events[0].details["changed"] == {"HMC/IMP/000002": ["email"],
                                            "HMC/IMP/000003": ["valid_until"]}
    assert audit.verify_chain(session).ok


def test_a_change_to_a_certified_registration_is_kept_back_for_the_register_commands(
        do_import: Importer, session: Session, client: TestClient, auth: dict[str, str],
        tmp_path: Path) -> None:
    """The register is the source of truth for certificates: an import may not change what a
    live certificate says behind its back (``issuer registrations correct`` re-issues it)."""
    do_import(write_csv(tmp_path / "r.csv", [row(1), row(2)]))
    first = session.scalars(select(Registration).where(
        Registration.registration_number == "HMC/IMP/000001")).one()
    issued = client.post(f"/registrations/{first.id}/certificates", headers=auth,
                         json={"type": "registration"})
    assert issued.status_code == 201, issued.text
    totals = do_import(write_csv(tmp_path / "c.csv", [row(1, name="Dr. Renamed One"),
                                                      row(2, name="Dr. Renamed Two")]))
    assert totals.changed == 1
    assert [(r.line, r.registration_number, r.reason) for r in totals.rejected] == [
        (2, "HMC/IMP/000001", HOLDS_CERTIFICATES)]
    names = dict(session.execute(select(Registration.registration_number, Professional.name)
                                 .join(Professional)
                                 .where(Registration.registration_number.like("HMC/IMP/%"))
                                 .execution_options(populate_existing=True)).all())
    assert names == {"HMC/IMP/000001": "Dr. Person 1", "HMC/IMP/000002": "Dr. Renamed Two"}


def test_a_profession_that_renews_gets_its_renewal_date(
        sessions: sessionmaker[Session], session: Session, registry: Registry,
        tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [row(1, registration_number="HPC/IMP/000001",
                                              valid_from="2024-01-05")])
    rows = source.read_rows(path, council=registry.council("hpc"), fmt="csv")
    totals = run_import(sessions, rows, council_id="hpc", actor="test", now=NOW,
                        renewal_due=lambda start: register.renewal_due(registry, "hpc", start))
    assert (totals.created, totals.rejected) == (1, [])
    imported = session.scalars(select(Registration).where(
        Registration.registration_number == "HPC/IMP/000001")).one()
    assert (imported.state, imported.renewal_due) == ("active", date(2029, 1, 5))  # P5Y


class Crash(Exception):
    pass


def test_an_import_that_crashes_half_way_resumes_where_it_stopped(
        do_import: Importer, session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [row(n) for n in range(1, 11)])

    def crash_after_second_batch(totals: ImportTotals) -> None:
        if totals.rows >= 6:
            raise Crash

    with pytest.raises(Crash):
        do_import(path, on_batch=crash_after_second_batch)
    assert len(_numbers(session)) == 6  # two committed batches survive the crash
    resumed = do_import(path)
    assert (resumed.unchanged, resumed.created) == (6, 4)
    assert _numbers(session) == [f"HMC/IMP/{n:06d}" for n in range(1, 11)]
    assert session.scalar(select(func.count()).select_from(Registration).where(
        Registration.registration_number.like("HMC/IMP/%"))) == 10
    assert audit.verify_chain(session).ok


def test_an_unknown_column_refuses_the_file(do_import: Importer, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("registration_number,nmae\nX,Y\n", "utf-8")
    with pytest.raises(Exception, match="unknown column"):
        do_import(path)


def test_the_sample_files_import_cleanly(do_import: Importer) -> None:
    for name in ("hmc-register.csv", "hmc-register.jsonl"):
        totals = do_import(EXAMPLES / name)
        assert totals.rejected == [], name


def test_the_command_imports_reports_rejects_and_progress(tmp_path: Path) -> None:
    env = {**os.environ, "PRAMAAN_ENV": "test", "PRAMAAN_KEY_PASSPHRASE": PASSPHRASE,
           "PRAMAAN_KEY_KDF_COST": "10", "PRAMAAN_HOME": str(tmp_path)}

    def issuer(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "issuer.cli", *args], env=env, text=True,
                              capture_output=True, timeout=60, check=False, cwd=tmp_path)

    assert issuer("init").returncode == 0
    token = issuer("tokens", "create", "--name", "imp", "--role", "registrar",
                   "--council", "hmc").stdout.splitlines()[-1]
    path = write_csv(tmp_path / "r.csv", [row(1), row(2, year="1700"), row(3)])
    done = issuer("register", "import", str(path), "--council", "hmc", "--token", token,
                  "--rejects", str(tmp_path / "rejects.csv"))
    assert done.returncode == 0, done.stderr
    assert "imported 3 rows for hmc: 2 new, 0 changed, 0 unchanged, 1 rejected" in done.stdout
    assert "3/3 rows (100%)" in done.stderr and "rows/s" in done.stderr
    with (tmp_path / "rejects.csv").open(encoding="utf-8") as handle:
        rejects = list(csv.DictReader(handle))
    assert [(r["line"], r["registration_number"]) for r in rejects] == [("3", "HMC/IMP/000002")]
    assert rejects[0]["reason"].startswith("qualifications.0.year:")
    viewer = issuer("tokens", "create", "--name", "v", "--role", "viewer",
                    "--council", "hmc").stdout.splitlines()[-1]
    refused = issuer("register", "import", str(path), "--council", "hmc", "--token", viewer)
    assert refused.returncode == 2 and "may not register" in refused.stderr
    assert "audit chain intact" in issuer("audit", "verify").stdout


@pytest.mark.parametrize("details", [{}, {"b": 1, "a": ["ü", None, 2.5, True]},
                                     {"nested": {"z": "\u2028\"\\", "y": [{"k": "हि"}]}}])
def test_the_canonical_form_is_json_dumps_with_sorted_keys(details: dict[str, Any]) -> None:
    event = AuditEvent(seq=7, at=NOW, actor="staff:1:\"x\"", action="a.b", subject="s:\u00e9",
                       details=details, prev_hash="0" * 64)
    expected = json.dumps({"seq": 7, "at": NOW.isoformat(timespec="microseconds"),
                           "actor": event.actor, "action": "a.b", "subject": event.subject,
                           "details": details}, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False, default=str).encode("utf-8")
    assert audit.canonical(event) == expected
