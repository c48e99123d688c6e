"""Signing keys in the database: create, load once, rotate, declare compromised.

Lifecycle: active (signs) -> retired (no longer signs; still published, with the window in which
it signed, so everything it signed still verifies) -> compromised (published marked ``revoked``:
verifiers distrust everything it signed, and ``issuer reissue --key`` re-signs the still-valid
certificates with the current key). Decrypted key objects are cached per process and reloaded
only when the keys' states change (one small query per use), so a rotation or a compromise done by
the CLI in another process takes effect without a restart.
"""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.keystore.models import StoredKey
from keys.jwk import KeyWindow
from keys.keyring import KeyRing
from keys.signing import SigningKey
from keys.storage import (
    DEFAULT_COST,
    decrypt_private_key,
    encrypt_private_key,
    generate_private_key,
)
from schemas.errors import ConfigurationError, InvalidTransition, NotFound

ACTIVE, RETIRED, COMPROMISED = "active", "retired", "compromised"


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


def compromise(session: Session, kid: str, *, now: datetime, passphrase: str, alg: str,
               kdf_cost: int = DEFAULT_COST) -> StoredKey:
    """Declare ``kid`` compromised; if it is the signing key, a new one takes over first."""
    row = session.get(StoredKey, kid)
    if row is None:
        raise NotFound(f"there is no key {kid}", hint="`issuer keys list` shows the keys")
    if row.status == COMPROMISED:
        raise InvalidTransition(f"key {kid} is already marked compromised")
    if row.status == ACTIVE:
        create_key(session, alg=alg, passphrase=passphrase, now=now, kdf_cost=kdf_cost)
    row.status, row.compromised_at = COMPROMISED, now
    row.retired_at = row.retired_at or now
    session.flush()
    return row


def window_of(row: StoredKey) -> KeyWindow:
    """The published signing window: from creation until retirement (or open while active)."""
    return KeyWindow(not_before=_seconds(row.created_at), not_after=_seconds(row.retired_at),
                     compromised_at=_seconds(row.compromised_at))


def _seconds(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return int(moment.timestamp())


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
    return KeyRing.of(keys, signer_kid=active[0], windows={r.kid: window_of(r) for r in rows})


_KEY_STATES = select(StoredKey.kid, StoredKey.status).order_by(StoredKey.kid)
"""Built once and run on the connection: every issuance asks, so it skips the ORM layer."""


class KeyRingCache:
    """The process's key ring, decrypted once and refreshed when the active key changes."""

    def __init__(self, passphrase: str) -> None:
        self._passphrase = passphrase
        self._ring: KeyRing | None = None
        self._states: tuple[tuple[str, str], ...] = ()
        self._lock = threading.Lock()

    def current(self, session: Session) -> KeyRing:
        states = tuple((kid, state) for kid, state in
                       session.connection().execute(_KEY_STATES))
        ring, seen = self._ring, self._states
        if ring is not None and seen == states:
            return ring
        with self._lock:
            self._ring, self._states = load_keyring(session, self._passphrase), states
            return self._ring
