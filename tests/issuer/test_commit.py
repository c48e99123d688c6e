"""A 2xx means committed (issue 11, item 1): the request's transaction commits, or fails, before
the response is sent. The database here refuses a new certificate only at COMMIT (a deferred
constraint), on a real committed database served over real HTTP: the client must not be told
201 with a number the database never kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from issuer.credentials.models import IssuedCredential
from tests.live import LiveIssuer, live_issuer

SQLITE_REFUSAL = [
    # PRAGMA foreign_keys is on: the dangling reference is only checked at COMMIT.
    "CREATE TABLE commit_guard_parent (id INTEGER PRIMARY KEY)",
    ("CREATE TABLE commit_guard (parent_id INTEGER NOT NULL REFERENCES commit_guard_parent(id)"
     " DEFERRABLE INITIALLY DEFERRED)"),
    ("CREATE TRIGGER refuse_at_commit AFTER INSERT ON credentials"
     " BEGIN INSERT INTO commit_guard (parent_id) VALUES (-1); END"),
]
POSTGRES_REFUSAL = [
    ("CREATE FUNCTION refuse_credential() RETURNS trigger LANGUAGE plpgsql AS"
     " $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$"),
    ("CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON credentials"
     " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_credential()"),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveIssuer]:
    with live_issuer(request.param, tmp_path) as issuer:
        yield issuer


def _refuse_at_commit(engine: Engine, *, on: bool) -> None:
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:
        if on:
            for statement in SQLITE_REFUSAL if sqlite else POSTGRES_REFUSAL:
                connection.execute(text(statement))
        else:
            connection.execute(text("DROP TRIGGER refuse_at_commit" if sqlite
                                    else "DROP TRIGGER refuse_at_commit ON credentials"))


def _issue(live: LiveIssuer, key: str) -> httpx.Response:
    return httpx.post(f"{live.url}/registrations/{live.registration_id}/certificates",
                      json={"type": "registration"},
                      headers=live.staff | {"Idempotency-Key": key}, timeout=30)


def _certificates(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(
            IssuedCredential.__table__)).scalar_one())


def test_a_commit_that_fails_is_never_answered_2xx(live: LiveIssuer) -> None:
    _refuse_at_commit(live.engine, on=True)
    refused = _issue(live, "commit-1")
    assert not refused.is_success, refused.text
    assert refused.status_code == 409 or refused.status_code >= 500
    assert set(refused.json()) >= {"error", "detail", "hint"}
    assert _certificates(live.engine) == 0

    _refuse_at_commit(live.engine, on=False)
    issued = _issue(live, "commit-1")  # the retry issues, once, and what it says is there
    assert issued.status_code == 201, issued.text
    number = issued.json()["certificate_number"]
    assert httpx.get(f"{live.url}/c/{number}/status", timeout=30).status_code == 200
    again = _issue(live, "commit-1")
    assert again.json()["certificate_number"] == number
    assert _certificates(live.engine) == 1
