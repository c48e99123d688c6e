"""PDF-signing certificates: the certifying authority that issues them (in development, the demo
authority ``issuer init`` makes, its private key sealed like the signing keys) and one
document-signing certificate per council and signing key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base, UtcDateTime


class DocumentAuthority(Base):
    __tablename__ = "document_authorities"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    """DER; the root (or last configured issuer) of every document certificate it issued."""
    encrypted_private_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Sealed with the key passphrase (``keys.storage``); None for an outside authority, whose
    certificates are configured rather than issued here."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DocumentCertificate(Base):
    __tablename__ = "document_certificates"
    __table_args__ = (UniqueConstraint("council_id", "kid"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    council_id: Mapped[str] = mapped_column(String(32))
    kid: Mapped[str] = mapped_column(String(100))
    """The signing key it certifies: the same key that signs the council's vc+jwt."""
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    authority_id: Mapped[str] = mapped_column(ForeignKey("document_authorities.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
