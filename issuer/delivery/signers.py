"""Who signs a council's PDFs: the key ring's signing key, with a certificate naming the council.

The document-signing certificate certifies the same key that signs the council's vc+jwt, so a
verifier ties the PDF to the credential's issuer by comparing the certificate's key with the
issuer's JWKS (docs/credential.md, "The PDF's own signature"). Certificates are made per council
and signing key:

- in development and tests, by the demo authority ``issuer init`` creates
  (``ensure_demo_authority``; its private key sealed with the key passphrase like the signing
  keys), on first use after a key rotation too;
- in production, configured: ``pdf_certificates_dir/<council id>.pem``, the chain from a licensed
  certifying authority, leaf first, whose leaf must certify the current signing key (a rotation
  therefore needs new certificates before the new key activates).

Certificates and the decrypted authority are cached per process; a render costs one small query
(which key signs now) and the signature itself.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from issuer.delivery.models import DocumentAuthority, DocumentCertificate
from issuer.delivery.signature import DocumentSigner
from issuer.keystore.service import KeyRingCache
from keys.cms import CmsSigner
from keys.signing import SigningKey
from keys.storage import (
    DEFAULT_COST,
    decrypt_private_key,
    encrypt_private_key,
    generate_private_key,
)
from keys.x509 import Authority, Signatory, certifies, issue_document_certificate, load_chain
from keys.x509 import make_authority as make_x509_authority
from schemas.errors import ConfigurationError
from schemas.registry import Council

DEMO_AUTHORITY = "demo"


def ensure_demo_authority(session: Session, *, passphrase: str, now: datetime,
                          kdf_cost: int = DEFAULT_COST) -> bool:
    """Make the demo certifying authority unless there is one; True when made."""
    if session.get(DocumentAuthority, DEMO_AUTHORITY) is not None:
        return False
    key = generate_private_key("ES256")
    authority = make_x509_authority(key, now=now)
    session.add(DocumentAuthority(id=DEMO_AUTHORITY, certificate=authority.certificate,
                                  encrypted_private_key=encrypt_private_key(
                                      key, passphrase, cost=kdf_cost), created_at=now))
    session.flush()
    return True


def signatory(council: Council) -> Signatory:
    return Signatory(council=council.name, registrar=council.registrar or "Registrar",
                     designation=council.registrar_designation,
                     locality=council.locality or "Panchkula")


def issue_certificates(session: Session, councils: Iterable[Council], key: SigningKey, *,
                       passphrase: str, now: datetime) -> int:
    """A certificate from the demo authority for each council lacking one for ``key``."""
    made = 0
    for council in councils:
        if _stored(session, council.id, key.kid) is None:
            _issue(session, council, key, passphrase=passphrase, now=now)
            made += 1
    return made


def chain_for(session: Session, council: Council, key: SigningKey, *, passphrase: str,
              now: datetime) -> tuple[bytes, ...]:
    """The stored chain (leaf, authority) for ``council`` and ``key``, issued now by the demo
    authority if there is none yet."""
    row = _stored(session, council.id, key.kid)
    if row is None:
        row = _issue(session, council, key, passphrase=passphrase, now=now)
    authority = session.get(DocumentAuthority, row.authority_id)
    return (row.certificate, *((authority.certificate,) if authority else ()))


def _stored(session: Session, council_id: str, kid: str) -> DocumentCertificate | None:
    return session.scalars(select(DocumentCertificate).where(
        DocumentCertificate.council_id == council_id, DocumentCertificate.kid == kid)).first()


def _issue(session: Session, council: Council, key: SigningKey, *, passphrase: str,
           now: datetime) -> DocumentCertificate:
    row = session.get(DocumentAuthority, DEMO_AUTHORITY)
    if row is None or row.encrypted_private_key is None:
        raise ConfigurationError(
            f"there is no PDF-signing certificate for {council.name} and key {key.kid}",
            hint="run `issuer init` (development), or configure pdf_certificates_dir with the "
                 "council's certificate chain for the current signing key")
    authority = Authority(row.certificate, decrypt_private_key(row.encrypted_private_key,
                                                               passphrase))
    stored = DocumentCertificate(council_id=council.id, kid=key.kid, authority_id=row.id,
                                 certificate=issue_document_certificate(
                                     authority, key.key.public_key(), signatory(council),
                                     now=now), created_at=now)
    session.add(stored)
    session.flush()
    return stored


def configured_chain(directory: Path, council: Council, key: SigningKey) -> tuple[bytes, ...]:
    """Production: ``<council id>.pem`` in ``directory``, whose leaf certifies ``key``."""
    path = directory / f"{council.id}.pem"
    if not path.is_file():
        raise ConfigurationError(f"no PDF-signing certificate chain at {path}",
                                 hint="put the council's chain there, leaf first, in PEM")
    chain = load_chain(path.read_bytes())
    if not chain or not certifies(chain[0], key.key.public_key()):
        raise ConfigurationError(f"the certificate in {path} is not for the current signing "
                                 f"key {key.kid}",
                                 hint="have the certifying authority certify the current key")
    return chain


def x5c_chains(session: Session) -> dict[str, list[str]]:
    """For the JWKS: per key, one chain (leaf first, base64 DER, RFC 7517 §4.7) of the first
    council's document certificate for it. Every council's certificate certifies the same key
    and comes from the same authority, so one chain traces the key to that authority."""
    chains: dict[str, list[str]] = {}
    rows = session.scalars(select(DocumentCertificate).order_by(
        DocumentCertificate.council_id, DocumentCertificate.id))
    authorities = {a.id: a.certificate for a in session.scalars(select(DocumentAuthority))}
    for row in rows:
        if row.kid not in chains:
            chain = [row.certificate, authorities.get(row.authority_id, b"")]
            chains[row.kid] = [base64.b64encode(c).decode("ascii") for c in chain if c]
    return chains


def with_x5c(jwks: Mapping[str, Any], chains: Mapping[str, list[str]]) -> dict[str, Any]:
    return {**jwks, "keys": [{**k, "x5c": chains[k["kid"]]} if k.get("kid") in chains else k
                             for k in jwks["keys"]]}


@dataclass
class DocumentSigners:
    """The renderer's ``SignerSource``: for a council, its signer at this moment."""

    sessions: sessionmaker[Session]
    keyring: KeyRingCache
    clock: Callable[[], datetime]
    passphrase: str
    certificates_dir: Path | None = None

    def __post_init__(self) -> None:
        self._chains: dict[tuple[str, str], CmsSigner] = {}
        self._lock = threading.Lock()

    def __call__(self, council: Council) -> DocumentSigner:
        now = self.clock()
        with self.sessions.begin() as session:
            key = self.keyring.current(session, now=now).signer
            cms = self._chains.get((council.id, key.kid))
            if cms is None:
                with self._lock:
                    cms = CmsSigner(key.key, self._chain(session, council, key, now))
                    self._chains[council.id, key.kid] = cms
        return DocumentSigner(cms, registrar=council.registrar or council.registrar_designation,
                              designation=council.registrar_designation, council=council.name,
                              location=council.locality or council.name, signed_at=now)

    def _chain(self, session: Session, council: Council, key: SigningKey, now: datetime
               ) -> tuple[bytes, ...]:
        if self.certificates_dir is not None:
            return configured_chain(self.certificates_dir, council, key)
        return chain_for(session, council, key, passphrase=self.passphrase, now=now)
