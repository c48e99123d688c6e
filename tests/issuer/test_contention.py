"""SQLite, the embedded default, under contention (issue 11, item 3), on a live issuer over real
HTTP: reads take no write lock, so they answer while a writer holds it; a writer that cannot get
the lock in time answers 503 with ``Retry-After``, never 500; a sent mail is recorded even when the
database is briefly busy, and not sent twice."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from issuer import db
from issuer.outbox import service as outbox
from issuer.outbox.models import OutboxMessage
from tests import hostile
from tests.clock import NOW
from tests.live import LiveIssuer, fresh_database, live_issuer

SECONDS = 2.0  # of load, per test


def _issue(live: LiveIssuer, key: str | None = None) -> httpx.Response:
    headers = live.staff | ({"Idempotency-Key": key} if key else {})
    return httpx.post(f"{live.url}/registrations/{live.registration_id}/certificates",
                      json={"type": "registration"}, headers=headers, timeout=30)


def _reads(live: LiveIssuer, number: str) -> list[str]:
    return [f"{live.url}/c/{number}/status", f"{live.url}/status/revocation/1",
            f"{live.url}/.well-known/jwks.json"]


@contextmanager
def write_lock_held(engine: Engine) -> Iterator[None]:
    """Another writer in the middle of a transaction: SQLite's write lock, held."""
    holder = sqlite3.connect(engine.url.database or "", isolation_level=None,
                                 check_same_thread=False)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE audit_chain SET seq = seq")
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _assert_busy(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"] == "database.busy"
    assert set(response.json()) >= {"error", "detail", "hint"}


def test_reads_answer_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    with live_issuer("sqlite", tmp_path, sqlite_busy_ms=300) as live:
        number = _issue(live).json()["certificate_number"]
        with write_lock_held(live.engine):
            for url in _reads(live, number):
                assert httpx.get(url, timeout=30).status_code == 200, url
            _assert_busy(_issue(live, key="held-1"))  # a writer waits its turn, then 503
        assert _issue(live, key="held-1").status_code == 201  # and the retry issues


def test_an_upload_is_checked_before_the_request_waits_for_the_database(tmp_path: Path) -> None:
    """Parsing a document is the slow part of an upload: it happens before the request's first
    query, so it never holds (or waits for) SQLite's write lock. A refused document answers at
    once while another writer holds the lock; before, it waited for the lock and got a 503."""
    with live_issuer("sqlite", tmp_path, sqlite_busy_ms=300) as live, \
            write_lock_held(live.engine):
        response = httpx.post(f"{live.url}/me/applications/1/documents",
                              headers={"Authorization": "Bearer aps_not-checked-yet"},
                              files={"file": ("letter.pdf", hostile.javascript_pdf(),
                                              "application/pdf")}, timeout=30)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "input.active_content"


def test_issuance_and_reads_together_give_no_500(tmp_path: Path) -> None:
    """Writers queue for the lock (a short wait here, so some give up: 503); readers never
    wait for it."""
    with live_issuer("sqlite", tmp_path, sqlite_busy_ms=50) as live:
        number = _issue(live).json()["certificate_number"]
        deadline = time.monotonic() + SECONDS

        def write(_: int) -> list[httpx.Response]:
            answers: list[httpx.Response] = []
            while time.monotonic() < deadline:
                answers.append(_issue(live))
            return answers

        def read(i: int) -> list[httpx.Response]:
            urls, answers = _reads(live, number), list[httpx.Response]()
            with httpx.Client(timeout=30) as client:
                while time.monotonic() < deadline:
                    answers.append(client.get(urls[(i + len(answers)) % len(urls)]))
            return answers

        with ThreadPoolExecutor(12) as pool:
            writers = [pool.submit(write, i) for i in range(6)]
            readers = [pool.submit(read, i) for i in range(6)]
            writes = [r for f in writers for r in f.result()]
            reads = [r for f in readers for r in f.result()]
    assert {r.status_code for r in reads} == {200}, {r.status_code: r.text for r in reads}
    assert {r.status_code for r in writes} <= {201, 503}, {r.status_code: r.text for r in writes}
    assert any(r.status_code == 201 for r in writes)
    for busy in (r for r in writes if r.status_code == 503):
        _assert_busy(busy)


def test_a_sent_mail_is_recorded_through_a_busy_moment(tmp_path: Path) -> None:
    """The send takes the database's write lock away for longer than SQLite waits; the outbox
    must wait to record it, not send it again."""
    sends: list[int] = []
    with fresh_database("sqlite", tmp_path, sqlite_busy_ms=50) as engine:
        sessions = db.session_factory(engine)
        with sessions.begin() as session:
            message = outbox.enqueue(session, "test.mail", {}, now=NOW)
            session.flush()
            message_id = message.id
        holder = sqlite3.connect(engine.url.database or "", isolation_level=None,
                                 check_same_thread=False)

        def handler(_s: Session, _job: outbox.Job, _now: datetime) -> Callable[[], None]:
            def send() -> None:
                sends.append(message_id)
                holder.execute("BEGIN IMMEDIATE")  # someone else writes, for 0.4 s
                holder.execute("UPDATE audit_chain SET seq = seq")
                # a sleeping thread, not threading.Timer: under libfaketime (the shifted-clock
                # run) a thread's timed wait never ends
                threading.Thread(target=_commit_later, args=(holder, 0.4)).start()
            return send

        report = outbox.process_due(sessions, {"test.mail": handler}, now=NOW)
        report_again = outbox.process_due(sessions, {"test.mail": handler}, now=NOW)
        with sessions.begin() as session:
            row = session.get_one(OutboxMessage, message_id)
            outcome = row.outcome
        holder.close()
    assert (report.sent, report_again.processed, sends, outcome) == (1, 0, [message_id], "sent")


def _commit_later(connection: sqlite3.Connection, seconds: float) -> None:
    time.sleep(seconds)
    connection.execute("COMMIT")
