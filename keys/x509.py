"""X.509 certificates for PDF signing: a demo certificate authority and one document-signing
certificate per council.

The document-signing certificate certifies the *same* public key that signs the council's vc+jwt
(the key ring's signer), so the PDF's signer and the credential's JWKS key are one key: a
verifier compares the certificate's key with the JWKS instead of running a PKI of its own. In
production the chain comes from a licensed certifying authority (``load_chain``); in development
``issuer init`` makes a demo authority (``make_authority``) that nobody else trusts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from keys.jwk import PrivateKey, PublicKey, public_jwk
from schemas.errors import ConfigurationError

AUTHORITY_YEARS = 10
DOCUMENT_YEARS = 3
DEMO_AUTHORITY_NAME = "Pramaan Demo Certifying Authority (not trusted)"
_DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning, RFC 9336


@dataclass(frozen=True)
class Authority:
    """A certifying authority that can issue document-signing certificates: its certificate (DER)
    and its private key, loaded from the encrypted store for the time of one issuance."""

    certificate: bytes
    key: PrivateKey

    def __repr__(self) -> str:  # never show key material
        return f"Authority({subject_of(self.certificate)!r})"


def _hash_for(key: PrivateKey) -> hashes.SHA256 | None:
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def make_authority(key: PrivateKey, *, now: datetime, name: str = DEMO_AUTHORITY_NAME
                   ) -> Authority:
    """A self-signed root for development and tests (path length 0: it signs end entities only)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "IN"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pramaan (demo)"),
                         x509.NameAttribute(NameOID.COMMON_NAME, name)])
    public = key.public_key()
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
               .public_key(public).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1))
               .not_valid_after(now + timedelta(days=365 * AUTHORITY_YEARS))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                            False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False))
    certificate = builder.sign(key, _hash_for(key))
    return Authority(certificate.public_bytes(serialization.Encoding.DER), key)


@dataclass(frozen=True)
class Signatory:
    """Who a council's document-signing certificate names."""

    council: str
    registrar: str
    designation: str
    locality: str = "Panchkula"
    state: str = "Haryana"


def issue_document_certificate(authority: Authority, public_key: PublicKey, signatory: Signatory,
                               *, now: datetime) -> bytes:
    """A certificate (DER) for ``public_key`` naming the council as common name and organisation
    (what ``pdfsig`` and Acrobat show as the signer) and its Registrar's designation as title.
    The Registrar's own name is in the signature dictionary and on the page: a person changes
    office more often than a key is rotated. X.520 caps these names at 64 characters."""
    council = signatory.council[:64]
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IN"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, signatory.state[:64]),
        x509.NameAttribute(NameOID.LOCALITY_NAME, signatory.locality[:64]),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, council),
        x509.NameAttribute(NameOID.TITLE, signatory.designation[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, council)])
    issuer = x509.load_der_x509_certificate(authority.certificate)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer.subject)
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=5))
               .not_valid_after(min(now + timedelta(days=365 * DOCUMENT_YEARS),
                                    issuer.not_valid_after_utc))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                            False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([_DOCUMENT_SIGNING,
                                                     ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                              critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key),
                              critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   authority.key.public_key()), critical=False))
    return builder.sign(authority.key, _hash_for(authority.key)).public_bytes(
        serialization.Encoding.DER)


def load_chain(pem: bytes) -> tuple[bytes, ...]:
    """A PEM certificate chain (leaf first), as DER: the production configuration."""
    try:
        chain = x509.load_pem_x509_certificates(pem)
    except ValueError as err:
        raise ConfigurationError("the PDF-signing certificate chain is not PEM certificates",
                                 hint="give the leaf first, then its issuers") from err
    return tuple(c.public_bytes(serialization.Encoding.DER) for c in chain)


def certifies(certificate: bytes, public_key: PublicKey) -> bool:
    """Whether ``certificate`` is for ``public_key`` (the same SubjectPublicKeyInfo)."""
    return spki(x509.load_der_x509_certificate(certificate).public_key()) == spki(public_key)


def spki(public_key: object) -> bytes:
    if not isinstance(public_key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)):
        return b""
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def subject_of(certificate: bytes) -> str:
    return x509.load_der_x509_certificate(certificate).subject.rfc4514_string()


def organization_of(certificate: bytes) -> str | None:
    """The certificate subject's organisation: the council, for our document certificates."""
    names = x509.load_der_x509_certificate(certificate).subject.get_attributes_for_oid(
        NameOID.ORGANIZATION_NAME)
    value = names[0].value if names else None
    return value if isinstance(value, str) else None


def common_name_of(certificate: bytes) -> str | None:
    names = x509.load_der_x509_certificate(certificate).subject.get_attributes_for_oid(
        NameOID.COMMON_NAME)
    value = names[0].value if names else None
    return value if isinstance(value, str) else None


def key_id_of(certificate: bytes) -> str | None:
    """The RFC 7638 thumbprint of the certified key: the ``kid`` the issuer publishes it under
    in its JWKS. None for a key type no JWKS of ours carries."""
    public = x509.load_der_x509_certificate(certificate).public_key()
    if not isinstance(public, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)):
        return None
    try:
        return str(public_jwk(public)["kid"])
    except ConfigurationError:  # a curve we do not sign with
        return None
