"""Record and read the audit trail. Every issuance and status change writes one event in the same
transaction as the change itself, so there is never a change without its record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.audit.models import AuditEvent


def record(session: Session, *, actor: str, action: str, subject: str, now: datetime,
           details: dict[str, Any] | None = None) -> AuditEvent:
    event = AuditEvent(at=now, actor=actor, action=action, subject=subject, details=details or {})
    session.add(event)
    return event


def list_events(session: Session, *, subject: str | None = None, action: str | None = None,
                limit: int = 100) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(min(limit, 1000))
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))
