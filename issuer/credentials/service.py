"""Issue certificates as signed credentials, and read them back.

Issuance is one transaction: the credential row and its audit event are written together or not
at all (the request boundary commits). A repeated request with the same idempotency key returns
the credential issued the first time instead of issuing twice, also when two such requests race.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.audit import service as audit
from issuer.auth.service import Staff
from issuer.credentials.models import IssuedCredential
from issuer.delivery.printable import printable
from issuer.outbox import hooks
from issuer.registry import eligibility
from issuer.registry import service as register
from issuer.registry.models import Registration
from issuer.status.allocation import PositionPool, allocate, pooled
from keys.keyring import KeyRing
from keys.signing import parse_payload, sign_credential
from schemas import credential as vc
from schemas.errors import (
    IdempotencyMismatch,
    InvalidData,
    NotFound,
)
from schemas.registry import CertificateType, Registry, add_period
from schemas.status_list import MIN_ENTRIES, status_entries

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class IssueRequest:
    registration_id: int
    certificate_type: str
    extra: Mapping[str, str] = field(default_factory=dict)
    idempotency_key: str | None = None

    def fingerprint(self) -> dict[str, Any]:
        return {"registration_id": self.registration_id, "type": self.certificate_type,
                "extra": dict(sorted(self.extra.items()))}


@dataclass(frozen=True)
class IssueContext:
    """What issuing needs besides the request: the register's vocabulary, the key ring, where
    the credentials are published and how long status lists are."""

    registry: Registry
    keyring: KeyRing
    public_base: str
    status_list_entries: int = MIN_ENTRIES
    positions: PositionPool | None = None
    """Where status-list positions come from, if not one by one (``allocation.PositionPool``)."""


def issue_in(context: IssueContext, session: Session, request: IssueRequest, *, staff: Staff,
             now: datetime, window: tuple[datetime, datetime] | None = None,
             replacing: bool = False) -> IssuedCredential:
    with pooled(session, context.positions):
        return issue(session, request, staff=staff, registry=context.registry,
                     keyring=context.keyring, public_base=context.public_base, now=now,
                     window=window, status_list_entries=context.status_list_entries,
                     replacing=replacing)


def new_certificate_number(prefix: str, type_code: str) -> str:
    """e.g. ``HMC-RC-7K3M-Q9PX``: 40 random bits in Crockford base32, easy to read out and type."""
    code = "".join(secrets.choice(CROCKFORD) for _ in range(8))
    return f"{prefix}-{type_code}-{code[:4]}-{code[4:]}"


def issue(session: Session, request: IssueRequest, *, staff: Staff, registry: Registry,
          keyring: KeyRing, public_base: str, now: datetime,
          window: tuple[datetime, datetime] | None = None,
          status_list_entries: int = MIN_ENTRIES, replacing: bool = False) -> IssuedCredential:
    """Issue one certificate from the register. ``window`` (valid from, until) overrides the
    certificate type's validity rule: a re-issue keeps the window of what it replaces.

    The registration's row is locked first (``lock``), as every register change locks it, so a
    certificate is issued either before a suspension or removal (which then catches it) or after
    it (and is refused): never a live certificate beside a suspended registration. Refusals are
    the catalogue errors of ``issuer.registry.eligibility``; ``replacing`` (a re-issue, which
    carries the old certificate's suspension) is not refused for a suspension."""
    if request.idempotency_key:
        earlier = _find_by_idempotency_key(session, staff.token_id, request.idempotency_key)
        if earlier is not None:
            return _same_request_or_conflict(earlier, request)
    registration = register.get_for_staff(session, staff, "issue", request.registration_id)
    cert_type = registry.certificate_type(request.certificate_type)
    council = registry.council(registration.council_id)
    register.lock(session, registration)
    extra = _check_preconditions(session, registration, cert_type, request.extra,
                                 council.scripts, now, replacing=replacing)
    valid_from, valid_until = window or _validity(registration, cert_type, now)
    list_id, index = allocate(session, council_id=council.id, size=status_list_entries, now=now)
    draft = vc.CredentialDraft(
        certificate_type=cert_type, council=council,
        record=register.practitioner_record(registration),
        certificate_number=new_certificate_number(council.registration_prefix, cert_type.code),
        valid_from=valid_from, valid_until=valid_until, extra=extra)
    credential = vc.build_credential(draft, public_base=public_base, issued_at=now,
                                     status=status_entries(public_base, list_id, index))
    vc.validate_against_schema(credential, registry)
    token = sign_credential(vc.encode_payload(credential), keyring.signer)
    row = IssuedCredential(
        certificate_number=draft.certificate_number, credential_id=credential["id"],
        registration_id=registration.id, council_id=registration.council_id,
        certificate_type=cert_type.id, token=token, kid=keyring.signer.kid, issued_at=now,
        valid_from=valid_from, valid_until=valid_until, issued_by=staff.token_id,
        idempotency_key=request.idempotency_key, request=request.fingerprint(),
        status_list_id=list_id, status_index=index, state="active")
    if request.idempotency_key:
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # a concurrent request with the same key won the race
            earlier = _find_by_idempotency_key(session, staff.token_id, request.idempotency_key)
            if earlier is None:
                raise
            return _same_request_or_conflict(earlier, request)
    else:
        session.add(row)
    audit.record(session, actor=staff.actor, action="credential.issued", now=now,
                 subject=f"credential:{row.certificate_number}",
                 council=row.council_id,
                 details={"type": cert_type.id, "registration": registration.registration_number,
                          "council": registration.council_id, "kid": row.kid,
                          "valid_until": credential["validUntil"]})
    session.flush()
    hooks.credential_issued(session, row, now=now)  # enqueue mail and DigiLocker push
    return row


def _find_by_idempotency_key(session: Session, token_id: int, key: str
                             ) -> IssuedCredential | None:
    return session.scalar(select(IssuedCredential).where(
        IssuedCredential.issued_by == token_id, IssuedCredential.idempotency_key == key))


def _same_request_or_conflict(earlier: IssuedCredential, request: IssueRequest
                              ) -> IssuedCredential:
    if earlier.request != request.fingerprint():
        raise IdempotencyMismatch("this idempotency key was already used for a different request",
                                  hint="use a new Idempotency-Key for a new certificate")
    return earlier


def _check_preconditions(session: Session, registration: Registration,
                         cert_type: CertificateType, extra: Mapping[str, str],
                         scripts: Sequence[str], now: datetime, *, replacing: bool = False
                         ) -> dict[str, str]:
    """The extra fields (which the certificate prints), NFC-normalised, if issuing may go on."""
    wanted, given = set(cert_type.extra_fields), set(extra)
    if given - wanted or wanted - given:
        raise InvalidData(
            f"a {cert_type.title} needs exactly these fields: {', '.join(sorted(wanted)) or 'none'}"
            f" (missing: {', '.join(sorted(wanted - given)) or 'none'};"
            f" unexpected: {', '.join(sorted(given - wanted)) or 'none'})")
    for name, value in extra.items():
        if not value.strip() or len(value) > 200:
            raise InvalidData(f"{name} must be 1 to 200 characters", field=name)
    printed = {name: printable(value, field=name, scripts=scripts)
               for name, value in extra.items()}
    eligibility.check(session, registration, cert_type.id, now, replacing=replacing)
    return printed


def _validity(registration: Registration, cert_type: CertificateType, now: datetime
              ) -> tuple[datetime, datetime]:
    if cert_type.validity == "registration":
        return vc.start_of_day(registration.valid_from), vc.end_of_day(registration.valid_until)
    today = now.astimezone(vc.INDIA).date()
    last_day = min(add_period(today, cert_type.validity) - timedelta(days=1),
                   registration.valid_until)
    return now, vc.end_of_day(last_day)


def find(session: Session, certificate_number: str) -> IssuedCredential | None:
    return session.scalar(select(IssuedCredential).where(
        IssuedCredential.certificate_number == certificate_number.strip().upper()))


def get(session: Session, certificate_number: str) -> IssuedCredential:
    row = find(session, certificate_number)
    if row is None:
        raise NotFound(f"certificate {certificate_number} does not exist",
                       hint="check the number printed on the certificate")
    return row


def find_for_staff(session: Session, staff: Staff, permission: str,
                   certificate_number: str) -> IssuedCredential:
    """The certificate, if ``staff`` may ``permission`` in its council; the same 404 when it
    does not exist and when it is another council's (``Staff.require_found``)."""
    staff.require(permission)
    row = find(session, certificate_number)
    return staff.require_found(permission, row, f"certificate {certificate_number}")


def list_for_registration(session: Session, registration_id: int) -> list[IssuedCredential]:
    return list(session.scalars(select(IssuedCredential).where(
        IssuedCredential.registration_id == registration_id).order_by(IssuedCredential.id)))


def credential_of(row: IssuedCredential) -> dict[str, Any]:
    """The credential inside our own stored token (trusted: we signed it and stored it)."""
    payload = row.token.split(".")[1]
    return parse_payload(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
