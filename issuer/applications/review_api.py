"""HTTP API for the council's review of applications, under ``/review`` (staff tokens)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from issuer.applications import reports, review, service
from issuer.applications.api import (
    ApplicationDetailOut,
    ApplicationOut,
    RegistrationBrief,
    detail,
    document_response,
)
from issuer.deps import NowDep, SessionDep, StaffDep, StateDep
from issuer.inputs import DbId, FreeText, Input
from issuer.registry.models import Registration

router = APIRouter(tags=["applications"])


class RegistryRecordOut(BaseModel):
    """The applicant's entry on the register, shown beside the application."""

    registration: RegistrationBrief
    father_name: str
    name_hi: str | None
    date_of_birth: date | None
    email: str | None
    phone: str | None
    registration_date: date
    qualifications: list[dict[str, Any]]
    certificates: list[dict[str, Any]]


class ReviewOut(ApplicationDetailOut):
    registry_record: RegistryRecordOut


class QuestionIn(Input):
    question: FreeText = Field(min_length=1, max_length=service.MAX_TEXT)


class RejectIn(Input):
    reason: FreeText = Field(min_length=1, max_length=service.MAX_TEXT)


class ApproveIn(Input):
    model_config = ConfigDict(extra="forbid")
    note: FreeText | None = Field(default=None, max_length=service.MAX_TEXT)
    renewed_until: date | None = None


def registry_record(session: SessionDep, registration: Registration) -> RegistryRecordOut:
    from issuer.credentials import service as credentials

    person = registration.professional
    return RegistryRecordOut(
        registration=RegistrationBrief.of(registration), father_name=person.father_name,
        name_hi=person.name_hi, date_of_birth=person.date_of_birth, email=person.email,
        phone=person.phone, registration_date=registration.registration_date,
        qualifications=registration.qualifications,
        certificates=[{"certificate_number": c.certificate_number,
                       "type": c.certificate_type, "state": c.state,
                       "valid_until": c.valid_until.isoformat()}
                      for c in credentials.list_for_registration(session, registration.id)])


@router.get("/review/queue", summary="Applications waiting for the council, oldest first")
def review_queue(session: SessionDep, staff: StaffDep, council: str | None = None,
                 type: str | None = None, include_queried: bool = False
                 ) -> list[ApplicationOut]:
    states = service.OPEN if include_queried else service.COUNCILS_MOVE
    return [ApplicationOut.of(r) for r in review.queue(
        session, staff, council=council, certificate_type=type, states=states)]


@router.get("/review/applications/{application_id}")
def review_application(application_id: DbId, session: SessionDep, staff: StaffDep) -> ReviewOut:
    row = review.get_for_staff(session, staff, application_id)
    return ReviewOut(**detail(session, row).model_dump(),
                     registry_record=registry_record(session, row.registration))


@router.get("/review/applications/{application_id}/documents/{document_id}")
def review_document(application_id: DbId, document_id: DbId, session: SessionDep,
                    staff: StaffDep, state: StateDep) -> Response:
    application = review.get_for_staff(session, staff, application_id)
    return document_response(state, service.get_document(session, application, document_id))


@router.post("/review/applications/{application_id}/query")
def review_query(application_id: DbId, body: QuestionIn, session: SessionDep, staff: StaffDep,
                 now: NowDep) -> ApplicationDetailOut:
    row = review.ask(session, staff, application_id, question=body.question, now=now)
    return detail(session, row)


@router.post("/review/applications/{application_id}/reject")
def review_reject(application_id: DbId, body: RejectIn, session: SessionDep, staff: StaffDep,
                  now: NowDep) -> ApplicationDetailOut:
    row = review.reject(session, staff, application_id, reason=body.reason, now=now)
    return detail(session, row)


@router.post("/review/applications/{application_id}/approve",
             summary="Approve: issues the certificate, which is then mailed and pushed")
def review_approve(application_id: DbId, body: ApproveIn, session: SessionDep, staff: StaffDep,
                   state: StateDep, now: NowDep) -> ApplicationDetailOut:
    row = review.approve(session, staff, application_id, context=state.issue_context(session),
                         now=now, renewed_until=body.renewed_until, note=body.note)
    return detail(session, row)


@router.get("/review/sla", summary="How long applications wait, per council")
def review_sla(session: SessionDep, staff: StaffDep, state: StateDep,
               now: NowDep) -> list[dict[str, Any]]:
    from dataclasses import asdict

    return [asdict(r) for r in reports.sla(session, staff, registry=state.registry, now=now)]
