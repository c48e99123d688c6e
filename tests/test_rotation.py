"""End to end across the two services: a certificate signed with a key the issuer has just
created and published is Valid at once on a real verifier that cached the issuer's keys before
(issue 13: it answered Not genuine until its refresh interval had passed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from issuer.keystore import service as keystore
from issuer.settings import IssuerSettings
from keys.signing import read_unverified_header
from tests.clock import NOW
from tests.conftest import PASSPHRASE
from tests.live import LiveIssuer, live_issuer, serve
from verifier.api import create_app
from verifier.settings import TrustedIssuer, VerifierSettings


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[LiveIssuer]:
    with live_issuer("sqlite", tmp_path) as live:
        yield live


@pytest.fixture
def verifier_url(issuer: LiveIssuer) -> Iterator[str]:
    settings = VerifierSettings(trusted_issuers=[TrustedIssuer(
        issuer=issuer.url, jwks_uri=f"{issuer.url}/.well-known/jwks.json",
        name="Haryana (test)")])
    with serve(create_app(settings, clock=lambda: NOW)) as url:
        yield url


def issue(issuer: LiveIssuer) -> str:
    response = httpx.post(f"{issuer.url}/registrations/{issuer.registration_id}/certificates",
                          json={"type": "registration"}, headers=issuer.staff)
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


def verdict(verifier_url: str, token: str) -> dict[str, str]:
    response = httpx.post(f"{verifier_url}/verify", json={"token": token})
    assert response.status_code == 200, response.text
    answer: dict[str, str] = response.json()["verdict"]
    return answer


def test_a_certificate_signed_with_a_new_key_is_valid_at_once(issuer: LiveIssuer,
                                                              verifier_url: str) -> None:
    assert verdict(verifier_url, issue(issuer))["state"] == "valid"  # the keys are now cached
    with Session(issuer.engine) as session, session.begin():
        new = keystore.create_key(session, alg="ES256", passphrase=PASSPHRASE, now=NOW,
                                  kdf_cost=10)
    token = issue(issuer)
    assert read_unverified_header(token)["kid"] == new.kid
    assert verdict(verifier_url, token)["state"] == "valid"


def test_issuer_keys_rotate_never_makes_a_verifier_cry_wolf(issuer: LiveIssuer) -> None:
    """The whole story of issue 13's first section, on real services: a rotation publishes the
    next key at once and signs with it only after the pre-publication period; a verifier that
    cached the keys before the rotation calls every certificate Valid at every step."""
    settings = VerifierSettings(trusted_issuers=[TrustedIssuer(
        issuer=issuer.url, jwks_uri=f"{issuer.url}/.well-known/jwks.json",
        name="Haryana (test)")])
    prepublish = timedelta(seconds=IssuerSettings.model_fields["key_prepublish_seconds"].default)
    with serve(create_app(settings, clock=issuer.clock)) as verifier:
        before = issue(issuer)
        assert verdict(verifier, before)["state"] == "valid"  # the keys are now cached
        with Session(issuer.engine) as session, session.begin():
            rotation = keystore.rotate(session, alg="ES256", passphrase=PASSPHRASE,
                                       now=issuer.clock(), prepublish=prepublish, kdf_cost=10)
            new_kid = rotation.key.kid
        published = httpx.get(f"{issuer.url}/.well-known/jwks.json").json()["keys"]
        assert new_kid in {k["kid"] for k in published}  # published at once...
        during = issue(issuer)
        assert read_unverified_header(during)["kid"] == read_unverified_header(before)["kid"]
        assert verdict(verifier, during)["state"] == "valid"  # ...but not yet signing

        issuer.clock.advance(prepublish + timedelta(seconds=1))
        after = issue(issuer)
        assert read_unverified_header(after)["kid"] == new_kid
        assert verdict(verifier, after)["state"] == "valid"  # at once, never Not genuine
        assert verdict(verifier, before)["state"] == "valid"  # and the old ones still are
