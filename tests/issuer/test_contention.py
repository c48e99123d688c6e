"""SQLite, the embedded default, under contention (issue 11, item 3), on a live issuer over real
HTTP: reads take no write lock, so they answer while a writer holds it; a writer that cannot get
the lock in time answers 503 with ``Retry-After``, never 500."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine

from tests.live import LiveIssuer, live_issuer

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

