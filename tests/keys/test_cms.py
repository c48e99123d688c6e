"""CMS SignedData for PDF signatures: the spliced fast path gives byte for byte what asn1crypto
builds whole, pyHanko-independent verification accepts it and refuses every alteration."""

from __future__ import annotations

import hashlib

import pytest
from asn1crypto import cms

from keys.cms import CmsSigner, verify_signed_data
from keys.signing import SigningKey
from keys.storage import generate_private_key
from keys.x509 import (
    Signatory,
    certifies,
    issue_document_certificate,
    key_id_of,
    make_authority,
    organization_of,
)
from schemas.errors import PdfSignatureInvalid
from tests.clock import NOW

COUNCIL = "Board of Ayurvedic and Unani Systems of Medicine, Haryana"
CONTENT = b"%PDF-1.7 the signed byte ranges"


@pytest.fixture(scope="module", params=["ES256", "EdDSA"])
def signer(request: pytest.FixtureRequest) -> CmsSigner:
    authority = make_authority(generate_private_key("ES256"), now=NOW)
    key = generate_private_key(request.param)
    certificate = issue_document_certificate(
        authority, key.public_key(), Signatory(COUNCIL, "Dr. Meenakshi Verma", "Registrar"),
        now=NOW)
    return CmsSigner(key, (certificate, authority.certificate))


def test_the_fast_encoding_is_asn1cryptos(signer: CmsSigner) -> None:
    for content in (CONTENT, b"", b"x" * 100_000):
        digest = hashlib.sha256(content).digest()
        assert signer.sign(digest) == signer.sign_slowly(digest)
        assert len(signer.sign(digest)) <= signer.max_size


def test_a_signature_verifies_and_names_its_certificate(signer: CmsSigner) -> None:
    certificate = verify_signed_data(signer.sign(hashlib.sha256(CONTENT).digest()), CONTENT)
    assert certificate == signer.chain[0]
    assert organization_of(certificate) == COUNCIL
    assert certifies(certificate, signer.key.public_key())
    assert key_id_of(certificate) == SigningKey.from_private_key(signer.key).kid


def test_pades_signed_attributes_only(signer: CmsSigner) -> None:
    blob = signer.sign(hashlib.sha256(CONTENT).digest())
    attributes = cms.ContentInfo.load(blob)["content"]["signer_infos"][0]["signed_attrs"]
    assert [a["type"].native for a in attributes] == [
        "content_type", "message_digest", "signing_certificate_v2"]  # no signing_time


def test_other_content_is_refused(signer: CmsSigner) -> None:
    blob = signer.sign(hashlib.sha256(CONTENT).digest())
    with pytest.raises(PdfSignatureInvalid, match="altered after signing"):
        verify_signed_data(blob, CONTENT + b" ")


def test_a_changed_signature_is_refused(signer: CmsSigner) -> None:
    blob = bytearray(signer.sign(hashlib.sha256(CONTENT).digest()))
    blob[-5] ^= 1  # inside the signature value, the last element
    with pytest.raises(PdfSignatureInvalid):
        verify_signed_data(bytes(blob), CONTENT)


def test_garbage_is_refused_not_crashed() -> None:
    for blob in (b"", b"\x30\x03\x02\x01\x01", b"\x00" * 64, b"not der"):
        with pytest.raises(PdfSignatureInvalid):
            verify_signed_data(blob, CONTENT)


def test_long_council_names_fit_x520() -> None:
    """X.520 caps an organisation name at 64 characters; the certificate is still made."""
    authority = make_authority(generate_private_key("ES256"), now=NOW)
    long_name = "Board of " + "Ayurvedic " * 10
    certificate = issue_document_certificate(
        authority, generate_private_key("ES256").public_key(),
        Signatory(long_name, "Registrar", "Registrar"), now=NOW)
    assert organization_of(certificate) == long_name[:64]
