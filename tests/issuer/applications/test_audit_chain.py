"""The audit trail is a hash chain: any altered, deleted or truncated row is found."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from issuer.audit import service as audit
from issuer.audit.models import AuditEvent
from tests.clock import NOW
from tests.conftest import PASSPHRASE
from tests.live import fresh_database


def _trail(session: Session, n: int = 4) -> list[AuditEvent]:
    events = [audit.record(session, actor="test", action="thing.done", subject=f"thing:{i}",
                           now=NOW, details={"i": i, "name": "डॉ. आशा"}) for i in range(n)]
    session.flush()
    return events


def test_each_event_is_chained_to_the_previous(session: Session) -> None:
    events = _trail(session)
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash and after.seq == before.seq + 1
    report = audit.verify_chain(session)
    assert report.ok and report.head_hash == events[-1].hash


def test_appends_from_sessions_that_outlive_a_transaction_stay_in_order(
        sessions: sessionmaker[Session]) -> None:
    """Sessions keep their objects across commits: a head read in an earlier transaction must
    not be trusted in a later one (another session may have appended meanwhile), while a head
    this transaction has already moved on in memory must not be reloaded."""
    with sessions() as first, sessions() as second:
        audit.record(first, actor="a", action="x.one", subject="s", now=NOW)
        first.commit()
        audit.record(second, actor="b", action="x.two", subject="s", now=NOW)
        audit.record(second, actor="b", action="x.three", subject="s", now=NOW)
        second.commit()
        late = audit.record(first, actor="a", action="x.four", subject="s", now=NOW)
        first.commit()
        assert late.seq == 4
        assert audit.verify_chain(first).ok


def test_an_altered_row_is_the_first_broken_link(session: Session) -> None:
    events = _trail(session)
    target = events[1]
    session.execute(text("UPDATE audit_events SET details = :d WHERE id = :id"),
                    {"d": '{"i": 99}', "id": target.id})
    session.expire_all()
    report = audit.verify_chain(session)
    assert report.broken is not None
    assert (report.broken.seq, report.broken.event_id) == (target.seq, target.id)
    assert "altered" in report.broken.problem


def test_an_altered_and_rehashed_row_breaks_the_next_link(session: Session) -> None:
    events = _trail(session)
    target = events[1]
    session.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE id = :id"),
                    {"id": target.id})
    session.expire_all()
    forged = session.get_one(AuditEvent, target.id)
    session.execute(text("UPDATE audit_events SET hash = :h WHERE id = :id"),
                    {"h": audit.event_hash(forged), "id": target.id})
    session.expire_all()
    report = audit.verify_chain(session)
    assert report.broken is not None and report.broken.seq == events[2].seq
    assert "prev_hash" in report.broken.problem


def test_a_deleted_row_and_a_cut_tail_are_found(session: Session) -> None:
    rows = [(e.id, e.seq) for e in _trail(session)]
    session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": rows[-1][0]})
    session.expire_all()
    report = audit.verify_chain(session)
    assert report.broken is not None and report.broken.seq == rows[-1][1]
    assert "removed from the end" in report.broken.problem
    session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": rows[1][0]})
    session.expire_all()
    report = audit.verify_chain(session)
    assert report.broken is not None and report.broken.seq == rows[1][1]
    assert "missing" in report.broken.problem


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with fresh_database(request.param, tmp_path) as engine:
        yield engine


def test_issuer_audit_verify_command(database: Engine, tmp_path: Path) -> None:
    from issuer import db

    sessions = db.session_factory(database)
    with sessions.begin() as session:
        events = _trail(session, 5)
        target = events[2]
    env = {**os.environ, "PRAMAAN_ENV": "test", "PRAMAAN_KEY_PASSPHRASE": PASSPHRASE,
           "PRAMAAN_DATABASE_URL": database.url.render_as_string(hide_password=False)}
    if database.dialect.name == "postgresql":
        env["PGOPTIONS"] = f"-csearch_path={_schema(database)}"

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "issuer.cli", "audit", "verify"],
                              capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path,
                              check=False)
    ok = run()
    assert ok.returncode == 0, ok.stderr
    assert "intact: 5 events" in ok.stdout
    with database.begin() as connection:
        connection.execute(text("UPDATE audit_events SET subject = 'thing:x' WHERE id = :id"),
                           {"id": target.id})
    broken = run()
    assert broken.returncode == 1
    assert f"BROKEN at event #{target.seq} (row id {target.id})" in broken.stderr


def _schema(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT current_schema()")).scalar_one())


def test_concurrent_appends_keep_one_chain(database: Engine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from issuer import db

    sessions = db.session_factory(database)

    def append(worker: int) -> None:
        for i in range(10):
            with sessions.begin() as session:
                audit.record(session, actor=f"worker:{worker}", action="thing.done",
                             subject=f"thing:{worker}:{i}", now=NOW)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(append, range(4)))
    with sessions() as session:
        report = audit.verify_chain(session)
    assert report.ok and report.events == 40, report.broken


def test_the_migration_chains_existing_rows(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from issuer import db

    engine = db.make_engine(f"sqlite:///{tmp_path}/old.db")
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        for i in range(3):
            connection.execute(text(
                "INSERT INTO audit_events (at, actor, action, subject, details) VALUES "
                "('2026-01-02 03:04:05.000006', 'old', 'thing.done', :s, '{\"i\": 1}')"),
                {"s": f"thing:{i}"})
    db.migrate(engine)
    with db.session_factory(engine)() as session:
        report = audit.verify_chain(session)
        assert report.ok and report.events == 3
        audit.record(session, actor="new", action="thing.done", subject="thing:new", now=NOW)
        session.commit()
        assert audit.verify_chain(session).events == 4
    engine.dispose()
