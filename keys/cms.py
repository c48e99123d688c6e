"""CMS SignedData for PDF signatures (PAdES B-B, ETSI EN 319 142-1; CAdES detached, RFC 5652).

Built directly with asn1crypto and signed with ``cryptography``: pyHanko's ``sign_pdf`` re-reads
the whole file (about 34 ms a certificate), while the PDF writer here already knows where the
signature goes, so the costs are one hash of the byte ranges and one ECDSA signature.

PAdES B-B signed attributes: content-type (id-data), message-digest and signing-certificate-v2;
*no* signing-time (PAdES puts the claimed time in the signature dictionary's ``/M``). ECDSA
signatures are deterministic (RFC 6979), so the same document signed at the same time gives the
same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from keys.jwk import PrivateKey
from schemas.errors import PdfSignatureInvalid

MAX_CMS_BYTES = 65_536
_DIGESTS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_ECDSA_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256_ecdsa": hashes.SHA256(), "sha384_ecdsa": hashes.SHA384(),
    "sha512_ecdsa": hashes.SHA512()}


@dataclass(frozen=True)
class CmsSigner:
    """A private key and its certificate chain (DER, leaf first), with the parts of the signed
    attributes that depend only on the certificate computed once."""

    key: PrivateKey
    chain: tuple[bytes, ...]

    def __post_init__(self) -> None:
        if not self.chain:
            raise ValueError("a CMS signer needs its certificate")

    def __repr__(self) -> str:  # never show key material
        subject = x509.load_der_x509_certificate(self.chain[0]).subject.rfc4514_string()
        return f"CmsSigner({subject!r})"

    def sign(self, digest: bytes) -> bytes:
        """DER ContentInfo(SignedData) over content whose SHA-256 is ``digest``.

        Everything but the digest and the signature is the same for every document of this
        signer, so it is encoded once (``_template``, by asn1crypto) and each signature only
        splices the two in: asn1crypto building the whole structure took about 10 ms a
        document, more than the rest of the PDF."""
        if len(digest) != len(_MARK):
            raise ValueError("a SHA-256 digest is 32 bytes")
        template = self._template
        attributes = template.attributes.replace(_MARK, digest)
        signer = _tlv(0x30, template.signer_head.replace(_MARK, digest)
                      + _tlv(0x04, self._sign(attributes)))
        signed = _tlv(0x30, template.signed_head + _tlv(0x31, signer))
        return _tlv(0x30, _SIGNED_DATA_OID + _tlv(0xA0, signed))

    def sign_slowly(self, digest: bytes) -> bytes:
        """The same CMS built whole by asn1crypto: the reference ``sign`` is tested against."""
        signature = self._sign(self._attributes(digest).dump())
        der: bytes = cms.ContentInfo({"content_type": "signed_data",
                                      "content": self._signed_data(digest, signature)}).dump()
        return der

    @property
    def max_size(self) -> int:
        """An upper bound of ``sign``'s output: the fixed parts plus the longest signature
        (ECDSA P-384 in DER, 104 bytes) and the DER headers around it."""
        template = self._template
        return len(template.signed_head) + len(template.signer_head) + 104 + 40

    @cached_property
    def _template(self) -> _Template:
        signed = self._signed_data(_MARK, b"")
        signer = signed["signer_infos"][0]
        head = b"".join(signer[name].dump() for name in (
            "version", "sid", "digest_algorithm", "signed_attrs", "signature_algorithm"))
        signed_head = b"".join(signed[name].dump() for name in (
            "version", "digest_algorithms", "encap_content_info", "certificates"))
        attributes = self._attributes(_MARK).dump()
        if attributes.count(_MARK) != 1 or head.count(_MARK) != 1:
            raise ValueError("the digest placeholder is not unique in the CMS template")
        return _Template(attributes, head, signed_head)

    def _attributes(self, digest: bytes) -> cms.CMSAttributes:
        leaf = asn1_x509.Certificate.load(self.chain[0])
        return cms.CMSAttributes([
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
            cms.CMSAttribute({"type": "signing_certificate_v2",
                              "values": [_signing_certificate(leaf, self.chain[0])]}),
        ])

    def _signed_data(self, digest: bytes, signature: bytes) -> cms.SignedData:
        leaf = asn1_x509.Certificate.load(self.chain[0])
        signer = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
                "issuer": leaf.issuer, "serial_number": leaf.serial_number}}),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": self._attributes(digest),
            "signature_algorithm": {"algorithm": self._algorithm},
            "signature": signature})
        return cms.SignedData({
            "version": "v1", "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [asn1_x509.Certificate.load(c) for c in self.chain],
            "signer_infos": [signer]})

    @property
    def _algorithm(self) -> str:
        return "ed25519" if isinstance(self.key, ed25519.Ed25519PrivateKey) else "sha256_ecdsa"

    def _sign(self, data: bytes) -> bytes:
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return self.key.sign(data)
        return self.key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))


@dataclass(frozen=True)
class _Template:
    attributes: bytes
    """The signed attributes as signed (SET OF), the digest a placeholder."""
    signer_head: bytes
    """SignerInfo's fields up to its signature (the attributes [0]-tagged)."""
    signed_head: bytes
    """SignedData's fields up to its signer infos."""


_MARK = bytes(range(0x60, 0x80))
"""A 32-byte stand-in for the digest while the template is encoded."""
_SIGNED_DATA_OID = bytes.fromhex("06092a864886f70d010702")  # 1.2.840.113549.1.7.2


def _tlv(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length (X.690 §8.1.3), content."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


def _signing_certificate(leaf: asn1_x509.Certificate, der: bytes) -> tsp.SigningCertificateV2:
    """ESSCertIDv2 (RFC 5035) with SHA-256, the default algorithm, which DER leaves out."""
    return tsp.SigningCertificateV2({"certs": [tsp.ESSCertIDv2({
        "cert_hash": hashlib.sha256(der).digest(),
        "issuer_serial": {"issuer": [asn1_x509.GeneralName({"directory_name": leaf.issuer})],
                          "serial_number": leaf.serial_number}})]})


def verify_signed_data(blob: bytes, content: bytes) -> bytes:
    """Check a detached CMS signature over ``content``; return the signer's certificate (DER).

    Checked: one signer; the message-digest attribute equals the digest of ``content``; the
    signer's certificate is in the CMS and matches signing-certificate-v2 when present; the
    signature over the signed attributes verifies under that certificate's key. *Not* checked
    here: who the certificate belongs to and whether anyone trusts it (the caller compares its key
    with the issuer's published keys)."""
    if len(blob) > MAX_CMS_BYTES:
        raise PdfSignatureInvalid("the PDF signature is larger than any this verifier reads")
    try:
        info = cms.ContentInfo.load(blob)  # the zeros padding the hole after it are ignored
        if info["content_type"].native != "signed_data":
            raise PdfSignatureInvalid("the PDF signature is not CMS SignedData")
        signed = info["content"]
        signers = signed["signer_infos"]
        if len(signers) != 1:
            raise PdfSignatureInvalid("the PDF signature has not exactly one signer")
        return _verify_signer(signed, signers[0], content)
    except (ValueError, TypeError, KeyError) as err:
        raise PdfSignatureInvalid("the PDF signature is not readable CMS") from err


def _verify_signer(signed: cms.SignedData, signer: cms.SignerInfo, content: bytes) -> bytes:
    digest_name = signer["digest_algorithm"]["algorithm"].native
    if digest_name not in _DIGESTS:
        raise PdfSignatureInvalid(f"the PDF signature uses digest {digest_name}, not SHA-2")
    attrs = signer["signed_attrs"]
    if not attrs:
        raise PdfSignatureInvalid("the PDF signature has no signed attributes (not PAdES)")
    values = {a["type"].native: a["values"] for a in attrs}
    digest = values.get("message_digest")
    if digest is None or digest[0].native != _DIGESTS[digest_name](content).digest():
        raise PdfSignatureInvalid("the document was altered after signing: its digest differs "
                                  "from the signed one")
    certificate = _signer_certificate(signed, signer)
    wanted = values.get("signing_certificate_v2")
    if wanted is not None:
        ids = wanted[0]["certs"]
        if not any(i["cert_hash"].native == _DIGESTS[
                i["hash_algorithm"]["algorithm"].native](certificate).digest() for i in ids):
            raise PdfSignatureInvalid("the signing certificate differs from the one signed for")
    _check_signature(certificate, signer, b"\x31" + attrs.dump()[1:])
    return certificate


def _signer_certificate(signed: cms.SignedData, signer: cms.SignerInfo) -> bytes:
    sid = signer["sid"]
    if sid.name != "issuer_and_serial_number":
        raise PdfSignatureInvalid("the PDF signer is not named by issuer and serial number")
    wanted = sid.chosen
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert: asn1_x509.Certificate = choice.chosen
        if (cert.serial_number == wanted["serial_number"].native
                and cert.issuer == wanted["issuer"]):
            der: bytes = cert.dump()
            return der
    raise PdfSignatureInvalid("the PDF signature does not carry its signer's certificate")


def _check_signature(certificate: bytes, signer: cms.SignerInfo, data: bytes) -> None:
    public = x509.load_der_x509_certificate(certificate).public_key()
    algorithm = signer["signature_algorithm"]["algorithm"].native
    signature = signer["signature"].native
    try:
        if isinstance(public, ed25519.Ed25519PublicKey) and algorithm == "ed25519":
            public.verify(signature, data)
        elif isinstance(public, ec.EllipticCurvePublicKey) and algorithm in _ECDSA_HASHES:
            public.verify(signature, data, ec.ECDSA(_ECDSA_HASHES[algorithm]))
        else:
            raise PdfSignatureInvalid(f"the PDF signature algorithm {algorithm} is not accepted")
    except InvalidSignature as err:
        raise PdfSignatureInvalid("the PDF signature does not verify under its certificate") \
            from err
