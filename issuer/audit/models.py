"""The audit trail: who did what, when, to which record. Rows are only ever added.

Each event is chained to the one before it: ``hash`` is SHA-256 over the event's canonical JSON
and the previous event's ``hash`` (``prev_hash``), and ``seq`` numbers the chain without gaps.
``audit_chain`` holds the single head row (last ``seq`` and ``hash``) that appends lock, so
appends are serialised and a truncated tail is noticed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base, UtcDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(300), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Whose record the event is about, for reading the trail by council; NULL for service-wide
    # events (keys, tokens), which only staff of every council read. Not part of the hash: it
    # decides who may read the event, not what happened.
    council_id: Mapped[str | None] = mapped_column(String(32), index=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
