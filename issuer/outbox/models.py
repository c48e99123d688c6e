"""Outbox rows. A row is pending until ``done_at`` is set; ``due_at`` is when it may be tried
next (a worker that claims a row pushes ``due_at`` forward as a lease, so a worker that dies
mid-send only delays the row)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base, UtcDateTime


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    """``mail.certificate``, ``mail.link`` or ``digilocker.push``."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    """None once the row is finished (sent, skipped or given up)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    outcome: Mapped[str | None] = mapped_column(String(16))
    """None while pending; then ``sent``, ``skipped`` or ``failed`` (attempts exhausted)."""
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OutboxPace(Base):
    """One row: the earliest wall-clock time (Unix seconds) at which the next send may start,
    shared by every worker process so ``PRAMAAN_OUTBOX_RATE`` holds for all of them together
    (``issuer.outbox.pace``)."""

    __tablename__ = "outbox_pace"

    id: Mapped[int] = mapped_column(primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)
