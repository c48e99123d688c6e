#!/usr/bin/env python3
"""kill -9 the issuer while it issues, and check that nothing it acknowledged is missing.

Starts ``issuer serve`` as a real process on a fresh database (a SQLite file, or with
``--database postgresql+psycopg://…`` a PostgreSQL schema of its own, dropped at the end), mail to
a maildir, drives issuances from client threads (each with its own ``Idempotency-Key``, retried
with the same key when the server goes away), kills the server with SIGKILL at a random moment
and restarts it. After each kill it checks:

- every certificate that got a 2xx exists in the database (else a *ghost*), verifies with the
  verifier library against the issuer's JWKS and status lists, and is in the audit trail;
- a retried ``Idempotency-Key`` never gets a second number;
- no status-list slot is held by two certificates;
- every committed certificate's mail is sent or still queued (none *lost*); mails sent twice are
  counted (delivery is at least once: a kill between the send and its record sends again).

Usage: scripts/crash_issue.py [--kills 3] [--seconds 2] [--clients 4] [--database URL]
Exit status 1 when a ghost, a lost mail, a shared slot or an unverifiable certificate is found.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text

from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.verify import Verifier

ROOT = Path(__file__).resolve().parent.parent
CLI = "import sys; from issuer.cli import main; sys.exit(main())"
NUMBER = re.compile(r"\b[A-Z]+-[A-Z]+-[A-Z0-9]{4}-[A-Z0-9]{4}\b")
PASSPHRASE = "crash-test-passphrase"


@dataclass
class Tally:
    """What the clients were told, shared between their threads."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # idempotency key -> number
    answers: Counter[int] = field(default_factory=Counter)
    mismatches: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, key: str, response: httpx.Response) -> None:
        with self.lock:
            self.answers[response.status_code] += 1
            if response.is_success:
                number = response.json()["certificate_number"]
                if self.acknowledged.setdefault(key, number) != number:
                    self.mismatches += 1


@dataclass
class Findings:
    ghosts: set[str] = field(default_factory=set)
    unverified: set[str] = field(default_factory=set)
    unaudited: set[str] = field(default_factory=set)
    shared_slots: int = 0
    lost_mails: set[str] = field(default_factory=set)
    duplicate_mails: int = 0
    queued_mails: int = 0


class Server:
    """``issuer serve`` in a process of its own, killed with SIGKILL."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", CLI, "serve", "--port", str(self.port)],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/.well-known/jwks.json", timeout=2).is_success:
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"the issuer did not start; see {self.log}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None


def drive(server: Server, token: str, registrations: list[int], tally: Tally,
          stop: threading.Event, seed: int) -> None:
    """Issue until ``stop``; an unanswered request is sent again with the same key."""
    rng = random.Random(seed)
    with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        while not stop.is_set():
            key = uuid.uuid4().hex
            url = f"{server.url}/registrations/{rng.choice(registrations)}/certificates"
            while not stop.is_set():
                try:
                    response = client.post(url, json={"type": "registration"},
                                           headers={"Idempotency-Key": key})
                except httpx.TransportError:
                    time.sleep(0.1)  # the server is down: same key once it is back
                    continue
                tally.record(key, response)
                if response.status_code != 503:
                    break
                time.sleep(float(response.headers.get("Retry-After", "1")))


def check(engine: Engine, verifier: Verifier, tally: Tally, maildir: Path, findings: Findings,
          verified: set[str]) -> None:
    with tally.lock:
        acknowledged = set(tally.acknowledged.values())
    with engine.connect() as connection:
        rows = {r.certificate_number: r for r in connection.execute(text(
            "SELECT id, certificate_number, token FROM credentials"))}
        audited = {s.removeprefix("credential:") for (s,) in connection.execute(text(
            "SELECT subject FROM audit_events WHERE action = 'credential.issued'"))}
        findings.shared_slots = int(connection.execute(text(
            "SELECT count(*) FROM (SELECT status_list_id, status_index FROM credentials "
            "WHERE status_index IS NOT NULL GROUP BY status_list_id, status_index "
            "HAVING count(*) > 1) AS shared")).scalar_one())
        outbox = list(connection.execute(text(
            "SELECT payload, outcome FROM outbox WHERE kind = 'mail.certificate'")))
    findings.ghosts |= acknowledged - rows.keys()
    findings.unaudited |= rows.keys() - audited
    now = datetime.now(UTC)
    for number in sorted(rows.keys() - verified):
        if verifier.verify(rows[number].token, now=now).verified:
            verified.add(number)
        else:
            findings.unverified.add(number)
    findings.unverified -= verified
    mails = Counter(_mailed_numbers(maildir))
    by_id = {r.id: n for n, r in rows.items()}
    mail_rows = {by_id.get(_payload(p).get("credential")): o for p, o in outbox}
    findings.queued_mails = sum(1 for o in mail_rows.values() if o is None)
    findings.lost_mails = {n for n in rows if n not in mail_rows or mail_rows[n] == "failed"
                           or (mail_rows[n] == "sent" and not mails[n])}
    findings.duplicate_mails = sum(c - 1 for c in mails.values() if c > 1)


def _payload(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


def _mailed_numbers(maildir: Path) -> Iterator[str]:
    for path in sorted((maildir / "new").glob("*")) + sorted((maildir / "cur").glob("*")):
        with path.open("rb") as f:
            subject = str(email.message_from_binary_file(f, policy=email.policy.default)
                          .get("Subject", ""))
        found = NUMBER.search(subject)
        if found and not subject.startswith("Download link"):
            yield found.group(0)


@contextlib.contextmanager
def database(url: str | None, home: Path) -> Iterator[tuple[str, Engine]]:
    """(URL for the server, engine for the checks): a SQLite file, or a PostgreSQL schema."""
    if url is None:
        file_url = f"sqlite:///{home}/crash.db"
        engine = create_engine(file_url)
        yield file_url, engine
        engine.dispose()
        return
    schema = f"crash_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    server_url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    engine = create_engine(server_url)
    try:
        yield server_url, engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(args: argparse.Namespace, home: Path) -> tuple[Tally, Findings]:
    port = free_port()
    with database(args.database, home) as (url, engine):
        env = os.environ | {
            "PRAMAAN_ENV": "dev", "PRAMAAN_HOME": str(home), "PRAMAAN_DATABASE_URL": url,
            "PRAMAAN_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "PRAMAAN_KEY_PASSPHRASE": PASSPHRASE, "PRAMAAN_KEY_KDF_COST": "10",
            "PRAMAAN_OUTBOX_POLL_SECONDS": "0.2", "PRAMAAN_OUTBOX_RETRY_SECONDS": "1"}
        subprocess.run([sys.executable, "-c", CLI, "demo", "--token-file",
                        str(home / "token")], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        token = (home / "token").read_text().strip()
        for sub in ("tmp", "new", "cur"):
            (home / "var" / "mail" / sub).mkdir(parents=True, exist_ok=True)
        with engine.connect() as connection:
            registrations = [i for (i,) in connection.execute(text(
                "SELECT r.id FROM registrations r JOIN professionals p "
                "ON p.id = r.professional_id WHERE p.email IS NOT NULL"))]
        server = Server(env, port, home / "server.log")
        verifier = Verifier.from_settings(VerifierSettings(trusted_issuers=[TrustedIssuer(
            issuer=server.url, jwks_uri=f"{server.url}/.well-known/jwks.json",
            name="crash test")]))
        tally, findings, verified = Tally(), Findings(), set[str]()
        stop = threading.Event()
        server.start()
        clients = [threading.Thread(target=drive, args=(server, token, registrations, tally,
                                                       stop, args.seed + i), daemon=True)
                   for i in range(args.clients)]
        for client in clients:
            client.start()
        rng = random.Random(args.seed)
        try:
            for kill in range(1, args.kills + 1):
                time.sleep(rng.uniform(0.2, args.seconds))
                server.kill()
                server.start()
                check(engine, verifier, tally, home / "var" / "mail", findings, verified)
                print(f"kill {kill}: {len(tally.acknowledged)} acknowledged, "
                      f"{len(findings.ghosts)} ghosts")
            stop.set()
            for client in clients:
                client.join(60)
            deadline = time.monotonic() + args.drain
            while True:  # let the outbox catch up after the last restart
                check(engine, verifier, tally, home / "var" / "mail", findings, verified)
                if findings.queued_mails == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        finally:
            stop.set()
            server.kill()
            verifier.close()
    return tally, findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="longest run between two kills (each is random, at least 0.2 s)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--drain", type=float, default=15.0,
                        help="seconds to wait at the end for queued mail to go out")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", action="store_true",
                        help="keep the instance's folder (database, maildir, server log)")
    parser.add_argument("--database", help="a PostgreSQL URL (a schema of its own is made in "
                                           "it); default: a SQLite file")
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="pramaan-crash-"))
    try:
        tally, found = run(args, home)
    finally:
        if args.keep:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    answers = ", ".join(f"{code}: {n}" for code, n in sorted(tally.answers.items()))
    print(f"engine: {'postgresql' if args.database else 'sqlite'}; kills: {args.kills}; "
          f"issuances acknowledged: {len(tally.acknowledged)} (answers {answers})")
    print(f"ghosts: {len(found.ghosts)}; unverified: {len(found.unverified)}; "
          f"not in the audit trail: {len(found.unaudited)}; duplicate slots: "
          f"{found.shared_slots}; idempotency mismatches: {tally.mismatches}")
    print(f"lost mails: {len(found.lost_mails)}; duplicate mails: {found.duplicate_mails}; "
          f"still queued: {found.queued_mails}")
    bad = (found.ghosts or found.unverified or found.unaudited or found.lost_mails
           or found.shared_slots or tally.mismatches)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
