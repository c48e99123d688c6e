"""Signing keys, private part encrypted at rest (PKCS#8 with the deployment's passphrase)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base, UtcDateTime


class StoredKey(Base):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(100), primary_key=True)
    alg: Mapped[str] = mapped_column(String(16))
    encrypted_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    activates_at: Mapped[datetime] = mapped_column(UtcDateTime)
    """When it starts signing: after the pre-publication period, so that verifiers have it
    first (equal to ``created_at`` for the first key and after an emergency rotation)."""
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    compromised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
