"""Answer DigiLocker's Pull URI and (legacy) Pull Doc requests from the register.

Pull URI (spec v1.13 §8.1): the DocType names a council's certificate type (configuration); the
configured custom search parameters find the registration; the person must match (date of birth
and normalised name). Then ``Status=1`` with the newest valid certificate of that type, ``9``
(pending) when the registration exists but no such certificate has been issued yet, ``0``
otherwise. A revoked, suspended or expired certificate is never served as a valid document: such
a search answers ``0`` (and DigiLocker has been told by a Push URI ``D``, ``issuer.outbox.hooks``).

Pull Doc (legacy, removed in v1.13): the URI ``IssuerId-DocType-DocId`` names the certificate
(DocId is its number without dashes, since ``-`` separates the URI's parts).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.digilocker.matching import names_match, parse_dob
from issuer.digilocker.xmlin import PullRequest
from issuer.registry import service as register
from issuer.registry.models import Professional, Registration
from issuer.settings import DigiLockerDocType
from issuer.status.service import ACTIVE, effective_state
from schemas.credential import validity_window

log = logging.getLogger("pramaan.digilocker")

FOUND, NOT_FOUND, PENDING = 1, 0, 9


@dataclass(frozen=True)
class DigiLockerConfig:
    issuer_id: str
    doc_types: Mapping[str, DigiLockerDocType]
    """By upper-case DocType."""

    @classmethod
    def of(cls, issuer_id: str, doc_types: Sequence[DigiLockerDocType]) -> DigiLockerConfig:
        return cls(issuer_id, {d.doc_type.upper(): d for d in doc_types})

    def doc_type_for(self, council_id: str, certificate_type: str) -> DigiLockerDocType | None:
        return next((d for d in self.doc_types.values()
                     if d.council == council_id and d.certificate_type == certificate_type), None)

    def uri(self, doc_type: str, certificate_number: str) -> str:
        return f"{self.issuer_id}-{doc_type.upper()}-{doc_id(certificate_number)}"


@dataclass(frozen=True)
class PullOutcome:
    status: int
    reason: str
    credential: IssuedCredential | None = None
    doc_type: DigiLockerDocType | None = None


def doc_id(certificate_number: str) -> str:
    """``HMC-RC-7K3M-Q9PX`` -> ``HMCRC7K3MQ9PX``: alphanumeric, no URI separator."""
    return certificate_number.replace("-", "").upper()


def certificate_number_of(doc_id_: str) -> str | None:
    """The inverse of ``doc_id``: prefix, two-letter type code, 8 random characters."""
    if len(doc_id_) < 11 or not doc_id_.isalnum():
        return None
    s = doc_id_.upper()
    return f"{s[:-10]}-{s[-10:-8]}-{s[-8:-4]}-{s[-4:]}"


def pull_uri(session: Session, request: PullRequest, *, config: DigiLockerConfig,
             now: datetime) -> PullOutcome:
    doc_type = config.doc_types.get((request.detail("DocType") or "").upper())
    if doc_type is None:
        return PullOutcome(NOT_FOUND, f"unknown DocType {request.detail('DocType')!r}")
    registration, only = _search(session, request, doc_type)
    if registration is None:
        return PullOutcome(NOT_FOUND, "no registration matches the search parameters")
    if not person_matches(registration.professional, request):
        return PullOutcome(NOT_FOUND, "name or date of birth does not match the register")
    issued = [only] if only is not None else [
        c for c in credentials.list_for_registration(session, registration.id)
        if c.certificate_type == doc_type.certificate_type]
    if not issued:
        return PullOutcome(PENDING, "registered, certificate not issued yet", doc_type=doc_type)
    valid = [c for c in issued if _is_valid(c, now)]
    if not valid:
        return PullOutcome(NOT_FOUND, "the certificate is revoked, suspended or expired")
    _learn_digilocker_id(registration.professional, request)
    return PullOutcome(FOUND, "found", credential=valid[-1], doc_type=doc_type)


def pull_doc(session: Session, request: PullRequest, *, config: DigiLockerConfig,
             now: datetime) -> PullOutcome:
    parts = (request.detail("URI") or "").split("-")
    if len(parts) < 3:
        return PullOutcome(NOT_FOUND, "the URI is not IssuerId-DocType-DocId")
    issuer_id, doc_type_name, doc_id_ = "-".join(parts[:-2]), parts[-2], parts[-1]
    doc_type = config.doc_types.get(doc_type_name.upper())
    number = certificate_number_of(doc_id_)
    if issuer_id != config.issuer_id or doc_type is None or number is None:
        return PullOutcome(NOT_FOUND, "the URI is not one of ours")
    row = credentials.find(session, number)
    if row is None or (row.council_id, row.certificate_type) != (doc_type.council,
                                                                 doc_type.certificate_type):
        return PullOutcome(NOT_FOUND, "no certificate has this URI")
    professional = session.get_one(Registration, row.registration_id).professional
    asked = request.detail("DigiLockerId")
    if professional.digilocker_id and asked and asked != professional.digilocker_id:
        return PullOutcome(NOT_FOUND, "the certificate belongs to another DigiLocker account")
    if not _is_valid(row, now):
        return PullOutcome(NOT_FOUND, "the certificate is revoked, suspended or expired")
    return PullOutcome(FOUND, "found", credential=row, doc_type=doc_type)


def person_matches(professional: Professional, request: PullRequest) -> bool:
    dob = parse_dob(request.detail("DOB"))
    name = request.detail("FullName")
    return (dob is not None and dob == professional.date_of_birth and name is not None
            and names_match(name, professional.name))


def _search(session: Session, request: PullRequest, doc_type: DigiLockerDocType
            ) -> tuple[Registration | None, IssuedCredential | None]:
    """The registration the configured search parameters name (and the one certificate, when
    a parameter is a certificate number). Every configured parameter must be present."""
    registration: Registration | None = None
    certificate: IssuedCredential | None = None
    for element, field in doc_type.search.items():
        value = request.detail(element)
        if not value:
            return None, None
        if field == "registration_number":
            found = register.find_by_number(session, doc_type.council, value)
        else:
            certificate = credentials.find(session, value)
            if certificate is None or certificate.certificate_type != doc_type.certificate_type:
                return None, None
            found = session.get(Registration, certificate.registration_id)
        if found is None or found.council_id != doc_type.council or (
                registration is not None and found.id != registration.id):
            return None, None
        registration = found
    return registration, certificate


def _is_valid(row: IssuedCredential, now: datetime) -> bool:
    # the signed credential's own ``validUntil`` carries its offset (SQLite columns do not)
    until = validity_window(credentials.credential_of(row))[1]
    return effective_state(row, now).state == ACTIVE and until is not None and now < until


def _learn_digilocker_id(professional: Professional, request: PullRequest) -> None:
    """A matched pull tells us the person's DigiLocker id, which later pushes need."""
    asked = request.detail("DigiLockerId")
    if asked and professional.digilocker_id is None and len(asked) <= 64:
        professional.digilocker_id = asked
