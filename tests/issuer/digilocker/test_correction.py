"""A name correction on the register re-issues: the new name is in the PDF's text, in its QR
code and in DigiLocker's next pull; the old certificate verifies as Revoked, superseded, with a
pointer to its replacement; the validity window is kept."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime

import httpx
import pytest
from sqlalchemy import Engine

from issuer.app import create_app
from issuer.credentials.models import IssuedCredential
from issuer.registry.models import Registration
from issuer.settings import IssuerSettings
from issuer.state import IssuerState
from keys.signing import parse_payload
from scripts import digilocker_sim as sim
from tests.clock import NOW
from tests.conftest import make_settings
from tests.issuer.digilocker.conftest import API_KEY, ISSUER_ID, NAME
from tests.issuer.digilocker.test_pull import pull_uri
from tests.live import free_port, serve
from verifier.inputs import token_from_image, token_from_pdf
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.verify import Verifier

MISSPELT = "Dr. Venkata Lakshmi Narasimha Rao Bhagvatla"


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def settings(engine: Engine, port: int) -> IssuerSettings:
    """Published at the address it is served on, so a real verifier fetches its status lists."""
    return make_settings(engine.url.render_as_string(hide_password=False),
                         digilocker_api_key=API_KEY, digilocker_issuer_id=ISSUER_ID,
                         public_base_url=f"http://127.0.0.1:{port}")


@pytest.fixture
def issuer_url(settings: IssuerSettings, state: IssuerState, port: int) -> Iterator[str]:
    with serve(create_app(settings, state=state), port=port) as url:
        yield f"{url}/digilocker"


def _subject(token: str) -> dict[str, object]:
    import base64

    segment = token.split(".")[1]
    payload = parse_payload(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return payload["credentialSubject"]  # type: ignore[no-any-return]


def _qr_token(pdf: bytes) -> str:
    png = subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-singlefile", "-"],
                         input=pdf, capture_output=True, check=True).stdout
    return token_from_image(png)


def test_a_name_correction_reaches_the_pdf_the_qr_digilocker_and_the_verifier(
        issuer_url: str, make_registration: Callable[..., Registration],
        issue: Callable[..., IssuedCredential], token_factory: Callable[..., str]) -> None:
    registration = make_registration(professional={"name": MISSPELT})
    old = issue(registration)
    assert pull_uri(issuer_url, registration).outcome == sim.NOT_FOUND
    base = issuer_url.removesuffix("/digilocker")
    staff = {"Authorization": f"Bearer {token_factory()}"}
    corrected = httpx.post(f"{base}/registrations/{registration.id}/correct", headers=staff,
                           json={"field": "name", "value": NAME, "order": "HMC/C/2026/4"})
    assert corrected.status_code == 200, corrected.text
    [[old_number, new_number]] = corrected.json()["certificates"]["reissued"]
    assert old_number == old.certificate_number

    new = httpx.get(f"{base}/credentials/{new_number}", headers=staff).json()
    window = (datetime.fromisoformat(new["valid_from"]), datetime.fromisoformat(new["valid_until"]))
    assert window == (old.valid_from, old.valid_until)
    assert _subject(new["token"])["name"] == NAME

    verdict = pull_uri(issuer_url, registration)  # DigiLocker's next pull
    assert (verdict.outcome, verdict.problems) == ("ok", [])
    assert verdict.uri == f"{ISSUER_ID}-HMCRC-{new_number.replace('-', '')}"
    assert verdict.pdf is not None
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=verdict.pdf,
                          capture_output=True, check=True).stdout.decode("utf-8")
    assert " ".join(NAME.split()) in " ".join(text.split()) and MISSPELT not in text
    assert _subject(_qr_token(verdict.pdf))["name"] == NAME
    assert token_from_pdf(verdict.pdf) == new["token"]

    verifier = Verifier.from_settings(VerifierSettings(trusted_issuers=[TrustedIssuer(
        issuer=base, jwks_uri=f"{base}/.well-known/jwks.json", name="Haryana (test)")]))
    try:
        result = verifier.verify(old.token, now=NOW)
        replacement = verifier.verify(new["token"], now=NOW)
    finally:
        verifier.close()
    status = result.check("status")
    assert not result.verified and status.code == "credential.revoked"
    assert "replaced by a newer certificate" in status.detail and new_number in status.detail
    assert replacement.verified, replacement.failures
