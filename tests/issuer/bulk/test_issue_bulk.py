"""``issuer issue-bulk``: every eligible registrant gets one certificate through the normal
issuance function, refusals are listed, a run is resumable and idempotent, and two processes on
PostgreSQL never issue to anyone twice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from issuer.audit import service as audit
from issuer.audit.models import AuditEvent
from issuer.auth.service import Staff, authenticate
from issuer.credentials.bulk import BulkRun, BulkTotals, count_due, run_bulk
from issuer.credentials.models import IssuedCredential
from issuer.outbox.models import OutboxMessage
from issuer.registry import lifecycle
from issuer.registry.models import Registration
from issuer.state import IssuerState
from issuer.status import allocation
from issuer.status.models import StatusList
from schemas.errors import RegistrationNotCurrent, RegistrationRemoved, RegistrationSuspended
from tests.clock import NOW, TestClock
from tests.conftest import PASSPHRASE
from tests.issuer.bulk.test_import import row, write_csv
from tests.live import POSTGRES_URL, fresh_database

Bulk = Callable[..., BulkTotals]


@pytest.fixture
def who(session: Session, token_factory: Callable[..., str]) -> Staff:
    return authenticate(session, f"Bearer {token_factory()}", now=NOW)


@pytest.fixture
def bulk(state: IssuerState, who: Staff) -> Bulk:
    def _run(run: str = "r1", **options: object) -> BulkTotals:
        plan = BulkRun("hmc", "registration", run, batch_size=2, **options)  # type: ignore[arg-type]
        return run_bulk(state.sessions, plan, staff=who, context_of=state.issue_context,
                        now=state.clock)
    return _run


def _credentials(session: Session) -> dict[int, int]:
    return dict(session.execute(select(IssuedCredential.registration_id, func.count())
                                .group_by(IssuedCredential.registration_id)).all())


def test_everyone_eligible_is_issued_once_and_refusals_are_listed(
        bulk: Bulk, session: Session, make_registration: Callable[..., Registration],
        who: Staff) -> None:
    current = [make_registration() for _ in range(4)]
    lapsed = make_registration(registration={"valid_until": "2025-01-01",
                                             "valid_from": "2020-01-01"})
    suspended, removed = make_registration(), make_registration()  # the register says no
    lifecycle.suspend(session, suspended, staff=who, reason="disciplinary_inquiry", until=None,
                      now=NOW)
    lifecycle.remove(session, removed, staff=who, reason="deceased", now=NOW)
    session.flush()
    notices = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0  # those two
    totals = bulk()
    assert totals.issued == 4 and len(totals.issued_numbers) == 4
    assert sorted((r.registration_number, r.code) for r in totals.refused) == sorted([
        (lapsed.registration_number, RegistrationNotCurrent.code),
        (suspended.registration_number, RegistrationSuspended.code),
        (removed.registration_number, RegistrationRemoved.code)])
    assert _credentials(session) == {r.id: 1 for r in current}
    issued = session.scalars(select(AuditEvent).where(AuditEvent.action == "credential.issued"))
    assert len(list(issued)) == 4
    assert audit.verify_chain(session).ok
    # mail for everyone with an address, a DigiLocker push for everyone with an account
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == notices + 8


def test_a_run_run_again_issues_nothing_and_a_new_run_issues_again(
        bulk: Bulk, session: Session, make_registration: Callable[..., Registration]) -> None:
    people = [make_registration() for _ in range(3)]
    assert bulk().issued == 3
    again = bulk()
    assert (again.issued, again.refused) == (0, [])
    assert bulk("r2").issued == 3  # a new run is a new round of certificates
    assert _credentials(session) == {p.id: 2 for p in people}
    assert bulk("r3", only_missing=True).issued == 0  # everyone holds a valid one


def test_only_missing_skips_holders_and_resumes_after_a_crash(
        bulk: Bulk, state: IssuerState, who: Staff, session: Session, clock: TestClock,
        make_registration: Callable[..., Registration]) -> None:
    people = [make_registration() for _ in range(5)]
    plan = BulkRun("hmc", "registration", "crashy", batch_size=2)

    class Crash(Exception):
        pass

    def crash(_totals: BulkTotals) -> None:
        raise Crash

    with pytest.raises(Crash):  # dies after its first committed batch
        run_bulk(state.sessions, plan, staff=who, context_of=state.issue_context,
                 now=state.clock, on_batch=crash)
    assert sum(_credentials(session).values()) == 2
    assert count_due(session, plan, now=NOW) == 3
    resumed = run_bulk(state.sessions, plan, staff=who, context_of=state.issue_context,
                       now=state.clock)
    assert resumed.issued == 3
    assert _credentials(session) == {p.id: 1 for p in people}
    assert bulk("other", only_missing=True).issued == 0
    clock.advance(timedelta(days=365 * 4))  # past valid_until: none holds a valid one
    assert count_due(session, BulkRun("hmc", "registration", "later", only_missing=True),
                     now=state.clock()) == 5


def _issuer_env(url: str, home: Path) -> dict[str, str]:
    return {**os.environ, "PRAMAAN_ENV": "test", "PRAMAAN_KEY_PASSPHRASE": PASSPHRASE,
            "PRAMAAN_KEY_KDF_COST": "10", "PRAMAAN_HOME": str(home),
            "PRAMAAN_DATABASE_URL": url}


def _schema_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


def test_two_processes_on_postgresql_issue_nobody_twice(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as engine:
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        env = _issuer_env(_schema_url(schema), tmp_path)

        def issuer(*args: str) -> str:
            done = subprocess.run([sys.executable, "-m", "issuer.cli", *args], env=env,
                                  text=True, capture_output=True, timeout=120, check=False)
            assert done.returncode == 0, done.stderr
            return done.stdout

        issuer("init")
        token = issuer("tokens", "create", "--name", "bulk", "--role", "registrar",
                       "--council", "hmc").splitlines()[-1]
        people = 120
        issuer("register", "import", str(write_csv(tmp_path / "r.csv",
                                                   [row(n) for n in range(people)])),
               "--council", "hmc", "--token", token)
        command = [sys.executable, "-m", "issuer.cli", "issue-bulk", "--council", "hmc",
                   "--type", "registration", "--run", "twin", "--batch", "5", "--token", token]
        workers = [subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE) for _ in range(2)]
        outputs = [w.communicate(timeout=300) for w in workers]
        assert [w.returncode for w in workers] == [0, 0], outputs
        counts = [int(out.split("issued ")[1].split()[0]) for out, _err in outputs]
        assert sum(counts) == people
        with engine.connect() as connection:
            per_person = connection.execute(text(
                "SELECT registration_id, count(*) FROM credentials GROUP BY registration_id"
            )).all()
            assert len(per_person) == people and {n for _r, n in per_person} == {1}
        assert "audit chain intact" in issuer("audit", "verify")
        assert "issued 0" in issuer("issue-bulk", "--council", "hmc", "--type", "registration",
                                    "--run", "twin", "--token", token)


def test_reserved_positions_span_lists_and_are_never_handed_out_again(
        sessions: sessionmaker[Session], session: Session) -> None:
    size = 131_072
    first = allocation.open_list(session, council_id="hpc", size=size, now=NOW)
    session.execute(update(StatusList).where(StatusList.id == first)
                    .values(allocated=size - 3))
    session.commit()
    taken = allocation.reserve(sessions, council_id="hpc", count=5, size=size, now=NOW)
    assert [list_id for list_id, _i in taken][:3] == [first] * 3
    assert len({list_id for list_id, _i in taken}) == 2 and len(set(taken)) == 5
    with allocation.reserved(session, "hpc", taken[:2]):
        assert allocation.allocate(session, council_id="hpc", size=size, now=NOW) == taken[0]
        assert allocation.allocate(session, council_id="hpc", size=size, now=NOW) == taken[1]
        after = allocation.allocate(session, council_id="hpc", size=size, now=NOW)
    assert after not in taken  # the reserved but unused ones stay unused
    assert allocation.allocate(session, council_id="hpc", size=size, now=NOW) not in taken
