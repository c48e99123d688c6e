"""Every issued PDF is signed by its council (PAdES B-B): poppler's pdfsig and pyHanko's validator
agree it is valid, covers the whole file and names the council; an edited page or an appended
update is reported by both."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import cms
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from issuer.auth.service import authenticate
from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.delivery.models import DocumentAuthority
from issuer.delivery.pdf import CertificatePdfRenderer
from issuer.delivery.service import certificate_pdf
from issuer.delivery.signers import DocumentSigners, signatory
from issuer.registry.models import Registration
from issuer.state import IssuerState
from keys.jwk import parse_jwks
from keys.storage import generate_private_key
from keys.x509 import certifies, issue_document_certificate, make_authority
from schemas.credential import INDIA, time_for_people
from schemas.errors import ConfigurationError
from tests.clock import NOW
from tests.conftest import PASSPHRASE
from tests.issuer.delivery.conftest import assert_valid_pdf
from tests.issuer.delivery.test_pdf import pdftotext
from tests.pdfsig import append_update, demo_root, edit_bytes, edit_printed_glyph, hanko, pdfsig

COUNCIL = "Haryana Medical Council"


@pytest.fixture
def issued(session: Session, state: IssuerState, token_factory: Callable[..., str],
           make_registration: Callable[..., Registration]) -> IssuedCredential:
    staff = authenticate(session, f"Bearer {token_factory()}", now=NOW)
    row = credentials.issue_in(state.issue_context(session), session,
                               credentials.IssueRequest(make_registration().id, "registration",
                                                        {}), staff=staff, now=NOW)
    session.commit()
    return row


@pytest.fixture
def signed(state: IssuerState, issued: IssuedCredential) -> bytes:
    return certificate_pdf(issued, renderer=state.renderer, registry=state.registry,
                           page_url=state.settings.verify_page_url)


def test_pdfsig_says_valid_whole_file_signed_by_the_council(signed: bytes, tmp_path: Path
                                                            ) -> None:
    report = pdfsig(signed, tmp_path)
    assert "Signature is Valid." in report, report
    assert "Total document signed" in report
    assert f"Signer Certificate Common Name: {COUNCIL}" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert_valid_pdf(signed, tmp_path)


def test_pyhanko_finds_it_intact_trusted_and_covering_everything(
        signed: bytes, session: Session) -> None:
    verdict = hanko(signed, demo_root(session))
    assert (verdict.intact, verdict.valid, verdict.trusted, verdict.whole_file,
            verdict.bottom_line) == (True, True, True, True, True)
    assert COUNCIL in verdict.signer


def test_the_signature_is_pades_baseline_b(signed: bytes) -> None:
    """CAdES detached, no signing-time among the signed attributes (PAdES: the time is /M),
    signing-certificate-v2 present, the hole's size as reserved."""
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        field = pdf.Root.AcroForm.Fields[0]
        sig = field.V
        assert (str(sig.SubFilter), str(sig.Filter)) == ("/ETSI.CAdES.detached",
                                                         "/Adobe.PPKLite")
        assert str(sig.M) == f"D:{NOW.astimezone(INDIA):%Y%m%d%H%M%S}+05'30'"
        assert len(bytes(sig.Contents)) % 512 == 0 and len(bytes(sig.Contents)) <= 4096
        ranges = [int(n) for n in sig.ByteRange]
        assert ranges[0] == 0 and ranges[2] + ranges[3] == len(signed)
        rect = [float(n) for n in field.Rect]
        assert rect[2] - rect[0] > 100 and rect[3] - rect[1] > 40  # the visible block
        blob = bytes(sig.Contents)
    signer = cms.ContentInfo.load(blob)["content"]["signer_infos"][0]
    names = {a["type"].native for a in signer["signed_attrs"]}
    assert names == {"content_type", "message_digest", "signing_certificate_v2"}


def test_the_visible_block_says_who_signed_and_when(signed: bytes) -> None:
    text = " ".join(pdftotext(signed).split())
    assert "Digitally signed by" in text
    assert "Dr. Ramesh Kumar Sharma" in text and "Registrar / रजिस्ट्रार" in text
    assert time_for_people(NOW) in text


def test_one_changed_glyph_is_reported_by_both(signed: bytes, session: Session,
                                               tmp_path: Path) -> None:
    edited = edit_printed_glyph(signed)
    assert "Signature is Valid." not in pdfsig(edited, tmp_path)
    verdict = hanko(edited, demo_root(session))
    assert not verdict.intact and not verdict.bottom_line


def test_one_changed_byte_in_the_signed_metadata_is_reported_by_both(
        signed: bytes, session: Session, issued: IssuedCredential, tmp_path: Path) -> None:
    number = issued.certificate_number.encode()
    edited = edit_bytes(signed, number, number[:-1] + (b"X" if number[-1:] != b"X" else b"Y"))
    report = pdfsig(edited, tmp_path)
    assert "Signature is Valid." not in report
    verdict = hanko(edited, demo_root(session))
    assert not verdict.intact and not verdict.bottom_line


def test_an_appended_update_is_reported_as_not_covering_the_file(
        signed: bytes, session: Session, tmp_path: Path) -> None:
    appended = append_update(signed)
    report = pdfsig(appended, tmp_path)
    assert "Total document signed" not in report
    assert "Not total document signed" in report
    verdict = hanko(appended, demo_root(session))
    assert verdict.intact  # the signed revision itself is untouched …
    assert not verdict.whole_file  # … but it no longer covers the file


def test_the_jwks_key_carries_the_chain_of_the_same_key(signed: bytes, client: TestClient,
                                                        session: Session) -> None:
    """x5c (RFC 7517 §4.7): the first certificate is for the JWK's own key, the last is the
    authority that issued the PDF's certificate."""
    document = client.get("/.well-known/jwks.json").json()
    [entry] = document["keys"]
    chain = [base64.b64decode(c) for c in entry["x5c"]]
    key = parse_jwks(document)[entry["kid"]].key
    assert certifies(chain[0], key)
    assert chain[-1] == demo_root(session)
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        blob = bytes(pdf.Root.AcroForm.Fields[0].V.Contents)
    carried = [c.chosen.dump() for c in cms.ContentInfo.load(blob)["content"]["certificates"]]
    assert chain[0] in carried  # this council's is the only certificate yet, so x5c's leaf


def test_without_an_authority_or_configured_chain_no_pdf_is_made(
        session: Session, state: IssuerState, issued: IssuedCredential) -> None:
    """Production without certificates refuses to print rather than hand out unsigned PDFs."""
    session.query(DocumentAuthority).delete()
    session.commit()
    with pytest.raises(ConfigurationError, match="no PDF-signing certificate"):
        certificate_pdf(issued, renderer=state.renderer, registry=state.registry,
                        page_url=state.settings.verify_page_url)


def test_production_signs_with_the_configured_chain_for_the_current_key(
        session: Session, state: IssuerState, issued: IssuedCredential, tmp_path: Path) -> None:
    """pdf_certificates_dir/<council>.pem from an outside authority, leaf first; a chain for
    another key is refused rather than used."""
    ring = state.keyring.current(session, now=NOW)
    outside = make_authority(generate_private_key("ES256"), now=NOW,
                             name="Licensed CA (test)")
    council = state.registry.council("hmc")
    leaf = issue_document_certificate(outside, ring.signer.key.public_key(), signatory(council),
                                      now=NOW)
    (tmp_path / "hmc.pem").write_bytes(_pem(leaf) + _pem(outside.certificate))
    signers = DocumentSigners(state.sessions, state.keyring, state.clock, PASSPHRASE,
                              certificates_dir=tmp_path)
    renderer = CertificatePdfRenderer.load(signers=signers)
    pdf = certificate_pdf(issued, renderer=renderer, registry=state.registry,
                          page_url=state.settings.verify_page_url)
    verdict = hanko(pdf, outside.certificate)
    assert (verdict.intact, verdict.trusted, verdict.whole_file) == (True, True, True)

    other = issue_document_certificate(outside, generate_private_key("ES256").public_key(),
                                       signatory(council), now=NOW)
    (tmp_path / "hmc.pem").write_bytes(_pem(other))
    stale = DocumentSigners(state.sessions, state.keyring, state.clock, PASSPHRASE,
                            certificates_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="not for the current signing key"):
        stale(council)


def _pem(der: bytes) -> bytes:
    body = base64.encodebytes(der).decode("ascii").replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return ("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines)
            + "\n-----END CERTIFICATE-----\n").encode("ascii")
