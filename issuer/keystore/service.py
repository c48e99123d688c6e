"""Signing keys in the database: create, load once, rotate, declare compromised.

Lifecycle: next (published, not yet signing) -> active (signs) -> retired (no longer signs; still
published, with the window in which it signed, so everything it signed still verifies) ->
compromised (published marked ``revoked``: verifiers distrust everything it signed, and
``issuer reissue --key`` re-signs the still-valid certificates with the current key).

A rotation publishes the new key at once but lets it sign only from ``activates_at``, a
pre-publication period later, so that every verifier has refetched the JWKS before it meets a
credential signed by it; the key it replaces retires at that same moment. The state of a key is a
function of its dates and the clock (``state_of``): nothing has to run when the period ends.
Decrypted key objects are cached per process and reloaded only when the stored keys change (one
small query per use), so a rotation or a compromise done by the CLI in another process takes
effect without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

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

NEXT, ACTIVE, RETIRED, COMPROMISED = "next", "active", "retired", "compromised"


class KeyDates(Protocol):
    """What decides a key's state: a ``StoredKey`` or a row of ``_KEY_STATES``."""

    @property
    def kid(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def activates_at(self) -> datetime: ...
    @property
    def retired_at(self) -> datetime | None: ...


def state_of(key: KeyDates, now: datetime) -> str:
    """The key's state at ``now``. ``status`` is the state when the row was last written; the
    dates move it on: a next key becomes active at ``activates_at``, and the key it replaces
    retires then (its ``retired_at``)."""
    if key.status == COMPROMISED:
        return COMPROMISED
    if key.retired_at is not None and key.retired_at <= now:
        return RETIRED  # a next key replaced in an emergency retires without having signed
    if key.activates_at > now:
        return NEXT
    return ACTIVE


def create_key(session: Session, *, alg: str, passphrase: str, now: datetime,
               kdf_cost: int = DEFAULT_COST, activates_at: datetime | None = None
               ) -> SigningKey:
    """A new key, published from ``now`` and signing from ``activates_at`` (default: at once).
    The key signing until then retires at that moment; a key still waiting to sign (only when
    this one takes over at once) retires now, before it has signed anything."""
    starts = activates_at or now
    key = SigningKey.from_private_key(generate_private_key(alg))
    for old in session.scalars(select(StoredKey).where(StoredKey.status != COMPROMISED)):
        state = state_of(old, now)
        if state == ACTIVE:
            old.retired_at = starts
        elif state == NEXT:
            old.retired_at = now
        old.status = state_of(old, now)
    session.add(StoredKey(kid=key.kid, alg=key.alg, created_at=now, activates_at=starts,
                          status=NEXT if starts > now else ACTIVE,
                          encrypted_private_key=encrypt_private_key(key.key, passphrase,
                                                                cost=kdf_cost)))
    session.flush()
    return key


@dataclass(frozen=True)
class Rotation:
    key: SigningKey
    activates_at: datetime
    at_once: bool
    """The new key signs from now: verifiers holding an older copy of the JWKS cannot check
    what it signs until they refetch."""


def rotate(session: Session, *, alg: str, passphrase: str, now: datetime,
           prepublish: timedelta, emergency: bool = False,
           kdf_cost: int = DEFAULT_COST) -> Rotation:
    """A new key, published now and signing after ``prepublish``; with ``emergency``, or when no
    key can sign now (the signing key was compromised), it signs at once.

    A rotation while a next key is still waiting is refused unless it is an emergency: the
    waiting key would retire before it ever signed, and the wait would start again."""
    rows = list_keys(session)
    waiting = [r for r in rows if state_of(r, now) == NEXT]
    if waiting and not emergency:
        raise InvalidTransition(
            f"key {waiting[-1].kid} is already published and signs from "
            f"{waiting[-1].activates_at:%Y-%m-%d %H:%M:%S} UTC",
            hint="wait until then, or rotate with --emergency to replace it at once")
    at_once = emergency or not any(state_of(r, now) == ACTIVE for r in rows)
    starts = now if at_once else now + prepublish
    key = create_key(session, alg=alg, passphrase=passphrase, now=now, kdf_cost=kdf_cost,
                     activates_at=starts)
    return Rotation(key=key, activates_at=starts, at_once=at_once)


def compromise(session: Session, kid: str, *, now: datetime, passphrase: str, alg: str,
               kdf_cost: int = DEFAULT_COST) -> StoredKey:
    """Declare ``kid`` compromised. If it is the signing key, another takes over at once: the
    next key if one is already published, else a new one. If it is the next key, the key it was
    to replace keeps signing."""
    row = session.get(StoredKey, kid)
    if row is None:
        raise NotFound(f"there is no key {kid}", hint="`issuer keys list` shows the keys")
    state = state_of(row, now)
    if state == COMPROMISED:
        raise InvalidTransition(f"key {kid} is already marked compromised")
    rows = list_keys(session)
    if state == ACTIVE:
        waiting = [r for r in rows if state_of(r, now) == NEXT]
        if waiting:
            waiting[-1].activates_at, waiting[-1].status = now, ACTIVE
        else:
            create_key(session, alg=alg, passphrase=passphrase, now=now, kdf_cost=kdf_cost)
    elif state == NEXT:
        for other in rows:
            if other.retired_at == row.activates_at and state_of(other, now) == ACTIVE:
                other.retired_at = None
    row.status, row.compromised_at = COMPROMISED, now
    if row.retired_at is None or row.retired_at > now:
        row.retired_at = now
    session.flush()
    return row


def window_of(row: StoredKey) -> KeyWindow:
    """The published signing window: from activation until retirement (open while active)."""
    return KeyWindow(not_before=_seconds(row.activates_at), not_after=_seconds(row.retired_at),
                     compromised_at=_seconds(row.compromised_at))


def _seconds(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return int(moment.timestamp())


def signer_at(keys: Iterable[KeyDates], now: datetime) -> str | None:
    """The key that signs at ``now``: the newest whose activation has come and that has not
    retired (there is one, except before the first key or after a compromise of the last)."""
    active = [k for k in keys if state_of(k, now) == ACTIVE]
    if not active:
        return None
    return max(active, key=lambda k: (k.activates_at, k.kid)).kid


def active_kid(session: Session, *, now: datetime) -> str | None:
    return signer_at(list_keys(session), now)


def list_keys(session: Session) -> list[StoredKey]:
    return list(session.scalars(select(StoredKey).order_by(StoredKey.created_at)))


def _no_signer() -> ConfigurationError:
    return ConfigurationError("there is no active signing key",
                              hint="run `issuer init` or `issuer keys rotate`")


def load_keyring(session: Session, passphrase: str, *, now: datetime) -> KeyRing:
    rows = list_keys(session)
    signer = signer_at(rows, now)
    if signer is None:
        raise _no_signer()
    keys = [SigningKey.from_private_key(decrypt_private_key(r.encrypted_private_key, passphrase))
            for r in rows]
    return KeyRing.of(keys, signer_kid=signer, windows={r.kid: window_of(r) for r in rows})


_KEY_STATES = select(StoredKey.kid, StoredKey.status, StoredKey.activates_at,
                     StoredKey.retired_at).order_by(StoredKey.kid)
"""Built once and run on the connection: every issuance asks, so it skips the ORM layer."""


class KeyRingCache:
    """The process's key ring, decrypted once and refreshed when the stored keys change; the
    signer is chosen again at each use, as the clock passes a next key's activation."""

    def __init__(self, passphrase: str) -> None:
        self._passphrase = passphrase
        self._ring: KeyRing | None = None
        self._states: tuple[object, ...] = ()
        self._lock = threading.Lock()

    def current(self, session: Session, *, now: datetime) -> KeyRing:
        states = tuple(session.connection().execute(_KEY_STATES))
        signer = signer_at(states, now)
        if signer is None:
            raise _no_signer()
        ring = self._ring
        if ring is None or self._states != states:
            with self._lock:
                ring = load_keyring(session, self._passphrase, now=now)
                self._ring, self._states = ring, states
        if ring.signer.kid != signer:
            # The keys are the same; only the clock moved past an activation: no decryption.
            ring = KeyRing.of(ring.published, signer_kid=signer, windows=ring.windows)
            self._ring = ring
        return ring
