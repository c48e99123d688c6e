#!/usr/bin/env python3
"""A 1,000,000-certificate PostgreSQL database, built with COPY, and what it costs to serve.

Builds, in a schema of its own (dropped at the end unless ``--keep``): 1,000,000 professionals,
registrations and certificates across the five Haryana councils (status lists of 131,072
entries, 1 % revoked, 0.2 % suspended), 1,000,000 audit events forming a valid hash chain, and
20,000 applications. Certificates share one real signed token (the size of a real one): the
measurements read rows, they do not verify them. Then measures, server side, in-process:

- republishing every status list of the largest council (signed, cache emptied first);
- ``GET /c/{number}`` and ``GET /c/{number}/status`` (median and p95 over random numbers);
- ``GET /stats`` and the staff queue ``GET /review/queue?council=hmc``;
- ``issuer audit verify`` over the 1,000,000 events;
- the size of every table and index on disk.

Usage: scripts/bench_scale.py --database postgresql+psycopg://postgres@127.0.0.1/test
       [--certificates 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from issuer import db
from issuer.app import create_app
from issuer.audit import service as audit
from issuer.auth.service import authenticate, create_token
from issuer.credentials import service as credentials
from issuer.credentials.service import IssueRequest
from issuer.keystore import service as keystore
from issuer.registry import service as register
from issuer.registry.inputs import RegistrantIn
from issuer.settings import IssuerSettings
from issuer.state import IssuerState, build_state

COUNCILS = {"hmc": 0.4, "hdc": 0.2, "hpc": 0.2, "hayush": 0.1, "hhom": 0.1}
LIST_SIZE = 131_072
NOW = datetime.now(UTC).replace(microsecond=0)
SAMPLES = 400


@contextmanager
def schema_url(url: str, keep: bool, reuse: str | None) -> Iterator[str]:
    if reuse:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{reuse}"
        return
    schema = f"scale_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = db.make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        if keep:
            print(f"kept schema {schema}")
        else:
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def timed(label: str, work: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = work()
    print(f"{label}: {time.perf_counter() - start:.1f} s", flush=True)
    return result


def copy(engine: Engine, table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
    raw = engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        with connection.cursor() as cursor, \
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as pipe:
            for row in rows:
                pipe.write_row(row)
        connection.commit()
    finally:
        raw.close()


def seed_one(state: IssuerState) -> tuple[str, str]:
    """A signing key, an admin token and one real certificate: (token, the signed vc+jwt)."""
    with state.sessions.begin() as session:
        keystore.create_key(session, alg="ES256", now=NOW, kdf_cost=10,
                            passphrase=state.settings.key_passphrase.get_secret_value())
        _row, secret = create_token(session, name="bench", role="admin", councils=["*"],
                                    now=NOW, known_councils=set(state.registry.councils))
    with state.sessions.begin() as session:
        staff = authenticate(session, f"Bearer {secret}", now=NOW)
        person = json.loads((_root() / "tests/data/reference-registrant.json").read_text())
        person["registration"]["council_id"] = "hmc"
        registration = register.register(session, RegistrantIn.model_validate(person),
                                          registry=state.registry, actor="bench", now=NOW)
        row = credentials.issue_in(state.issue_context(session), session,
                                   IssueRequest(registration.id, "registration"), staff=staff,
                                   now=NOW)
        token = row.token
    return secret, token


def _root() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


def build(state: IssuerState, count: int, token: str) -> dict[str, list[int]]:
    """COPY everything in; returns each council's list ids."""
    engine = state.engine
    with engine.begin() as connection:
        base_id = connection.execute(text("SELECT coalesce(max(id), 0) FROM registrations")
                                     ).scalar_one() + 1
        token_id = connection.execute(text("SELECT max(id) FROM api_tokens")).scalar_one()
        list_base = connection.execute(text("SELECT coalesce(max(id), 0) FROM status_lists")
                                       ).scalar_one() + 1
    councils = [c for c, share in COUNCILS.items() for _ in range(int(share * 10))]
    per_council = {c: int(count * share) for c, share in COUNCILS.items()}
    lists: dict[str, list[int]] = {}
    list_rows = []
    next_list = list_base
    for council, n in per_council.items():
        ids = []
        for start in range(0, n, LIST_SIZE):
            ids.append(next_list)
            list_rows.append((next_list, council, LIST_SIZE, min(LIST_SIZE, n - start),
                              os.urandom(32), 1, NOW))
            next_list += 1
        lists[council] = ids
    timed("status lists", lambda: copy(engine, "status_lists", [
        "id", "council_id", "size", "allocated", "permutation_key", "version", "created_at"],
        iter(list_rows)))
    timed("professionals", lambda: copy(engine, "professionals", [
        "id", "name", "father_name", "email", "created_at"],
        ((base_id + i, f"Dr. Person {i}", f"Father {i}", f"p{i}@example.org", NOW)
         for i in range(count))))
    quals = json.dumps([{"degree": "MBBS", "university": "Pt. B.D. Sharma University of "
                         "Health Sciences, Rohtak", "year": 2015}])

    def registrations() -> Iterator[tuple[Any, ...]]:
        for i in range(count):
            council = councils[i % 10]
            yield (base_id + i, base_id + i, council, f"{council.upper()}/S/{i:07d}",
                   "2016-07-14", "permanent", quals, "2024-07-14", "2029-07-13", NOW)

    timed("registrations", lambda: copy(engine, "registrations", [
        "id", "professional_id", "council_id", "registration_number", "registration_date",
        "registration_type", "qualifications", "valid_from", "valid_until", "created_at"],
        registrations()))
    position = dict.fromkeys(COUNCILS, 0)
    rng = random.Random(42)

    def certificates() -> Iterator[tuple[Any, ...]]:
        for i in range(count):
            council = councils[i % 10]
            p = position[council]
            position[council] += 1
            list_id, index = lists[council][p // LIST_SIZE], p % LIST_SIZE
            roll = rng.random()
            state_ = "revoked" if roll < 0.01 else "suspended" if roll < 0.012 else "active"
            number = f"{council.upper()}-RC-{i:08d}"
            issued = NOW - timedelta(minutes=i % 700_000)
            yield (number, f"https://pramaan.hr.gov.in/c/{number}", base_id + i, council,
                   "registration", token, "bench", issued, issued, NOW + timedelta(days=900),
                   token_id, "{}", list_id, index, state_,
                   NOW + timedelta(days=30) if state_ == "suspended" else None)

    timed("certificates", lambda: copy(engine, "credentials", [
        "certificate_number", "credential_id", "registration_id", "council_id",
        "certificate_type", "token", "kid", "issued_at", "valid_from", "valid_until",
        "issued_by", "request", "status_list_id", "status_index", "state", "suspended_until"],
        certificates()))
    timed("audit events (hash chain)", lambda: _audit(engine, count))
    timed("applications", lambda: _applications(engine, base_id, 20_000))
    timed("ANALYZE", lambda: _analyze(engine))
    return lists


def _audit(engine: Engine, count: int) -> None:
    with engine.connect() as connection:
        head = connection.execute(text("SELECT seq, hash FROM audit_chain WHERE id = 1")).one()
    seq, prev = head.seq, head.hash
    state: dict[str, Any] = {"seq": seq, "prev": prev}

    def events() -> Iterator[tuple[Any, ...]]:
        for i in range(count):
            state["seq"] += 1
            at = NOW - timedelta(seconds=count - i)
            details = {"type": "registration", "council": "hmc", "n": i}
            body = json.dumps({"seq": state["seq"], "at": at.isoformat(
                timespec="microseconds"), "actor": "staff:1:bench", "action": "credential.issued",
                "subject": f"credential:X-{i}", "details": details}, sort_keys=True,
                separators=(",", ":"), ensure_ascii=False).encode()
            digest = hashlib.sha256(state["prev"].encode("ascii") + b"\n" + body).hexdigest()
            yield (at, "staff:1:bench", "credential.issued", f"credential:X-{i}",
                   json.dumps(details), "hmc", state["seq"], state["prev"], digest)
            state["prev"] = digest

    copy(engine, "audit_events", ["at", "actor", "action", "subject", "details", "council_id",
                                  "seq", "prev_hash", "hash"], events())
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_chain SET seq = :s, hash = :h WHERE id = 1"),
                           {"s": state["seq"], "h": state["prev"]})


def _applications(engine: Engine, registration_id: int, count: int) -> None:
    states = ["submitted", "queried", "answered", "approved", "rejected"]

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(count):
            state = states[i % 5]
            submitted = NOW - timedelta(hours=i % 2000)
            decided = submitted + timedelta(hours=1 + i % 90) \
                if state in ("approved", "rejected") else None
            waiting = submitted if state in ("submitted", "answered") else None
            yield (registration_id + i, list(COUNCILS)[i % 5], "good-standing",
                   "good-standing", "{}", state, submitted, waiting, decided)

    copy(engine, "applications", ["registration_id", "council_id", "kind", "certificate_type",
                                  "details", "state", "submitted_at", "waiting_since",
                                  "decided_at"], rows())


def _analyze(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


class ServerTime:
    """ASGI wrapper: from the request reaching the app to the response's last byte leaving
    it, i.e. server time without the test client's own work."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        start = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last = time.perf_counter() - start

        await self.app(scope, receive, timed_send)


def server_ms(client: TestClient, paths: list[str], headers: dict[str, str]) -> str:
    timer: ServerTime = client.app  # type: ignore[assignment]
    times = []
    for path in paths:
        response = client.get(path, headers=headers)
        times.append(timer.last * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:200])
    times.sort()
    return (f"median {statistics.median(times):.2f} ms, p95 {times[int(len(times) * 0.95)]:.2f}"
            f" ms (n={len(times)})")


def measure(state: IssuerState, lists: dict[str, list[int]], secret: str, count: int) -> None:
    largest = max(lists, key=lambda c: len(lists[c]))
    with state.sessions() as session:
        keyring = state.keyring.current(session, now=NOW)
        for form in ("revocation", "suspension"):
            rounds = []
            for _ in range(5):  # the first reads the index from disk; later ones from memory
                start = time.perf_counter()
                for number in lists[largest]:
                    state.publisher._signed.clear()
                    state.publisher.token(session, number, form, keyring=keyring, now=NOW)
                rounds.append((time.perf_counter() - start) * 1000)
            print(f"republish {largest}'s {len(lists[largest])} {form} lists "
                  f"({LIST_SIZE:,} entries each, read, built, gzipped, signed): first "
                  f"{rounds[0]:.1f} ms, then median {statistics.median(rounds[1:]):.1f} ms "
                  "for all of them", flush=True)
    rng = random.Random(7)
    councils = [c for c, share in COUNCILS.items() for _ in range(int(share * 10))]
    numbers = [f"{councils[i % 10].upper()}-RC-{i:08d}"
               for i in (rng.randrange(count) for _ in range(SAMPLES))]
    with TestClient(ServerTime(create_app(state.settings, state=state))) as client:
        for _ in range(20):  # warm up: connections, caches
            client.get(f"/c/{numbers[0]}")
        print("GET /c/{number}: " + server_ms(client, [f"/c/{n}" for n in numbers], {}))
        print("GET /c/{number}/status: " + server_ms(
            client, [f"/c/{n}/status" for n in numbers], {}))
        state.closed_months = type(state.closed_months)()
        print("GET /stats, first in the process (counts the ended months): " + server_ms(
            client, ["/stats"], {}))
        print("GET /stats: " + server_ms(client, ["/stats"] * 20, {}))
        print("GET /review/queue?council=hmc (2,400 waiting): " + server_ms(
            client, ["/review/queue?council=hmc"] * 10, {"Authorization": f"Bearer {secret}"}))
    with state.sessions() as session:
        start = time.perf_counter()
        report = audit.verify_chain(session)
        print(f"issuer audit verify: {report.events:,} events, intact={report.ok}, "
              f"{time.perf_counter() - start:.1f} s", flush=True)
    with state.engine.connect() as connection:
        sizes = connection.execute(text(
            "SELECT relname, pg_total_relation_size(c.oid), pg_indexes_size(c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' "
            "ORDER BY 2 DESC")).all()
    total = sum(s for _n, s, _i in sizes)
    print(f"database size: {total / 2**20:,.0f} MiB in all")
    for name, size, indexes in sizes[:6]:
        print(f"  {name}: {size / 2**20:,.0f} MiB (indexes {indexes / 2**20:,.0f} MiB)")


def reused(state: IssuerState) -> tuple[str, dict[str, list[int]], int]:
    """What a kept schema holds: a fresh admin token, each council's lists, the count."""
    db.migrate(state.engine)  # a later migration (an index) applies to the kept data
    with state.sessions.begin() as session:
        _row, secret = create_token(session, name="bench", role="admin", councils=["*"],
                                    now=NOW, known_councils=set(state.registry.councils))
    lists: dict[str, list[int]] = {}
    with state.engine.connect() as connection:
        for council, number in connection.execute(text(
                "SELECT council_id, id FROM status_lists ORDER BY id")):
            lists.setdefault(council, []).append(number)
        count = connection.execute(text("SELECT count(*) - 1 FROM credentials")).scalar_one()
    return secret, lists, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL URL")
    parser.add_argument("--certificates", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    parser.add_argument("--reuse", metavar="SCHEMA",
                        help="measure a schema an earlier --keep run built, without building")
    args = parser.parse_args()
    with schema_url(args.database, args.keep, args.reuse) as url:
        settings = IssuerSettings(env="dev", database_url=url, key_kdf_cost=10,
                                  public_base_url="https://pramaan.hr.gov.in",
                                  outbox_worker=False)
        state = build_state(settings, clock=lambda: NOW)
        if args.reuse:
            secret, lists, count = reused(state)
        else:
            db.migrate(state.engine)
            secret, token = seed_one(state)
            start = time.perf_counter()
            lists, count = build(state, args.certificates, token), args.certificates
            print(f"built {count:,} certificates in {time.perf_counter() - start:.0f} s",
                  flush=True)
        measure(state, lists, secret, count)
        state.engine.dispose()


if __name__ == "__main__":
    main()
