"""The trust list end to end: the anchor's key and list made with ``issuer trust``, a real issuer
over HTTP issuing a certificate, and a verifier configured with the list's URL and the anchor's key
only. Removing the council from the list (an edit and one signature) turns its certificate Not
genuine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from issuer.cli import main as issuer_main
from schemas.errors import IssuerNotListed
from tests.clock import NOW, TestClock
from tests.live import LiveIssuer, live_issuer
from verifier import verdict as v
from verifier.settings import VerifierSettings
from verifier.verify import Verifier


@pytest.fixture(params=["sqlite", "postgresql"])
def issuer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveIssuer]:
    with live_issuer(request.param, tmp_path) as live:
        yield live


def sign_list(tmp_path: Path, issuers: list[dict[str, Any]]) -> int:
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps({"iss": "https://health.hr.gov.in", "issuers": issuers}),
                       "utf-8")
    return issuer_main(["trust", "sign", str(listing), "--key", str(tmp_path / "anchor.key"),
                        "--out", str(tmp_path / "list.jwt")], clock=TestClock(NOW))


def test_removing_a_council_from_the_signed_list_makes_its_certificates_not_genuine(
        issuer: LiveIssuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PRAMAAN_TRUST_ANCHOR_PASSPHRASE", "department secret")
    assert issuer_main(["trust", "keygen", "--out", str(tmp_path / "anchor.key"),
                        "--public-out", str(tmp_path / "anchor.jwks")]) == 0
    council = {"id": issuer.url, "name": "Haryana Medical Council", "name_hi": "हरियाणा चिकित्सा "
               "परिषद", "jwks_uri": f"{issuer.url}/.well-known/jwks.json",
               "status_origin": issuer.url, "certificate_types": ["registration", "noc"]}
    assert sign_list(tmp_path, [council]) == 0
    issued = httpx.post(f"{issuer.url}/registrations/{issuer.registration_id}/certificates",
                        json={"type": "registration"}, headers=issuer.staff)
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    settings = VerifierSettings(trust_list_url=(tmp_path / "list.jwt").as_uri(),
                                trust_anchor_jwks=str(tmp_path / "anchor.jwks"))

    verifier = Verifier.from_settings(settings)
    try:
        result = verifier.verify(token, now=NOW)
        assert result.verified, result.failures
        assert "Haryana Medical Council" in result.check("issuer").detail
    finally:
        verifier.close()

    assert sign_list(tmp_path, []) == 0  # the council removed: a data change and one signature
    verifier = Verifier.from_settings(settings)
    try:
        result = verifier.verify(token, now=NOW)
    finally:
        verifier.close()
    assert result.check("issuer").code == IssuerNotListed.code
    assert result.verdict is not None
    assert (result.verdict.state, result.verdict.reason) == (v.NOT_GENUINE, "not_listed")


def test_sign_refuses_a_list_outside_the_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PRAMAAN_TRUST_ANCHOR_PASSPHRASE", "department secret")
    assert issuer_main(["trust", "keygen", "--out", str(tmp_path / "anchor.key"),
                        "--public-out", str(tmp_path / "anchor.jwks")]) == 0
    bad = {"id": "https://pramaan.hr.gov.in", "name": "x", "name_hi": "x",
           "jwks_uri": "https://pramaan.hr.gov.in/jwks", "status_origin": "https://pramaan.hr.gov.in",
           "certificate_types": ["good_standing"]}
    assert sign_list(tmp_path, [bad]) == 2
    assert "unknown certificate types: good_standing" in capsys.readouterr().err
    assert not (tmp_path / "list.jwt").exists()
    monkeypatch.setenv("PRAMAAN_TRUST_ANCHOR_PASSPHRASE", "wrong")
    assert sign_list(tmp_path, []) == 1  # the key cannot be opened: a configuration error
