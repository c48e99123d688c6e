"""A new signing key is published before it signs: rotation, its pre-publication period, the
emergency that skips it, and what ``issuer keys list`` shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from issuer.cli import main
from issuer.keystore import service as keystore
from issuer.keystore.models import StoredKey
from issuer.registry.models import Registration
from issuer.settings import IssuerSettings
from schemas.errors import InvalidTransition
from tests.clock import NOW, TestClock
from tests.conftest import PASSPHRASE
from verifier.settings import VerifierSettings


def _rotate(session: Session, settings: IssuerSettings, clock: TestClock, *,
            emergency: bool = False) -> keystore.Rotation:
    done = keystore.rotate(session, alg="ES256", passphrase=PASSPHRASE, now=clock(),
                           prepublish=timedelta(seconds=settings.key_prepublish_seconds),
                           emergency=emergency, kdf_cost=10)
    session.commit()
    return done


def _signed_by(client: TestClient, auth: dict[str, str], registration: Registration) -> str:
    issued = client.post(f"/registrations/{registration.id}/certificates",
                         json={"type": "registration"}, headers=auth)
    assert issued.status_code == 201, issued.text
    kid: str = issued.json()["kid"]
    return kid


def _published(client: TestClient) -> dict[str, dict[str, object]]:
    return {k["kid"]: k for k in client.get("/.well-known/jwks.json").json()["keys"]}


def test_the_default_period_outlasts_the_verifiers_key_cache() -> None:
    issuer, verifier = IssuerSettings.model_fields, VerifierSettings.model_fields
    assert issuer["key_prepublish_seconds"].default > verifier["jwks_cache_seconds"].default


def test_a_rotated_key_is_published_at_once_and_signs_after_the_period(
        client: TestClient, auth: dict[str, str], session: Session, settings: IssuerSettings,
        clock: TestClock, signing_key: str,
        make_registration: Callable[..., Registration]) -> None:
    registration = make_registration()
    done = _rotate(session, settings, clock)
    new = done.key.kid
    assert not done.at_once and done.activates_at == NOW + timedelta(seconds=600)

    published = _published(client)
    assert new in published and published[new]["nbf"] == int(done.activates_at.timestamp())
    assert published[signing_key]["exp"] == int(done.activates_at.timestamp())
    assert _signed_by(client, auth, registration) == signing_key

    clock.advance(timedelta(seconds=599))
    assert _signed_by(client, auth, registration) == signing_key
    clock.advance(timedelta(seconds=1))  # the activation itself: no job promotes the key
    assert _signed_by(client, auth, registration) == new
    assert keystore.active_kid(session, now=clock()) == new


def test_an_emergency_rotation_signs_at_once(
        client: TestClient, auth: dict[str, str], session: Session, settings: IssuerSettings,
        clock: TestClock, signing_key: str,
        make_registration: Callable[..., Registration]) -> None:
    done = _rotate(session, settings, clock, emergency=True)
    assert done.at_once and done.activates_at == NOW
    assert _signed_by(client, auth, make_registration()) == done.key.kid
    assert _published(client)[signing_key]["exp"] == int(NOW.timestamp())


def test_a_second_rotation_waits_for_the_first_unless_it_is_an_emergency(
        session: Session, settings: IssuerSettings, clock: TestClock, signing_key: str) -> None:
    waiting = _rotate(session, settings, clock).key.kid
    with pytest.raises(InvalidTransition, match="already published"):
        _rotate(session, settings, clock)
    session.rollback()
    now = _rotate(session, settings, clock, emergency=True).key.kid
    states = {row.kid: keystore.state_of(row, clock()) for row in keystore.list_keys(session)}
    assert states == {signing_key: "retired", waiting: "retired", now: "active"}


def test_a_compromise_hands_over_to_the_published_next_key(
        session: Session, settings: IssuerSettings, clock: TestClock, signing_key: str) -> None:
    waiting = _rotate(session, settings, clock).key.kid
    keystore.compromise(session, signing_key, now=clock(), passphrase=PASSPHRASE, alg="ES256",
                        kdf_cost=10)
    assert keystore.active_kid(session, now=clock()) == waiting
    assert len(keystore.list_keys(session)) == 2  # no third key: the next one was already out


def test_compromising_the_next_key_leaves_the_current_one_signing(
        session: Session, settings: IssuerSettings, clock: TestClock, signing_key: str) -> None:
    waiting = _rotate(session, settings, clock).key.kid
    keystore.compromise(session, waiting, now=clock(), passphrase=PASSPHRASE, alg="ES256",
                        kdf_cost=10)
    clock.advance(timedelta(days=1))
    assert keystore.active_kid(session, now=clock()) == signing_key
    current = session.get(StoredKey, signing_key)
    assert current is not None and current.retired_at is None


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        clock: TestClock) -> Callable[..., str]:
    """The ``issuer`` command in this process, on a SQLite file, on the test's clock."""
    for name, value in {"ENV": "test", "KEY_PASSPHRASE": PASSPHRASE, "KEY_KDF_COST": "10",
                        "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
                        "PUBLIC_BASE_URL": "https://pramaan.hr.gov.in"}.items():
        monkeypatch.setenv(f"PRAMAAN_{name}", value)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> str:
        capsys.readouterr()
        assert main(list(args), clock=clock) == 0, capsys.readouterr().err
        return capsys.readouterr().out
    return run


def _states(listing: str) -> list[str]:
    return [line.split()[2] for line in listing.splitlines()]


def test_keys_list_shows_each_state_and_its_dates(cli: Callable[..., str],
                                                  clock: TestClock) -> None:
    cli("init")
    said = cli("keys", "rotate")
    assert "signs from 2026-11-26 10:10:00 UTC" in said and "Not genuine" not in said
    listing = cli("keys", "list")
    assert _states(listing) == ["active", "next"]
    assert "retires 2026-11-26 10:10" in listing and "signs from 2026-11-26 10:10" in listing

    clock.advance(timedelta(minutes=10))
    listing = cli("keys", "list")
    assert _states(listing) == ["retired", "active"]
    assert "retired 2026-11-26 10:10" in listing

    said = cli("keys", "rotate", "--emergency")
    assert "signs from now" in said and "Not genuine or Cannot check" in said
    assert _states(cli("keys", "list")) == ["retired", "retired", "active"]
    cli("keys", "compromise", "--", cli("keys", "list").split()[0])
    assert _states(cli("keys", "list")) == ["compromised", "retired", "active"]
