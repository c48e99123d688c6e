"""A send rate shared by every outbox worker process (``PRAMAAN_OUTBOX_RATE``, sends a second).

One row (``outbox_pace``) holds the earliest time the next send may start. A worker reserves a
slot with one atomic ``UPDATE … SET next_at = max(next_at, now) + 1/rate RETURNING next_at`` and
sleeps until its slot begins, *before* it claims a row: the lease of a claimed row is never spent
waiting, so pacing cannot make another worker take over a row and send it twice. The row lock
is held only for that one-statement transaction. Together the workers start at most ``rate``
sends a second, however many there are; a slot whose row another worker took is simply unused.

Wall-clock seconds (``time.time``), not the injected clock: this is about how fast the mail
server is fed, not about what the date is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import cast

from sqlalchemy import Table, case, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from issuer.outbox.models import OutboxPace

PACE_ID = 1
SLEEP_SLICE_SECONDS = 0.05
_PACE = cast(Table, OutboxPace.__table__)


def reserve(sessions: sessionmaker[Session], *, interval: float, now: float) -> float:
    """The start (Unix seconds) of a send slot of its own, at or after ``now``."""
    with sessions.begin() as session:
        slot_end = session.execute(
            update(_PACE).where(_PACE.c.id == PACE_ID)
            .values(next_at=case((_PACE.c.next_at > now, _PACE.c.next_at), else_=now)
                    + interval)
            .returning(_PACE.c.next_at)).scalar_one_or_none()
        if slot_end is None:  # first use: the migration made the row, but be forgiving
            session.execute(insert(_PACE).values(id=PACE_ID, next_at=now + interval))
            slot_end = now + interval
    return float(slot_end) - interval


def pacer(sessions: sessionmaker[Session], rate: float | None,
          clock: Callable[[], float] = time.time) -> Callable[[], None] | None:
    """What the outbox calls before each send: reserve a slot and wait for it; None for no
    limit."""
    if rate is None:
        return None
    interval = 1.0 / rate

    def wait_for_slot() -> None:
        start = reserve(sessions, interval=interval, now=clock())
        while (left := start - clock()) > 0:
            time.sleep(min(left, SLEEP_SLICE_SECONDS))  # short sleeps: see OutboxWorker._pause
    return wait_for_slot


def next_at(session: Session) -> float | None:
    return session.scalar(select(_PACE.c.next_at).where(_PACE.c.id == PACE_ID))
