"""The verifier reports an uploaded PDF's own signature beside the credential: signed by the
credential's council with a key it publishes, covering the whole file, not altered since. An
edited page with a genuine QR is flagged, and the details shown stay the credential's."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from issuer.delivery.pdf import CertificatePdfRenderer
from issuer.delivery.signature import DocumentSigner
from keys.cms import CmsSigner
from keys.signing import SigningKey
from keys.storage import generate_private_key
from keys.x509 import Signatory, issue_document_certificate, make_authority
from schemas.credential import INDIA
from schemas.qr_payload import encode_qr_text
from schemas.registry import default_registry
from tests.clock import NOW
from tests.pdfsig import append_update, edit_bytes, edit_printed_glyph
from tests.verifier.conftest import PUBLIC_BASE, JwksServer, SetClock, make_credential, sign
from tests.verifier.test_cli import check_json, run
from verifier.api import create_app
from verifier.settings import VerifierSettings
from verifier.trust import TrustStore
from verifier.verify import Verifier

COUNCIL = "Haryana Medical Council"
PAGE_URL = "https://verify.pramaan.hr.gov.in/v"
ALTERED = "the printed text was altered after signing; trust the QR details, not the page"


@pytest.fixture(scope="module")
def renderer() -> CertificatePdfRenderer:
    return CertificatePdfRenderer.load()


def signer_for(key: SigningKey, council: str = COUNCIL) -> DocumentSigner:
    """A council's document signer for ``key``, certified by a fresh demo authority."""
    authority = make_authority(generate_private_key("ES256"), now=NOW)
    certificate = issue_document_certificate(
        authority, key.key.public_key(), Signatory(council, "Dr. Ramesh Kumar Sharma",
                                                   "Registrar"), now=NOW)
    return DocumentSigner(CmsSigner(key.key, (certificate, authority.certificate)),
                          registrar="Dr. Ramesh Kumar Sharma", designation="Registrar",
                          council=council, location="Panchkula", signed_at=NOW)


def render(renderer: CertificatePdfRenderer, token: str, signer: DocumentSigner | None,
           credential: dict[str, Any] | None = None) -> bytes:
    return renderer.render(credential or make_credential(), token=token,
                           qr_text=encode_qr_text(token, page_url=PAGE_URL),
                           registry=default_registry(), signer=signer)


@pytest.fixture
def token(es256_key: SigningKey) -> str:
    return sign(make_credential(), es256_key)


@pytest.fixture
def client(verifier_settings: VerifierSettings, trust: TrustStore) -> Iterator[TestClient]:
    verifier = Verifier(trust, algorithms=verifier_settings.algorithms,
                        registry=default_registry())
    app = create_app(verifier_settings, verifier=verifier, clock=SetClock(NOW))
    with TestClient(app) as c:
        yield c


def pdf_signature(client: TestClient, data: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    response = client.post("/verify", files={"file": ("c.pdf", data, "application/pdf")})
    assert response.status_code == 200, response.text
    body = response.json()
    return body, body["pdfSignature"]


def test_the_councils_signed_pdf_is_reported_valid(client: TestClient, token: str,
                                                  es256_key: SigningKey,
                                                  renderer: CertificatePdfRenderer) -> None:
    body, report = pdf_signature(client, render(renderer, token, signer_for(es256_key)))
    assert body["verified"] is True
    assert (report["state"], report["valid"], report["coversWholeFile"]) == ("valid", True, True)
    assert report["signer"] == COUNCIL
    assert report["signedAt"] == NOW.astimezone(INDIA).isoformat()
    assert COUNCIL in report["message"]


def test_an_edited_page_with_a_genuine_qr_is_flagged_and_the_credential_shown(
        client: TestClient, token: str, es256_key: SigningKey,
        renderer: CertificatePdfRenderer) -> None:
    body, report = pdf_signature(client, edit_printed_glyph(
        render(renderer, token, signer_for(es256_key))))
    assert body["verified"] is True  # the credential (attachment and QR) is still genuine …
    assert body["credential"]["credentialSubject"]["registrationNumber"] == "HMC/2016/0045217"
    assert (report["state"], report["valid"], report["code"]) == (
        "altered", False, "pdf.signature_invalid")
    assert report["message"] == f"{ALTERED[0].upper()}{ALTERED[1:]}."  # … but not the page


def test_a_changed_byte_outside_the_page_is_altered_too(client: TestClient, token: str,
                                                       es256_key: SigningKey,
                                                       renderer: CertificatePdfRenderer) -> None:
    signed = render(renderer, token, signer_for(es256_key))
    _, report = pdf_signature(client, edit_bytes(signed, b"HMC-RC-7K3M-Q9PX", b"HMC-RC-7K3M-Q9PY"))
    assert report["state"] == "altered"


def test_an_appended_update_is_not_wholly_signed(client: TestClient, token: str,
                                                 es256_key: SigningKey,
                                                 renderer: CertificatePdfRenderer) -> None:
    _, report = pdf_signature(client, append_update(render(renderer, token,
                                                           signer_for(es256_key))))
    assert (report["state"], report["coversWholeFile"], report["code"]) == (
        "not_wholly_signed", False, "pdf.not_wholly_signed")


def test_an_unsigned_pdf_says_so(client: TestClient, token: str,
                                 renderer: CertificatePdfRenderer) -> None:
    body, report = pdf_signature(client, render(renderer, token, None))
    assert body["verified"] is True
    assert (report["state"], report["code"]) == ("unsigned", "pdf.unsigned")


def test_a_key_the_council_does_not_publish_is_the_wrong_signer(
        client: TestClient, token: str, rogue_key: SigningKey,
        renderer: CertificatePdfRenderer) -> None:
    """A forger's own certificate naming the council, and a valid CMS under it."""
    _, report = pdf_signature(client, render(renderer, token, signer_for(rogue_key)))
    assert (report["state"], report["code"]) == ("wrong_signer", "pdf.wrong_signer")
    assert "does not publish" in report["detail"]


def test_another_organisation_with_the_councils_key_is_the_wrong_signer(
        client: TestClient, token: str, es256_key: SigningKey,
        renderer: CertificatePdfRenderer) -> None:
    signer = signer_for(es256_key, council="Haryana State Dental Council")
    _, report = pdf_signature(client, render(renderer, token, signer))
    assert report["state"] == "wrong_signer"


def test_a_pdf_whose_credential_fails_cannot_have_its_signer_judged(
        client: TestClient, es256_key: SigningKey, rogue_key: SigningKey,
        renderer: CertificatePdfRenderer) -> None:
    forged = sign(make_credential(), rogue_key)
    body, report = pdf_signature(client, render(renderer, forged, signer_for(es256_key)))
    assert body["verified"] is False
    assert (report["state"], report["valid"]) == ("cannot_check", False)


def test_a_token_alone_has_no_pdf_signature(client: TestClient, token: str) -> None:
    body = client.post("/verify", json={"token": token}).json()
    assert body["verified"] is True and body["pdfSignature"] is None


def test_verifier_check_reports_the_pdf_signature(
        tmp_path: Path, es256_key: SigningKey, renderer: CertificatePdfRenderer,
        jwks_server: JwksServer) -> None:
    now = datetime.now(UTC)  # the CLI reads the wall clock
    current = sign(make_credential(valid_from=now - timedelta(days=1),
                                   valid_until=now + timedelta(days=30), issued_at=now),
                   es256_key)
    trust_flags = ["--issuer", PUBLIC_BASE, "--jwks", jwks_server.jwks_uri]
    signed = render(renderer, current, signer_for(es256_key))
    path = tmp_path / "certificate.pdf"
    path.write_bytes(signed)
    status, body = check_json(str(path), *trust_flags)
    assert status == 0 and body["pdfSignature"]["state"] == "valid"
    path.write_bytes(edit_printed_glyph(signed))
    done = run("check", str(path), *trust_flags)
    assert done.returncode == 0, done.stderr  # the credential is valid …
    assert "[FAIL] PDF signature  The printed text was altered after signing" in done.stdout



def test_the_folder_report_has_the_pdf_signature(tmp_path: Path, es256_key: SigningKey,
                                                 renderer: CertificatePdfRenderer,
                                                 jwks_server: JwksServer) -> None:
    now = datetime.now(UTC)
    current = sign(make_credential(valid_from=now - timedelta(days=1),
                                   valid_until=now + timedelta(days=30), issued_at=now),
                   es256_key)
    signed = render(renderer, current, signer_for(es256_key))
    (tmp_path / "a-signed.pdf").write_bytes(signed)
    (tmp_path / "b-edited.pdf").write_bytes(edit_printed_glyph(signed))
    (tmp_path / "c-token.jwt").write_text(current)
    out = tmp_path / "report.csv"
    done = run("check", str(tmp_path), "--report", str(out), "--issuer", PUBLIC_BASE,
               "--jwks", jwks_server.jwks_uri)
    assert done.returncode == 0, done.stderr  # every credential is valid …
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["verdict"], r["pdf_signature"]) for r in rows] == [
        ("Valid", "valid"), ("Valid", "altered"), ("Valid", "")]  # … one page is not
