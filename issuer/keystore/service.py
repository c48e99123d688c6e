"""Signing keys in the database: create, load once, rotate.

The active key signs; retired keys stay published in the JWKS so that everything they signed
still verifies. Decrypted key objects are cached per process and reloaded only when the active
``kid`` changes (one indexed query per issuance), so a rotation done by the CLI in another
process takes effect without a restart.
"""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.keystore.models import StoredKey
from keys.keyring import KeyRing
from keys.signing import SigningKey
from keys.storage import (
    DEFAULT_COST,
    decrypt_private_key,
    encrypt_private_key,
    generate_private_key,
)
from schemas.errors import ConfigurationError

ACTIVE, RETIRED = "active", "retired"


def create_key(session: Session, *, alg: str, passphrase: str, now: datetime,
               kdf_cost: int = DEFAULT_COST) -> SigningKey:
    """A new active key; any previous active key is retired (still published, no longer signs)."""
    key = SigningKey.from_private_key(generate_private_key(alg))
    for old in session.scalars(select(StoredKey).where(StoredKey.status == ACTIVE)):
        old.status, old.retired_at = RETIRED, now
    session.add(StoredKey(kid=key.kid, alg=key.alg, status=ACTIVE, created_at=now,
                          encrypted_private_key=encrypt_private_key(key.key, passphrase,
                                                                cost=kdf_cost)))
    session.flush()
    return key


rotate = create_key


def active_kid(session: Session) -> str | None:
    return session.scalar(select(StoredKey.kid).where(StoredKey.status == ACTIVE))


def list_keys(session: Session) -> list[StoredKey]:
    return list(session.scalars(select(StoredKey).order_by(StoredKey.created_at)))


def load_keyring(session: Session, passphrase: str) -> KeyRing:
    rows = list_keys(session)
    active = [r.kid for r in rows if r.status == ACTIVE]
    if not active:
        raise ConfigurationError("there is no active signing key",
                                 hint="run `issuer init` or `issuer keys rotate`")
    keys = [SigningKey.from_private_key(decrypt_private_key(r.encrypted_private_key, passphrase))
            for r in rows]
    return KeyRing.of(keys, signer_kid=active[0])


class KeyRingCache:
    """The process's key ring, decrypted once and refreshed when the active key changes."""

    def __init__(self, passphrase: str) -> None:
        self._passphrase = passphrase
        self._ring: KeyRing | None = None
        self._lock = threading.Lock()

    def current(self, session: Session) -> KeyRing:
        kid = active_kid(session)
        ring = self._ring
        if ring is not None and ring.signer.kid == kid:
            return ring
        with self._lock:
            self._ring = load_keyring(session, self._passphrase)
            return self._ring
