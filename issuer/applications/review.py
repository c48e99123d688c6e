"""The council's review of applications: the queue, questions, rejection and approval.

Staff need ``review`` on the application's council to see, query and reject, and ``approve``
(registrars) to approve; approval issues the certificate through the core pipeline in the same
transaction, which enqueues its e-mail and DigiLocker push. Every action moves the application
through ``service.move``, so the rules of ``issuer.applications.service`` hold here too.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.applications import service
from issuer.applications.models import Application
from issuer.applications.service import (
    APPROVED,
    COUNCILS_MOVE,
    QUERIED,
    REJECTED,
    checked_text,
    move,
)
from issuer.audit import service as audit
from issuer.auth.service import ALL_COUNCILS, Staff
from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.credentials.service import IssueContext, IssueRequest
from issuer.mail.application_mail import notify
from issuer.registry import corrections, lifecycle
from issuer.registry.lifecycle import Order
from issuer.registry.models import Registration
from issuer.status import reissue
from issuer.status import service as status
from schemas.errors import InvalidData


def queue(session: Session, staff: Staff, *, council: str | None = None,
          certificate_type: str | None = None,
          states: tuple[str, ...] = COUNCILS_MOVE) -> list[Application]:
    """Applications waiting for the council, oldest first, in the councils the staff reviews."""
    query = select(Application).where(Application.state.in_(states))
    if council is not None:
        staff.require("review", council)
        query = query.where(Application.council_id == council)
    else:
        staff.require("review")
        if ALL_COUNCILS not in staff.councils:
            query = query.where(Application.council_id.in_(staff.councils))
    if certificate_type is not None:
        query = query.where(Application.certificate_type == certificate_type)
    return list(session.scalars(query.order_by(Application.waiting_since, Application.id)))


def get_for_staff(session: Session, staff: Staff, application_id: int) -> Application:
    """The application, if ``staff`` reviews its council; the same 404 when it does not exist
    and when it is another council's (``Staff.require_found``)."""
    staff.require("review")
    application = session.get(Application, application_id)
    return staff.require_found("review", application, f"application {application_id}")


def ask(session: Session, staff: Staff, application_id: int, *, question: str,
        now: datetime) -> Application:
    """Put a question to the applicant; the application waits for their answer."""
    application = get_for_staff(session, staff, application_id)
    move(session, application, allowed_from=COUNCILS_MOVE, to=QUERIED, actor=staff.actor,
         action="queried", message=checked_text(question, "question"), now=now, waiting_since=None)
    notify(session, application, event="queried", message=checked_text(question, "question"),
           now=now)
    return application


def reject(session: Session, staff: Staff, application_id: int, *, reason: str,
           now: datetime) -> Application:
    application = get_for_staff(session, staff, application_id)
    move(session, application, allowed_from=COUNCILS_MOVE, to=REJECTED, actor=staff.actor,
         action="rejected", message=checked_text(reason, "reason"), now=now, waiting_since=None)
    notify(session, application, event="rejected", message=checked_text(reason, "reason"),
           now=now)
    return application


def approve(session: Session, staff: Staff, application_id: int, *, context: IssueContext,
            now: datetime, renewed_until: date | None = None,
            note: str | None = None) -> Application:
    """Approve and issue the certificate, in one transaction with the state change.

    A ``duplicate`` replaces the holder's current Registration Certificate (the old one is
    revoked as superseded, so a lost copy no longer verifies) or, if there is none, issues one.
    A ``renewal`` needs ``renewed_until``: the register's licence period is extended to it, a
    new Registration Certificate is issued from the register and earlier ones are superseded.
    A ``correction`` needs a supporting document: the register's particular is changed and every
    live certificate re-issued (``issuer.registry.corrections``); the application then points
    to the first replacement, or to none when no certificate prints what changed.
    """
    staff.require("approve")
    application = get_for_staff(session, staff, application_id)
    staff.require("approve", application.council_id)
    if application.kind == "renewal" and renewed_until is None:
        raise InvalidData("approving a renewal needs renewed_until, the new end of the "
                          "licence period", field="renewed_until")
    if application.kind == "correction" and not service.documents(session, application):
        raise InvalidData("a correction is approved on a supporting document; ask the "
                          "applicant to upload one", field="documents")
    move(session, application, allowed_from=COUNCILS_MOVE, to=APPROVED, actor=staff.actor,
         action="approved", message=note, now=now, waiting_since=None)
    if application.kind == "correction":
        application.credential_id = _correct_for(session, application, staff=staff,
                                                 context=context, now=now)
        session.flush()
        return application
    row = _issue_for(session, application, staff=staff, context=context, now=now,
                     renewed_until=renewed_until)
    application.credential_id = row.id
    session.flush()
    return application


def _issue_for(session: Session, application: Application, *, staff: Staff,
               context: IssueContext, now: datetime,
               renewed_until: date | None) -> IssuedCredential:
    registration = application.registration
    request = IssueRequest(registration.id, application.certificate_type,
                           extra=dict(application.details))
    if application.kind == "duplicate":
        current = _current_certificates(session, registration, now)
        if current:
            return reissue.reissue(session, current[-1], staff=staff, context=context, now=now,
                                   note=f"duplicate, application {application.id}")
        return credentials.issue_in(context, session, request, staff=staff, now=now)
    if application.kind == "renewal":
        assert renewed_until is not None
        _renew(session, registration, renewed_until, actor=staff.actor, now=now)
        if registration.renewal_due is not None:  # the profession renews: the due date moves
            registration.renewal_due = lifecycle.next_renewal_due(registration,
                                                                  context.registry, now)
        earlier = _current_certificates(session, registration, now)
        new = credentials.issue_in(context, session, request, staff=staff, now=now)
        for old in earlier:
            status.revoke(session, old, reason="superseded", actor=staff.actor, now=now,
                          note=f"renewal, application {application.id}", replaced_by=new)
        return new
    return credentials.issue_in(context, session, request, staff=staff, now=now)


def _correct_for(session: Session, application: Application, *, staff: Staff,
                 context: IssueContext, now: datetime) -> int | None:
    action = corrections.correct(
        session, application.registration, staff=staff, context=context,
        field=application.details["field"], value=application.details["value"], now=now,
        order=Order(reference=f"application {application.id}"))
    reissued = action.certificates.get("reissued", [])
    return credentials.get(session, reissued[0][1]).id if reissued else None


def _renew(session: Session, registration: Registration, until: date, *, actor: str,
           now: datetime) -> None:
    if until <= registration.valid_until:
        raise InvalidData(f"renewed_until must be after the current end of the licence "
                          f"period ({registration.valid_until})", field="renewed_until")
    audit.record(session, actor=actor, action="registration.renewed", now=now,
                 subject=f"registration:{registration.id}", council=registration.council_id,
                 details={"from": registration.valid_until.isoformat(),
                          "until": until.isoformat()})
    registration.valid_until = until
    session.flush()


def _current_certificates(session: Session, registration: Registration,
                          now: datetime) -> list[IssuedCredential]:
    return [row for row in credentials.list_for_registration(session, registration.id)
            if row.certificate_type == "registration" and row.state != status.REVOKED
            and row.valid_until > now]
