"""What issuance and status changes enqueue, in their own transaction (the transactional outbox).

Kept to row inserts: no PDF, no SMTP, no HTTP here. Whether DigiLocker pushing is configured is
decided when the row is processed (an unconfigured push is recorded as skipped).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from issuer.credentials.models import IssuedCredential
from issuer.outbox.service import enqueue
from issuer.registry.models import Registration

MAIL_CERTIFICATE = "mail.certificate"
MAIL_REGISTER = "mail.register"
MAIL_REMINDER = "mail.reminder"
DIGILOCKER_PUSH = "digilocker.push"
ADD, UPDATE, DELETE = "A", "U", "D"


def credential_issued(session: Session, row: IssuedCredential, *, now: datetime) -> None:
    """Mail the certificate to the registered address; push it to a known DigiLocker account."""
    professional = session.get_one(Registration, row.registration_id).professional
    if professional.email:
        enqueue(session, MAIL_CERTIFICATE, {"credential": row.id}, now=now)
    if professional.digilocker_id:
        enqueue(session, DIGILOCKER_PUSH, {"credential": row.id, "action": ADD}, now=now)


def credential_status_changed(session: Session, row: IssuedCredential, *, valid: bool,
                              now: datetime) -> None:
    """A revoked or suspended certificate is deleted from the DigiLocker account (``D``); a
    reinstated one is added back (``A``)."""
    professional = session.get_one(Registration, row.registration_id).professional
    if professional.digilocker_id:
        enqueue(session, DIGILOCKER_PUSH,
                {"credential": row.id, "action": ADD if valid else DELETE}, now=now)


def registration_changed(session: Session, registration: Registration, action_id: int, *,
                         now: datetime) -> None:
    """Tell the professional what the council changed on the register (``RegisterAction``);
    the certificates it touched enqueue their own DigiLocker pushes."""
    if registration.professional.email:
        enqueue(session, MAIL_REGISTER, {"action": action_id}, now=now)
