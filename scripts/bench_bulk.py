#!/usr/bin/env python3
"""Bulk figures: register import rows/s, and bulk issuance certificates/s (PDF included) in one
process and in two, with the database statements each certificate costs.

Runs on a fresh PostgreSQL schema of its own (dropped at the end) or a fresh SQLite file.
The import goes through ``issuer.registry.imports.run_import`` with rows read and validated from
a generated CSV, as ``issuer register import`` does; issuance through
``issuer.credentials.bulk.run_bulk``, as ``issuer issue-bulk`` does, each process rendering the
PDF of every certificate it issued (``--pdf-dir`` of the command). Usage:

    scripts/bench_bulk.py --database postgresql+psycopg://postgres@127.0.0.1/test \\
        [--import-rows 100000] [--people 3000] [--processes 1 2] [--single 600]

(``PRAMAAN_STATUS_POSITION_BLOCK=32`` in the environment: API-style issuance takes status
positions a block at a time.)
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

from issuer import db
from issuer.auth.service import authenticate, create_token
from issuer.credentials.bulk import BulkRun, run_bulk
from issuer.delivery.service import certificate_pdf
from issuer.delivery.signers import ensure_demo_authority
from issuer.keystore import service as keystore
from issuer.registry import rows as source
from issuer.registry.imports import run_import
from issuer.settings import IssuerSettings
from issuer.state import build_state

HEADER = ["registration_number", "name", "name_hi", "father_name", "registration_date",
          "registration_type", "valid_from", "valid_until", "email", "digilocker_id", "degree",
          "university", "college", "year"]


def csv_file(path: Path, rows: int, prefix: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow([f"{prefix}/{n:07d}", f"Dr. Venkata Lakshmi {n}",
                             "डॉ. वेंकट लक्ष्मी", f"Sri Rama Chandra {n}", "2016-07-14",
                             "permanent", "2024-07-14", "2029-07-13", f"p{n}@example.org",
                             f"123e4567-e89b-12d3-a456-{n:012d}", "MBBS",
                             "Pt. Bhagwat Dayal Sharma University of Health Sciences, Rohtak",
                             "Pt. B.D. Sharma PGIMS, Rohtak", "2015"])
    return path


@contextmanager
def database(url: str | None, scratch: str) -> Iterator[str]:
    if url is None or url.startswith("sqlite"):
        yield url or f"sqlite:///{scratch}/bench.db"
        return
    schema = f"bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = db.make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def settings_for(url: str) -> IssuerSettings:
    return IssuerSettings(env="dev", database_url=url, key_kdf_cost=10,
                          public_base_url="https://pramaan.hr.gov.in",
                          status_position_block=int(os.environ.get(
                              "PRAMAAN_STATUS_POSITION_BLOCK", "1")))


def prepare(url: str) -> str:
    state = build_state(settings_for(url))
    db.migrate(state.engine)
    now = datetime.now(UTC)
    with state.sessions.begin() as session:
        keystore.create_key(session, alg="ES256", now=now, kdf_cost=10,
                            passphrase=state.settings.key_passphrase.get_secret_value())
        # the PDFs are signed (issue 15): the councils' document-signing certificates, as
        # ``issuer init`` makes them
        ensure_demo_authority(session, passphrase=state.settings.key_passphrase.get_secret_value(),
                              now=now, kdf_cost=10)
        _row, token = create_token(session, name="bench", role="admin", councils=["*"], now=now,
                                   known_councils=set(state.registry.councils))
    state.engine.dispose()
    return token


def import_rows(url: str, path: Path, council: str, batch: int) -> tuple[float, int]:
    state = build_state(settings_for(url))
    rows = source.read_rows(path, council=state.registry.council(council), fmt="csv")
    start = time.perf_counter()
    totals = run_import(state.sessions, rows, council_id=council, actor="bench",
                        now=datetime.now(UTC), batch_size=batch)
    elapsed = time.perf_counter() - start
    state.engine.dispose()
    return elapsed, totals.created


class Statements:
    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


def issue_worker(url: str, token: str, council: str, run: str, batch: int,
                 cpu: int | None, out: Any) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    state = build_state(settings_for(url))
    renderer = state.renderer  # fonts and template once per process
    statements = Statements(state.engine)
    with state.sessions() as session:
        staff = authenticate(session, f"Bearer {token}", now=datetime.now(UTC))
    pdf_bytes = 0

    def pdfs(rows: list[Any]) -> None:
        nonlocal pdf_bytes
        for row in rows:
            pdf_bytes += len(certificate_pdf(row, renderer=renderer, registry=state.registry,
                                             page_url=state.settings.verify_page_url))

    start, cpu_start = time.perf_counter(), time.process_time()
    head = HeadWait(state.engine)
    totals = run_bulk(state.sessions, BulkRun(council, "registration", run, batch_size=batch),
                      staff=staff, context_of=state.issue_context, now=lambda: datetime.now(UTC),
                      after_commit=pdfs)
    out.put((totals.issued, time.perf_counter() - start, statements.count, pdf_bytes,
             time.process_time() - cpu_start, head.seconds))
    state.engine.dispose()


def issue_in(url: str, token: str, council: str, run: str, processes: int, batch: int
             ) -> tuple[int, float, int, int, float, float]:
    queue: multiprocessing.Queue[Any] = multiprocessing.Queue()
    cpus = sorted(os.sched_getaffinity(0))
    workers = [multiprocessing.Process(target=issue_worker, args=(
        url, token, council, run, batch, cpus[i % len(cpus)] if processes > 1 else None, queue))
        for i in range(processes)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    wall = time.perf_counter() - start
    issued = sum(r[0] for r in results)
    busy = max(r[1] for r in results)
    return (issued, min(wall, busy), sum(r[2] for r in results), sum(r[3] for r in results),
            sum(r[4] for r in results), sum(r[5] for r in results))


class HeadWait:
    """Time spent in the statements that lock a shared row (waiting for the lock, mostly): the
    audit chain head's ``SELECT … FOR UPDATE`` (``seconds``) and the status list's position
    ``UPDATE`` (``list_seconds``)."""

    def __init__(self, engine: Engine) -> None:
        self.seconds = self.list_seconds = 0.0
        self._started, self._which = 0.0, ""
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self._which = "head" if "FROM audit_chain" in statement else \
            "list" if statement.startswith("UPDATE status_lists") else ""
        self._started = time.perf_counter()

    def _after(self, *_args: Any) -> None:
        if self._which == "head":
            self.seconds += time.perf_counter() - self._started
        elif self._which == "list":
            self.list_seconds += time.perf_counter() - self._started


def single_worker(url: str, token: str, registration_ids: list[int], cpu: int | None,
                  out: Any) -> None:
    """One certificate a transaction, as the staff API issues: authenticate, issue, commit."""
    from issuer.credentials.service import IssueRequest
    from issuer.credentials.service import issue_in as issue_one

    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    state = build_state(settings_for(url))
    statements, head = Statements(state.engine), HeadWait(state.engine)
    start = time.perf_counter()
    for rid in registration_ids:
        with state.sessions.begin() as session:
            now = datetime.now(UTC)
            staff = authenticate(session, f"Bearer {token}", now=now)
            issue_one(state.issue_context(session), session,
                      IssueRequest(rid, "registration"), staff=staff, now=now)
    out.put((len(registration_ids), time.perf_counter() - start, statements.count,
             head.seconds, head.list_seconds))
    state.engine.dispose()


def single_in(url: str, token: str, council: str, processes: int, count: int, offset: int
              ) -> tuple[int, float, float, float, float]:
    engine = db.make_engine(url)
    with engine.connect() as connection:
        ids = list(connection.execute(text(
            "SELECT id FROM registrations WHERE council_id = :c ORDER BY id LIMIT :n "
            "OFFSET :o"), {"c": council, "n": count, "o": offset}).scalars())
    engine.dispose()
    queue: multiprocessing.Queue[Any] = multiprocessing.Queue()
    cpus = sorted(os.sched_getaffinity(0))
    workers = [multiprocessing.Process(target=single_worker, args=(
        url, token, ids[i::processes], cpus[i % len(cpus)] if processes > 1 else None, queue))
        for i in range(processes)]
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    issued = sum(r[0] for r in results)
    return (issued, max(r[1] for r in results), sum(r[2] for r in results) / issued,
            sum(r[3] for r in results) / issued * 1000, sum(r[4] for r in results) / issued * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--single", type=int, default=0,
                        help="also issue this many one-per-transaction (the API's way) in 1 "
                             "and 2 processes: the audit chain head's contention")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pramaan-bulk-") as scratch, \
            database(args.database, scratch) as url:
        token = prepare(url)
        if args.import_rows:
            path = csv_file(Path(scratch) / "import.csv", args.import_rows, "HMC/IMP")
            elapsed, created = import_rows(url, path, "hmc", 1000)
            print(f"import: {created:,} rows in {elapsed:.1f} s = {created / elapsed:,.0f} rows/s")
            elapsed, _ = import_rows(url, path, "hmc", 1000)
            print(f"import again (all unchanged): {elapsed:.1f} s "
                  f"= {args.import_rows / elapsed:,.0f} rows/s")
        people = csv_file(Path(scratch) / "people.csv", args.people, "HDC/BULK")
        import_rows(url, people, "hdc", 1000)
        for n in args.processes:
            issued, seconds, statements, pdf_bytes, cpu, head = issue_in(
                url, token, "hdc", f"p{n}", n, args.batch)
            print(f"issue-bulk, {n} process(es), PDF included: {issued:,} certificates in "
                  f"{seconds:.1f} s = {issued / seconds:,.0f}/s; "
                  f"{statements / max(issued, 1):.2f} statements a certificate; "
                  f"PDF {pdf_bytes / max(issued, 1) / 1024:.0f} KB average; "
                  f"{issued / cpu:,.0f} per CPU-second of the issuing processes; "
                  f"audit head {head / max(issued, 1) * 1000:.2f} ms a certificate")
        if args.single:
            single = csv_file(Path(scratch) / "single.csv", args.single * 3, "HPC/ONE")
            import_rows(url, single, "hpc", 1000)
            for n, offset in ((1, 0), (2, args.single)):
                issued, seconds, per, head_ms, list_ms = single_in(
                    url, token, "hpc", n, args.single, offset)
                print(f"one certificate a transaction, {n} process(es), no PDF: {issued:,} in "
                      f"{seconds:.1f} s = {issued / seconds:,.0f}/s; {per:.2f} statements "
                      f"each; {head_ms:.2f} ms each in the audit head's SELECT … FOR UPDATE, "
                      f"{list_ms:.2f} ms in the status list's UPDATE")


if __name__ == "__main__":
    main()
