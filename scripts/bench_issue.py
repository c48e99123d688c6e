#!/usr/bin/env python3
"""Certificates per second, end to end, on one core: sign + QR + PDF + database.

Each certificate goes through the same functions the HTTP route and the CLI call: issuance
(register lookup, credential build, schema check, ES256 signature, insert + audit, commit) and
the PDF download (QR text, QR symbol, bilingual PDF with embedded fonts and the attached vc+jwt).
The process is pinned to one CPU. Usage: scripts/bench_issue.py [--count N] [--database URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime

from benchkit import demo_issuer

from issuer.auth.service import authenticate
from issuer.credentials import service as credentials
from issuer.delivery.service import certificate_pdf
from issuer.settings import IssuerSettings

TYPES = [("registration", {}),
         ("good-standing", {"addressee": "General Medical Council, United Kingdom",
                            "purpose": "Registration with a foreign regulator"}),
         ("noc", {"purpose": "Transfer of registration", "destination": "Delhi Medical Council"})]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pramaan-bench-") as scratch:
        run(scratch)


def run(scratch: str) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1500)
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    url = args.database or f"sqlite:///{scratch}/bench.db"
    settings = IssuerSettings(env="dev", database_url=url, key_kdf_cost=10)
    state, token, registration_id = demo_issuer(settings)
    renderer = state.renderer  # fonts and template: once per process, not per certificate

    phases = {"issue+commit": 0.0, "pdf": 0.0}

    def one(i: int) -> int:
        cert_type, extra = TYPES[i % 3]
        t0 = time.perf_counter()
        with state.sessions.begin() as session:
            staff = authenticate(session, f"Bearer {token}", now=datetime.now(UTC))
            row = credentials.issue(
                session, credentials.IssueRequest(registration_id, cert_type, extra),
                staff=staff, registry=state.registry,
                keyring=state.keyring.current(session, now=state.clock()),
                public_base=settings.public_base_url, now=datetime.now(UTC))
        t1 = time.perf_counter()
        pdf = certificate_pdf(row, renderer=renderer, registry=state.registry,
                              page_url=settings.verify_page_url)
        phases["issue+commit"] += t1 - t0
        phases["pdf"] += time.perf_counter() - t1
        return len(pdf)

    for i in range(30):  # warm-up
        one(i)
    phases.update(dict.fromkeys(phases, 0.0))
    sizes, laps = [], []
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(args.count):
        t0 = time.perf_counter()
        sizes.append(one(i))
        laps.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    print(f"database: {state.engine.url.render_as_string(hide_password=True)}")
    print(f"{args.count} certificates in {elapsed:.2f} s on one core: "
          f"{args.count / elapsed:.0f} certificates/s")
    print(f"per certificate: median {statistics.median(laps) * 1000:.2f} ms, "
          f"p95 {sorted(laps)[int(0.95 * len(laps))] * 1000:.2f} ms; "
          f"PDF median {statistics.median(sizes) / 1024:.0f} KiB")
    print(f"CPU time {cpu:.2f} s: {args.count / cpu:.0f} certificates per CPU-second (on a "
          "machine shared with other work, the steadier figure)")
    print("mean per certificate: " + ", ".join(
        f"{name} {total / args.count * 1000:.2f} ms" for name, total in phases.items()))


if __name__ == "__main__":
    main()
