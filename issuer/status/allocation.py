"""Status list indices: random-looking, never reused, safe under concurrent issuance.

Each list counts the positions it has handed out; position ``p`` becomes index
``permute(key, p)``, a keyed pseudo-random permutation of ``range(size)`` (a 4-round Feistel
network over an even number of bits, cycle-walking back into range). A bijection cannot give one
index twice, and the index of a credential tells nothing of its issue order (W3C Bitstring Status
List §6.1: indices SHOULD be random). The counter is taken with one ``UPDATE … RETURNING``: the
row lock serialises concurrent issuers on PostgreSQL and SQLite's write lock does the same, so no
two transactions read the same position; ``UNIQUE (status_list_id, status_index)`` guards it too.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import cast

from sqlalchemy import Engine, Table, bindparam, create_engine, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from issuer.status.models import StatusList

FEISTEL_ROUNDS = 4
_RESERVED = "pramaan_reserved_positions"
_POOL = "pramaan_position_pool"
_LISTS = cast(Table, StatusList.__table__)
_TAKE_POSITION = (
    update(_LISTS)
    .where(_LISTS.c.id == select(_LISTS.c.id)
           .where(_LISTS.c.council_id == bindparam("council"),
                  _LISTS.c.allocated < _LISTS.c.size)
           .order_by(_LISTS.c.id).limit(1).scalar_subquery(),
           _LISTS.c.allocated < _LISTS.c.size)
    .values(allocated=_LISTS.c.allocated + 1)
    .returning(_LISTS.c.id, _LISTS.c.allocated, _LISTS.c.size, _LISTS.c.permutation_key))
"""Built once: a Core statement skips the ORM's bulk-update machinery (~0.5 ms an issuance)."""


def permute(key: bytes, position: int, size: int) -> int:
    """The index of ``position`` in a list of ``size`` entries (a permutation of the range)."""
    if not 0 <= position < size:
        raise ValueError(f"position {position} is outside the list's {size} entries")
    half = max(1, ((size - 1).bit_length() + 1) // 2)
    value = position
    while True:  # cycle-walk: at most a few steps, as the domain is < 4x the size
        value = _feistel(key, value, half)
        if value < size:
            return value


def _feistel(key: bytes, value: int, half: int) -> int:
    mask = (1 << half) - 1
    left, right = value >> half, value & mask
    for round_number in range(FEISTEL_ROUNDS):
        digest = hashlib.blake2b(right.to_bytes(8, "big") + bytes([round_number]), key=key,
                                 digest_size=8).digest()
        left, right = right, left ^ (int.from_bytes(digest, "big") & mask)
    return (left << half) | right


def allocate(session: Session, *, council_id: str, size: int, now: datetime) -> tuple[int, int]:
    """(list number, index) for a new credential of ``council_id``; opens a list when the
    council's lists are full. Inside ``reserved(session, …)`` the next reserved position."""
    held: dict[str, deque[tuple[int, int]]] | None = session.info.get(_RESERVED)
    if held and held.get(council_id):
        return held[council_id].popleft()
    pool: PositionPool | None = session.info.get(_POOL)
    if pool is not None:
        return pool.take(council_id=council_id, size=size, now=now)
    for _ in range(3):
        taken = session.connection().execute(_TAKE_POSITION, {"council": council_id}).first()
        if taken is not None:
            list_id, allocated, list_size, key = taken
            return list_id, permute(key, allocated - 1, list_size)
        open_list(session, council_id=council_id, size=size, now=now)
    raise RuntimeError("could not allocate a status list index")  # pragma: no cover


def reserve(sessions: sessionmaker[Session], *, council_id: str, count: int, size: int,
            now: datetime) -> list[tuple[int, int]]:
    """``count`` positions of ``council_id``'s lists, taken in a short transaction of their own.

    ``allocate`` takes one position per issuance, and the list row it updates stays locked until
    that issuance commits: fine for one certificate, but a bulk batch of a hundred would hold
    every other bulk process of the council behind it for the whole batch. Reserving the batch's
    positions first, and committing at once, leaves the batch holding no lock another process
    needs. A position reserved but not used (a refused registration, a batch rolled back) is
    never handed out again: the list keeps an entry that is never set, which is harmless."""
    positions: list[tuple[int, int]] = []
    with sessions.begin() as session:
        connection = session.connection()
        while len(positions) < count:
            row = connection.execute(
                select(_LISTS.c.id, _LISTS.c.allocated, _LISTS.c.size, _LISTS.c.permutation_key)
                .where(_LISTS.c.council_id == council_id, _LISTS.c.allocated < _LISTS.c.size)
                .order_by(_LISTS.c.id).limit(1).with_for_update()).first()
            if row is None:
                open_list(session, council_id=council_id, size=size, now=now)
                continue
            list_id, allocated, list_size, key = row
            take = min(count - len(positions), list_size - allocated)
            connection.execute(update(_LISTS).where(_LISTS.c.id == list_id)
                               .values(allocated=_LISTS.c.allocated + take))
            positions += [(list_id, permute(key, p, list_size))
                          for p in range(allocated, allocated + take)]
    return positions


@contextmanager
def reserved(session: Session, council_id: str, positions: list[tuple[int, int]]
             ) -> Iterator[None]:
    """Let ``allocate`` hand out ``positions`` (from ``reserve``) within the block."""
    session.info[_RESERVED] = {council_id: deque(positions)}
    try:
        yield
    finally:
        del session.info[_RESERVED]


class PositionPool:
    """Status-list positions a process takes a block at a time (``PRAMAAN_STATUS_POSITION_BLOCK``)
    for issuance through the API, on PostgreSQL.

    Taken one at a time, a position is an ``UPDATE`` of the council's list row inside the
    issuing transaction, and the row stays locked until that transaction commits (signing, the
    inserts, the audit entry, the commit): two processes issuing for one council queue on it
    (measured: 3.7 ms of waiting per certificate with two processes, more than the audit head's
    0.6 ms). A block is reserved in a transaction of its own, on a connection of its own (not
    from the request pool, which the waiting requests may all hold), and handed out here under a
    thread lock. Positions still held when the process ends are never used: at most a block per
    council per process start, in lists of 131,072."""

    def __init__(self, engine: Engine, block: int) -> None:
        # the same database and connect arguments, another pool (Pool.recreate)
        self._sessions = sessionmaker(create_engine(engine.url, pool=engine.pool.recreate()))
        self._block = block
        self._held: dict[str, deque[tuple[int, int]]] = {}
        self._lock = threading.Lock()

    def take(self, *, council_id: str, size: int, now: datetime) -> tuple[int, int]:
        with self._lock:
            held = self._held.setdefault(council_id, deque())
            if not held:
                held.extend(reserve(self._sessions, council_id=council_id, count=self._block,
                                    size=size, now=now))
            return held.popleft()


@contextmanager
def pooled(session: Session, pool: PositionPool | None) -> Iterator[None]:
    """Let ``allocate`` take positions from ``pool`` (if any) within the block."""
    if pool is None:
        yield
        return
    session.info[_POOL] = pool
    try:
        yield
    finally:
        del session.info[_POOL]


def open_list(session: Session, *, council_id: str, size: int, now: datetime) -> int:
    """A new, empty list for ``council_id`` (two issuers may both open one; both get used)."""
    return session.connection().execute(insert(_LISTS).values(
        council_id=council_id, size=size, allocated=0, version=0, created_at=now,
        permutation_key=secrets.token_bytes(32)).returning(StatusList.id)).scalar_one()
