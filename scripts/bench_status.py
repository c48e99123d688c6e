#!/usr/bin/env python3
"""Revocation at scale: revoke 10,000 certificates, republish the lists, verify with status.

1. Issue ``--count`` certificates (setup; no PDFs).
2. Revoke every one, each in its own transaction with its audit event, as staff calls do.
3. Republish the council's lists from the database (read the states, build the 131,072-entry
   bitstrings, gzip, sign): the W3C revocation and suspension lists and the IETF token.
4. Verify certificates in-process with the real verifier, its status check fetching the signed list
   from the issuer over HTTP once and then reading it from its ttl cache.

The process is pinned to one CPU; the issuer's HTTP server runs on a thread of the same process.
Usage: scripts/bench_status.py [--count N] [--database URL]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import uvicorn
from benchkit import demo_issuer
from sqlalchemy import select

from issuer.app import create_app
from issuer.auth.service import authenticate
from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.settings import IssuerSettings
from issuer.status import publish
from issuer.status import service as status
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.verify import Verifier


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pramaan-bench-") as scratch:
        run(scratch)


def run(scratch: str) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = IssuerSettings(env="dev", key_kdf_cost=10, public_base_url=base, outbox_worker=False,
                              database_url=args.database
                              or f"sqlite:///{scratch}/bench.db")
    state, token, registration_id = demo_issuer(settings)

    elapsed = _timed(lambda: _issue(state, token, registration_id, args.count))
    print(f"database: {state.engine.url.render_as_string(hide_password=True)}")
    print(f"setup: issued {args.count} certificates in {elapsed:.1f} s")
    with state.sessions() as session:
        ids = list(session.scalars(select(IssuedCredential.id).order_by(IssuedCredential.id)))
        list_number = session.scalar(select(IssuedCredential.status_list_id).limit(1))
        tokens = list(session.scalars(select(IssuedCredential.token).limit(200)))
    assert list_number is not None

    laps: list[float] = []
    elapsed = _timed(lambda: _revoke_each(state, ids, laps))
    print(f"revoke: {len(ids)} certificates in {elapsed:.2f} s = {len(ids) / elapsed:.0f}/s "
          f"(median {statistics.median(laps) * 1000:.2f} ms each, one transaction + audit each)")

    for form in ("revocation", "suspension", publish.IETF):
        publisher = publish.StatusListPublisher(public_base=base, ttl_seconds=300)
        times = []
        for _ in range(5):
            with state.sessions.begin() as session:
                ring = state.keyring.current(session, now=state.clock())
                t0 = time.perf_counter()
                publisher.token(session, list_number, form, keyring=ring, now=datetime.now(UTC))
                times.append(time.perf_counter() - t0)
            publisher = publish.StatusListPublisher(public_base=base, ttl_seconds=300)
        print(f"republish list {list_number} ({form}, 131,072 entries, {len(ids)} set): "
              f"median {statistics.median(times) * 1000:.1f} ms (read states, build, "
              "compress, sign)")

    server = uvicorn.Server(uvicorn.Config(create_app(settings, state=state), host="127.0.0.1",
                                           port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    verifier = Verifier.from_settings(VerifierSettings(trusted_issuers=[TrustedIssuer(
        issuer=base, jwks_uri=f"{base}/.well-known/jwks.json", name="bench")]))
    first = verifier.verify(tokens[0], now=datetime.now(UTC))
    assert first.check("status").code == "credential.revoked", first.check("status")
    rounds = 3000
    start = time.perf_counter()
    for i in range(rounds):
        verifier.verify(tokens[i % len(tokens)], now=datetime.now(UTC))
    elapsed = time.perf_counter() - start
    print(f"verify with status (list cached within its ttl): {rounds / elapsed:.0f}/s, "
          f"{elapsed / rounds * 1000:.2f} ms each")
    verifier.close()
    server.should_exit = True


def _issue(state, token: str, registration_id: int, count: int) -> None:  # type: ignore[no-untyped-def]
    batch = 500
    for start in range(0, count, batch):
        with state.sessions.begin() as session:
            staff = authenticate(session, f"Bearer {token}", now=datetime.now(UTC))
            context = state.issue_context(session)
            for _ in range(min(batch, count - start)):
                credentials.issue_in(context, session,
                                     credentials.IssueRequest(registration_id, "registration"),
                                     staff=staff, now=datetime.now(UTC))


def _revoke_each(state, ids: list[int], laps: list[float]) -> None:  # type: ignore[no-untyped-def]
    for credential_id in ids:
        t0 = time.perf_counter()
        with state.sessions.begin() as session:
            row = session.get(IssuedCredential, credential_id)
            status.revoke(session, row, reason="registration_cancelled", actor="bench",
                          now=datetime.now(UTC))
        laps.append(time.perf_counter() - t0)


def _timed(work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    main()
