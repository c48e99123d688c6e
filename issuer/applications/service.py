"""Applications from professionals: submitting, documents, answering; the states and the one
way every action moves them (``move``). The council's side is ``issuer.applications.review``.

Plain functions, one per action; each writes the application's new state, a history event and an
audit event, and the request boundary commits them together. State changes are conditional
updates on the starting state, so of two staff acting on one application at once exactly one
wins (the other gets ``application.invalid_transition``).

Who may do what: the applicant is whoever signs in with the e-mail address the register holds
for the registration (checked on every access, so a change of address on the register moves the
applications with it); another applicant gets ``not_found``, never a hint that the application
exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from issuer.applicants.service import Applicant, owns
from issuer.applications import documents as files
from issuer.applications.models import Application, ApplicationDocument, ApplicationEvent
from issuer.audit import service as audit
from issuer.credentials.models import IssuedCredential
from issuer.delivery.printable import printable
from issuer.registry import corrections, eligibility
from issuer.registry.models import Registration
from schemas.errors import (
    DuplicateApplication,
    InvalidApplicationTransition,
    InvalidData,
    NotFound,
    TooManyDocuments,
)
from schemas.registry import Registry

SUBMITTED, QUERIED, ANSWERED = "submitted", "queried", "answered"
APPROVED, REJECTED = "approved", "rejected"
COUNCILS_MOVE = (SUBMITTED, ANSWERED)
"""States in which the council has the next move: the review queue."""
OPEN = (SUBMITTED, QUERIED, ANSWERED)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # kind: (certificate type issued, details the applicant gives)
    "good-standing": ("good-standing", ("addressee", "purpose")),
    "noc": ("noc", ("purpose", "destination")),
    "duplicate": ("registration", ()),
    "renewal": ("registration", ()),
    # a correction of the register's particulars, with a supporting document; approving it
    # changes the register and re-issues the live certificates (issuer.registry.corrections)
    "correction": ("registration", ("field", "value")),
}
MAX_TEXT = 2000
CORRECTABLE = corrections.FIELDS
"""The particulars a correction application may ask to change."""


@dataclass(frozen=True)
class ApplicationIn:
    registration_id: int
    kind: str
    details: Mapping[str, str] = field(default_factory=dict)


# -- the applicant -------------------------------------------------------------------------------
def submit(session: Session, applicant: Applicant, request: ApplicationIn, *, registry: Registry,
           now: datetime) -> Application:
    """Apply for a certificate on one of the applicant's own registrations."""
    registration = session.get(Registration, request.registration_id)
    if registration is None or not owns(registration, applicant):
        raise NotFound(f"registration {request.registration_id} is not one of yours",
                       hint="pick one of the registrations listed under /me/registrations")
    if request.kind not in KINDS:
        raise InvalidData(f"kind {request.kind!r} is not one of {', '.join(KINDS)}",
                          field="kind")
    cert_type, wanted = KINDS[request.kind]
    details = {k: v.strip() for k, v in request.details.items() if v and v.strip()}
    if set(details) != set(wanted):
        raise InvalidData(f"a {request.kind} application needs exactly: "
                          f"{', '.join(wanted) or 'no details'}", field="details")
    if any(len(v) > 200 for v in details.values()):
        raise InvalidData("each detail may be at most 200 characters", field="details")
    scripts = registry.council(registration.council_id).scripts  # the details are printed
    details = {k: printable(v, field=k, scripts=scripts) for k, v in details.items()}
    if request.kind == "correction" and details["field"] not in CORRECTABLE:
        raise InvalidData(f"field must be one of {', '.join(CORRECTABLE)}", field="field")
    _check_registration(session, registration, cert_type, registry, now,
                        replacing=request.kind == "correction")
    if session.scalar(select(Application.id).where(
            Application.registration_id == registration.id, Application.kind == request.kind,
            Application.state.in_(OPEN))) is not None:
        raise DuplicateApplication(f"you already have an open {request.kind} application for this "
                                   "registration", hint="follow that one, or wait for its decision")
    application = Application(
        registration_id=registration.id, council_id=registration.council_id, kind=request.kind,
        certificate_type=cert_type, details=details, state=SUBMITTED, submitted_at=now,
        waiting_since=now)
    session.add(application)
    session.flush()
    _log(session, application, applicant.actor, "submitted", now=now,
         details={"kind": request.kind, "council": application.council_id})
    return application


def list_own(session: Session, applicant: Applicant) -> list[Application]:
    from issuer.applicants.service import registrations_of

    ids = [r.id for r in registrations_of(session, applicant)]
    return list(session.scalars(select(Application).where(
        Application.registration_id.in_(ids)).order_by(Application.id.desc())))


def get_own(session: Session, applicant: Applicant, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or not owns(application.registration, applicant):
        raise NotFound(f"application {application_id} does not exist")
    return application


def add_document(session: Session, application: Application, *, file: files.CheckedFile,
                 folder: Path, max_documents: int, actor: str,
                 now: datetime) -> ApplicationDocument:
    """Attach a checked file. Only while the application is open."""
    if application.state not in OPEN:
        raise InvalidApplicationTransition(f"application {application.id} is {application.state}; "
                                           "documents can be added only while it is open")
    if len(documents(session, application)) >= max_documents:
        raise TooManyDocuments(f"an application may have at most {max_documents} documents")
    stored = files.store(folder, file)
    files.discard_on_rollback(session, folder / stored.stored_name)
    row = ApplicationDocument(application_id=application.id, label=stored.label,
                              media_type=stored.media_type, size=stored.size,
                              sha256=stored.sha256, stored_name=stored.stored_name,
                              uploaded_at=now)
    session.add(row)
    session.flush()
    _event(session, application, actor, "document_added", now=now, message=stored.label)
    audit.record(session, actor=actor, action="application.document_added", now=now,
                 subject=f"application:{application.id}", council=application.council_id,
                 details={"document": row.id, "sha256": row.sha256, "size": row.size,
                          "media_type": row.media_type})
    return row


def answer(session: Session, applicant: Applicant, application_id: int, *, message: str,
           now: datetime) -> Application:
    application = get_own(session, applicant, application_id)
    move(session, application, allowed_from=(QUERIED,), to=ANSWERED, actor=applicant.actor,
         action="answered", message=checked_text(message, "message"), now=now, waiting_since=now)
    return application


# -- both ---------------------------------------------------------------------------------------
def history(session: Session, application: Application) -> list[ApplicationEvent]:
    return list(session.scalars(select(ApplicationEvent).where(
        ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.id)))


def documents(session: Session, application: Application) -> list[ApplicationDocument]:
    return list(session.scalars(select(ApplicationDocument).where(
        ApplicationDocument.application_id == application.id)
        .order_by(ApplicationDocument.id)))


def get_document(session: Session, application: Application,
                 document_id: int) -> ApplicationDocument:
    row = session.get(ApplicationDocument, document_id)
    if row is None or row.application_id != application.id:
        raise NotFound(f"document {document_id} is not part of application {application.id}")
    return row


def certificate_of(session: Session, application: Application) -> IssuedCredential:
    if application.credential_id is None:
        raise NotFound(f"application {application.id} has no certificate (it is "
                       f"{application.state})")
    return session.get_one(IssuedCredential, application.credential_id)


def _check_registration(session: Session, registration: Registration, certificate_type: str,
                        registry: Registry, now: datetime, *, replacing: bool = False) -> None:
    """Refuse an application the register would refuse to issue (``issuer.registry.
    eligibility``): the professional learns why now, not after the council's review."""
    registry.council(registration.council_id)
    eligibility.check(session, registration, certificate_type, now, replacing=replacing)


def move(session: Session, application: Application, *, allowed_from: tuple[str, ...],
         to: str, actor: str, action: str, message: str | None, now: datetime,
         waiting_since: datetime | None) -> None:
    values: dict[str, object] = {"state": to, "waiting_since": waiting_since}
    if to in (APPROVED, REJECTED):
        values |= {"decided_at": now, "decided_by": actor, "decision_reason": message}
    result = session.execute(
        update(Application).where(Application.id == application.id,
                                  Application.state.in_(allowed_from)).values(**values))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(application)
        raise InvalidApplicationTransition(
            f"application {application.id} is {application.state}; it cannot be {action} now",
            hint=f"this is possible only from: {', '.join(allowed_from)}")
    session.refresh(application)
    _log(session, application, actor, action, now=now, message=message)


def _log(session: Session, application: Application, actor: str, action: str, *,
         now: datetime, message: str | None = None,
         details: dict[str, object] | None = None) -> None:
    _event(session, application, actor, action, now=now, message=message)
    audit.record(session, actor=actor, action=f"application.{action}", now=now,
                 subject=f"application:{application.id}", council=application.council_id,
                 details={"state": application.state, **(details or {})})


def _event(session: Session, application: Application, actor: str, action: str, *,
           now: datetime, message: str | None) -> None:
    session.add(ApplicationEvent(application_id=application.id, at=now, actor=actor,
                                 action=action, state=application.state, message=message))
    session.flush()


def checked_text(value: str, name: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_TEXT:
        raise InvalidData(f"{name} must be 1 to {MAX_TEXT} characters", field=name)
    return value
