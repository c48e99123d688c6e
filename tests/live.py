"""Real servers for tests: an ASGI app in uvicorn on a free loopback port, and fresh databases
whose commits are real (for tests of concurrency, which a rolled-back test transaction hides)."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Engine, text

from issuer import db
from tests.clock import NOW, TestClock

POSTGRES_URL = os.environ.get("PRAMAAN_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serve(app: Any, port: int | None = None) -> Iterator[str]:
    """Run ``app`` in uvicorn on a thread; yields its base URL, stops it on exit."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextlib.contextmanager
def fresh_database(kind: str, tmp_path: Path, *, sqlite_busy_ms: int = 5000) -> Iterator[Engine]:
    """An empty, migrated database of its own: a SQLite file or a PostgreSQL schema."""
    if kind == "sqlite":
        engine = db.make_engine(f"sqlite:///{tmp_path}/live.db", sqlite_busy_ms=sqlite_busy_ms)
        db.migrate(engine)
        yield engine
        engine.dispose()
        return
    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = db.make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = db.make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        db.migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextlib.contextmanager
def live_issuer(kind: str, tmp_path: Path, *, sqlite_busy_ms: int = 5000, **overrides: Any
                ) -> Iterator[LiveIssuer]:
    """An issuer on a fresh database, served over real HTTP, with a signing key, a registrar
    token for the Haryana Medical Council and one registration. ``overrides`` are settings."""
    from issuer.app import create_app
    from issuer.state import build_state
    from tests.conftest import make_settings

    port = free_port()
    with fresh_database(kind, tmp_path, sqlite_busy_ms=sqlite_busy_ms) as engine:
        settings = make_settings(engine.url.render_as_string(hide_password=False),
                                 **{"public_base_url": f"http://127.0.0.1:{port}"} | overrides)
        clock = TestClock(NOW)
        state = build_state(settings, engine=engine, clock=clock)
        token, registration_id = seed_issuer(state)
        with serve(create_app(settings, state=state), port=port) as url:
            yield LiveIssuer(url, token, registration_id, engine, clock)


def seed_issuer(state: Any, **registrant: Any) -> tuple[str, int]:
    """A signing key and the demo PDF-signing authority (as ``issuer init`` makes them), a
    registrar token for the Haryana Medical Council and one registration (``registrant``
    overrides the reference record): (token, registration id)."""
    from issuer.auth.service import create_token
    from issuer.delivery.signers import ensure_demo_authority
    from issuer.keystore import service as keystore
    from issuer.registry import service as register
    from issuer.registry.inputs import RegistrantIn
    from tests.conftest import PASSPHRASE, registrant_data

    now = state.clock()
    with state.sessions.begin() as session:
        keystore.create_key(session, alg="ES256", passphrase=PASSPHRASE, now=now, kdf_cost=10)
        ensure_demo_authority(session, passphrase=PASSPHRASE, now=now, kdf_cost=10)
        _row, token = create_token(session, name="registrar", role="registrar",
                                   councils=["hmc"], now=now,
                                   known_councils=set(state.registry.councils))
        registration_id = register.register(
            session, RegistrantIn.model_validate(registrant_data(**registrant)),
            registry=state.registry, actor="test", now=now).id
    return token, registration_id


@dataclass(frozen=True)
class LiveIssuer:
    url: str
    token: str
    registration_id: int
    engine: Engine
    """The issuer's own database (committed for real), for tests that look behind the API."""
    clock: TestClock
    """The issuer's clock: a test may move it."""

    @property
    def staff(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}
