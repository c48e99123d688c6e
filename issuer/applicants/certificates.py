"""A signed-in professional's own certificates ("My certificates" on ``/p``), with their state now,
and what the page saves of one on the professional's device to open it offline
(``docs/offline.md``): the credential's QR text, its details and when its state was checked.

Only the professional's own certificates are ever listed or returned: those of registrations whose
professional has the signed-in e-mail (``applicants.service.registrations_of``); any other number
is the same ``NotFound`` as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.applicants.service import Applicant, registrations_of
from issuer.credentials.models import IssuedCredential
from issuer.credentials.service import credential_of
from issuer.status.service import effective_state
from schemas.credential import format_time
from schemas.errors import NotFound
from schemas.qr_payload import encode_qr_text
from schemas.registry import Registry

EXPIRED = "expired"


@dataclass(frozen=True)
class OwnCertificate:
    number: str
    type_id: str
    title: str
    title_hi: str
    state: str
    """``active``, ``suspended``, ``revoked`` or ``expired``, as of the listing."""
    council_id: str
    registration_number: str
    valid_from: datetime
    valid_until: datetime


def current_state(row: IssuedCredential, now: datetime) -> str:
    """Revoked and suspended (until its end) as the status lists say; else expired past its
    validity; else active."""
    state = effective_state(row, now).state
    if state == "active" and now > row.valid_until:
        return EXPIRED
    return state


def list_own(session: Session, applicant: Applicant, *, registry: Registry, now: datetime
             ) -> list[OwnCertificate]:
    registrations = {r.id: r for r in registrations_of(session, applicant)}
    if not registrations:
        return []
    rows = session.scalars(select(IssuedCredential).where(
        IssuedCredential.registration_id.in_(registrations)).order_by(IssuedCredential.id.desc()))
    own = []
    for row in rows:
        cert_type = registry.certificate_types[row.certificate_type]
        registration = registrations[row.registration_id]
        own.append(OwnCertificate(row.certificate_number, cert_type.id, cert_type.title,
                                  cert_type.title_hi, current_state(row, now), row.council_id,
                                  registration.registration_number, row.valid_from,
                                  row.valid_until))
    return own


def get_own(session: Session, applicant: Applicant, number: str) -> IssuedCredential:
    """The professional's certificate ``number``; another's is as absent as a missing one."""
    owned = {r.id for r in registrations_of(session, applicant)}
    row = session.scalar(select(IssuedCredential).where(
        IssuedCredential.certificate_number == number.strip().upper()))
    if row is None or row.registration_id not in owned:
        raise NotFound(f"you have no certificate {number}",
                       hint="open My certificates for the numbers of yours")
    return row


def saved_record(row: IssuedCredential, *, registry: Registry, page_url: str, now: datetime
                 ) -> dict[str, Any]:
    """What the device keeps of a certificate: the QR text the printed code carries (so a
    hospital's verifier checks it as it checks the paper), its details and its state as of
    ``now`` (``checkedAt``: the page shows when it was last checked)."""
    cert_type = registry.certificate_types[row.certificate_type]
    council = registry.councils.get(row.council_id)
    subject = credential_of(row).get("credentialSubject") or {}
    return {
        "number": row.certificate_number, "name": subject.get("name"),
        "nameHi": subject.get("nameHi"), "registrationNumber": subject.get("registrationNumber"),
        "type": cert_type.id, "title": cert_type.title,
        "titleHi": cert_type.title_hi, "state": current_state(row, now),
        "checkedAt": format_time(now),
        "council": council.name if council else row.council_id,
        "councilHi": council.name_hi if council else row.council_id,
        "validFrom": format_time(row.valid_from), "validUntil": format_time(row.valid_until),
        "issuedAt": format_time(row.issued_at),
        "qrText": encode_qr_text(row.token, page_url=page_url),
    }
