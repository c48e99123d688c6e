"""Reminders before a registration's renewal falls due and before a Good Standing Certificate
expires, and the staff's "due for renewal" list per council.

``enqueue_reminders`` is safe to run as often as wanted (a daily job, ``issuer registrations
remind``): each reminder is keyed by what it is about and the date it names, and one already
in the outbox is not enqueued again. A renewal that is done moves the due date, so the next
reminder is a new one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.credentials.models import IssuedCredential
from issuer.outbox.hooks import MAIL_REMINDER
from issuer.outbox.models import OutboxMessage
from issuer.outbox.service import enqueue
from issuer.registry.eligibility import REMOVED, india_today
from issuer.registry.models import Registration
from schemas import credential as vc

RENEWAL_NOTICE_DAYS = 90
"""Councils take renewal applications three months before the due date."""
GOOD_STANDING_NOTICE_DAYS = 30


def due_for_renewal(session: Session, council_id: str, *, now: datetime,
                    within_days: int = RENEWAL_NOTICE_DAYS) -> list[Registration]:
    """The council's registrations due for renewal within ``within_days`` or overdue, soonest
    first (removed ones left out)."""
    horizon = india_today(now) + timedelta(days=within_days)
    return list(session.scalars(select(Registration).where(
        Registration.council_id == council_id, Registration.renewal_due.is_not(None),
        Registration.renewal_due <= horizon, Registration.state != REMOVED)
        .order_by(Registration.renewal_due, Registration.id)))


def enqueue_reminders(session: Session, *, now: datetime,
                      renewal_days: int = RENEWAL_NOTICE_DAYS,
                      good_standing_days: int = GOOD_STANDING_NOTICE_DAYS) -> int:
    """Enqueue every reminder now due and not yet enqueued; returns how many were."""
    sent = _already_enqueued(session)
    today = india_today(now)
    wanted: list[dict[str, object]] = [
        {"what": "renewal", "registration": row.id, "due": row.renewal_due.isoformat()}
        for council_id in _councils_with_renewals(session)
        for row in due_for_renewal(session, council_id, now=now, within_days=renewal_days)
        if row.renewal_due is not None and row.renewal_due >= today]
    horizon = now + timedelta(days=good_standing_days)
    wanted += [{"what": "good-standing", "registration": cert.registration_id,
                "credential": cert.id,
                "due": cert.valid_until.astimezone(vc.INDIA).date().isoformat()}
               for cert in session.scalars(select(IssuedCredential).where(
                   IssuedCredential.certificate_type == "good-standing",
                   IssuedCredential.state == "active", IssuedCredential.valid_until > now,
                   IssuedCredential.valid_until <= horizon))]
    count = 0
    for payload in wanted:
        if _key(payload) in sent or not _has_email(session, int(str(payload["registration"]))):
            continue
        enqueue(session, MAIL_REMINDER, payload, now=now)
        sent.add(_key(payload))
        count += 1
    return count


def _councils_with_renewals(session: Session) -> list[str]:
    return list(session.scalars(select(Registration.council_id).where(
        Registration.renewal_due.is_not(None)).distinct()))


def _already_enqueued(session: Session) -> set[tuple[object, ...]]:
    return {_key(payload) for payload in session.scalars(
        select(OutboxMessage.payload).where(OutboxMessage.kind == MAIL_REMINDER))}


def _key(payload: dict[str, object]) -> tuple[object, ...]:
    return (payload.get("what"), payload.get("registration"), payload.get("credential"),
            payload.get("due"))


def _has_email(session: Session, registration_id: int) -> bool:
    return bool(session.get_one(Registration, registration_id).professional.email)
