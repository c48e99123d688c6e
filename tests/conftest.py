"""Shared fixtures: the database engines (SQLite and PostgreSQL), per-test transactions, the issuer
app wired to them, staff tokens and registrant factories.

Every test that touches the database runs twice, once per engine (``engine`` is parametrised).
Each test runs inside a transaction that is rolled back (services flush into SAVEPOINTs), so tests
do not see each other's rows. PostgreSQL tests use a schema of their own in database ``test``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from issuer.app import create_app
from issuer.auth.service import create_token
from issuer.delivery.signers import ensure_demo_authority
from issuer.keystore import service as keystore
from issuer.keystore.service import KeyRingCache
from issuer.registry import service as register
from issuer.registry.inputs import RegistrantIn
from issuer.registry.models import Registration
from issuer.settings import IssuerSettings
from issuer.state import IssuerState
from issuer.status.publish import StatusListPublisher
from schemas import credential as vc
from schemas.registry import Registry, default_registry
from tests.clock import NOW, TestClock
from tests.live import fresh_database

# The project's reference registrant (a copy of the design card's fixture, carried in the repo so
# a clone anywhere is complete): deliberately long fields, for the size and layout targets.
REFERENCE = Path(__file__).resolve().parent / "data" / "reference-registrant.json"
PASSPHRASE = "test-passphrase-not-secret"


def make_settings(database_url: str = "sqlite://", **overrides: Any) -> IssuerSettings:
    values: dict[str, Any] = {
        "env": "test", "database_url": database_url, "key_passphrase": PASSPHRASE,
        "key_kdf_cost": 10, "public_base_url": "https://pramaan.hr.gov.in",
        "verify_page_url": "https://verify.pramaan.hr.gov.in/v",
        "outbox_worker": False}  # tests run the outbox themselves (issuer.outbox.runner)
    return IssuerSettings(**(values | overrides))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Engine]:
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as engine:
        yield engine


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                        expire_on_commit=False)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s


@pytest.fixture
def registry() -> Registry:
    return default_registry()


@pytest.fixture
def settings(engine: Engine) -> IssuerSettings:
    return make_settings(engine.url.render_as_string(hide_password=False))


@pytest.fixture
def signing_key(session: Session, settings: IssuerSettings) -> str:
    key = keystore.create_key(session, alg="ES256", passphrase=PASSPHRASE, now=NOW, kdf_cost=10)
    # the demo certifying authority, as `issuer init` makes it: every PDF is signed
    ensure_demo_authority(session, passphrase=PASSPHRASE, now=NOW, kdf_cost=10)
    session.commit()
    return key.kid


@pytest.fixture
def clock() -> TestClock:
    """The issuer's clock in tests: ``NOW``, moved only when a test says so."""
    return TestClock(NOW)


@pytest.fixture
def state(settings: IssuerSettings, engine: Engine, sessions: sessionmaker[Session],
          registry: Registry, signing_key: str, clock: TestClock) -> IssuerState:
    return IssuerState(settings=settings, engine=engine, sessions=sessions, registry=registry,
                       keyring=KeyRingCache(PASSPHRASE),
                       publisher=StatusListPublisher(public_base=settings.public_base_url,
                                                     ttl_seconds=settings.status_list_ttl_seconds),
                       clock=clock)


@pytest.fixture
def client(settings: IssuerSettings, state: IssuerState) -> Iterator[TestClient]:
    with TestClient(create_app(settings, state=state)) as c:
        yield c


def _token(session: Session, registry: Registry, *, role: str = "registrar",
           councils: tuple[str, ...] = ("hmc",), name: str = "staff") -> str:
    _row, secret = create_token(session, name=name, role=role, councils=list(councils), now=NOW,
                                known_councils=set(registry.councils))
    session.commit()
    return secret


@pytest.fixture
def token_factory(session: Session, registry: Registry) -> Callable[..., str]:
    return partial(_token, session, registry)


@pytest.fixture
def auth(token_factory: Callable[..., str]) -> dict[str, str]:
    """Headers of a registrar of the Haryana Medical Council."""
    return {"Authorization": f"Bearer {token_factory()}"}


_numbers = itertools.count(1)


def reference_record() -> vc.PractitionerRecord:
    """The reference registrant as the register's record of them."""
    import json

    data = json.loads(REFERENCE.read_text("utf-8"))
    person, reg = data["professional"], data["registration"]
    return vc.PractitionerRecord(
        name=person["name"], name_hi=person["name_hi"], father_name=person["father_name"],
        registration_number=reg["registration_number"],
        registration_date=date.fromisoformat(reg["registration_date"]),
        registration_type=reg["registration_type"],
        qualifications=tuple(vc.Qualification(q["degree"], q["university"], q["year"])
                             for q in reg["qualifications"]))


def registrant_data(**overrides: Any) -> dict[str, Any]:
    """A valid registrant (the reference record), with a fresh registration number."""
    import json

    data = json.loads(REFERENCE.read_text("utf-8"))
    registration = {**data["registration"], "council_id": data["council"]["id"],
                    "registration_number": f"HMC/2016/{next(_numbers):07d}"}
    registration |= overrides.pop("registration", {})
    professional = data["professional"] | overrides.pop("professional", {})
    return {"professional": professional, "registration": registration, **overrides}


def _registration(session: Session, registry: Registry, **overrides: Any) -> Registration:
    row = register.register(session, RegistrantIn.model_validate(registrant_data(**overrides)),
                            registry=registry, actor="test", now=NOW)
    session.commit()
    return row


@pytest.fixture
def make_registration(session: Session, registry: Registry) -> Callable[..., Registration]:
    return partial(_registration, session, registry)


def today() -> date:
    return NOW.date()
