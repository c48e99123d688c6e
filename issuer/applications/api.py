"""HTTP API for applications: professionals under ``/me`` and public statistics at ``/stats``
(council staff under ``/review``: ``review_api``), and the shapes both share. Routes parse, call
one service function and shape the answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from issuer.applicants import service as applicants
from issuer.applications import documents as files
from issuer.applications import reports, service
from issuer.applications.models import Application, ApplicationDocument
from issuer.credentials.api import certificate_response
from issuer.deps import ApplicantDep, BearerDep, CheckedUploadDep, NowDep, SessionDep, StateDep
from issuer.http import error_response
from issuer.inputs import DbId, FreeText, Input
from issuer.registry.models import Registration
from schemas.errors import SignInCodeInvalid

router = APIRouter(tags=["applications"])


# -- shapes -------------------------------------------------------------------------------------
class SignInIn(Input):
    email: EmailStr


class CodeIn(Input):
    email: EmailStr
    code: str = Field(min_length=1, max_length=12)


class SessionOut(BaseModel):
    token: str
    expires_at: datetime


class RegistrationBrief(BaseModel):
    id: int
    council_id: str
    registration_number: str
    registration_type: str
    valid_from: date
    valid_until: date
    name: str

    @classmethod
    def of(cls, row: Registration) -> RegistrationBrief:
        return cls(id=row.id, council_id=row.council_id,
                   registration_number=row.registration_number,
                   registration_type=row.registration_type, valid_from=row.valid_from,
                   valid_until=row.valid_until, name=row.professional.name)


class ApplicationIn(Input):
    model_config = ConfigDict(extra="forbid")
    registration_id: DbId
    kind: Literal["good-standing", "noc", "duplicate", "renewal", "correction"]
    addressee: str | None = Field(default=None, max_length=200)
    purpose: str | None = Field(default=None, max_length=200)
    destination: str | None = Field(default=None, max_length=200)
    field: str | None = Field(default=None, max_length=32,
                              description="correction: the particular (docs/register.md)")
    value: str | None = Field(default=None, max_length=200,
                              description="correction: its value as it should be")

    def request(self) -> service.ApplicationIn:
        details = {"addressee": self.addressee, "purpose": self.purpose,
                   "destination": self.destination, "field": self.field, "value": self.value}
        return service.ApplicationIn(self.registration_id, self.kind,
                                     {k: v for k, v in details.items() if v is not None})


class EventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    state: str
    message: str | None


class DocumentOut(BaseModel):
    id: int
    label: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime

    @classmethod
    def of(cls, row: ApplicationDocument) -> DocumentOut:
        return cls.model_validate(row, from_attributes=True)


class ApplicationOut(BaseModel):
    id: int
    registration_id: int
    council_id: str
    kind: str
    certificate_type: str
    details: dict[str, str]
    state: str
    submitted_at: datetime
    waiting_since: datetime | None
    decided_at: datetime | None
    decision_reason: str | None
    certificate_number: str | None = None

    @classmethod
    def of(cls, row: Application, certificate_number: str | None = None) -> ApplicationOut:
        return cls(id=row.id, registration_id=row.registration_id, council_id=row.council_id,
                   kind=row.kind, certificate_type=row.certificate_type, details=row.details,
                   state=row.state, submitted_at=row.submitted_at,
                   waiting_since=row.waiting_since, decided_at=row.decided_at,
                   decision_reason=row.decision_reason, certificate_number=certificate_number)


class ApplicationDetailOut(ApplicationOut):
    history: list[EventOut]
    documents: list[DocumentOut]


class MessageIn(Input):
    message: FreeText = Field(min_length=1, max_length=service.MAX_TEXT)


def detail(session: SessionDep, row: Application) -> ApplicationDetailOut:
    number = service.certificate_of(session, row).certificate_number \
        if row.credential_id else None
    return ApplicationDetailOut(
        **ApplicationOut.of(row, number).model_dump(),
        history=[EventOut.model_validate(e, from_attributes=True)
                 for e in service.history(session, row)],
        documents=[DocumentOut.of(d) for d in service.documents(session, row)])


def document_response(state: StateDep, row: ApplicationDocument) -> Response:
    data = files.load(state.uploads, row.stored_name)
    return Response(data, media_type=row.media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.label)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
        "Content-Security-Policy": "sandbox"})


# -- professionals ------------------------------------------------------------------------------
@router.post("/me/sign-in", status_code=status.HTTP_202_ACCEPTED,
             summary="Mail a one-time sign-in code to a registered address")
def sign_in(body: SignInIn, request: Request, session: SessionDep, state: StateDep,
            now: NowDep) -> dict[str, str]:
    from issuer.mail.transport import transport_for

    applicants.start_sign_in(session, email=body.email, client=_client(request),
                             policy=state.sign_in_policy, now=now,
                             send=transport_for(state.settings).send,
                             sender=state.settings.mail_from)
    return {"status": "accepted",
            "detail": "if this address is on a council's register, a sign-in code is on its "
                      "way to it"}


@router.post("/me/sign-in/verify", summary="Exchange the mailed code for a session token",
             response_model=SessionOut,
             responses={401: {"description": "wrong, used or expired code"}})
def verify_code(body: CodeIn, session: SessionDep, state: StateDep, now: NowDep
                ) -> SessionOut | JSONResponse:
    signed = applicants.verify_code(session, email=body.email, code=body.code,
                                    policy=state.sign_in_policy, now=now)
    if signed is None:  # answered, not raised: the counted attempt must be committed
        return error_response(SignInCodeInvalid(
            "the code is wrong, used or expired",
            hint="ask for a new code if this one has expired"))
    return SessionOut(token=signed.token, expires_at=signed.expires_at)


@router.post("/me/sign-out", status_code=status.HTTP_204_NO_CONTENT,
             summary="End this session: its token stops working at once")
def sign_out(session: SessionDep, now: NowDep, token: BearerDep,
             _applicant: ApplicantDep) -> Response:
    applicants.sign_out(session, token, now=now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me/registrations")
def my_registrations(session: SessionDep, applicant: ApplicantDep) -> list[RegistrationBrief]:
    return [RegistrationBrief.of(r) for r in applicants.registrations_of(session, applicant)]


@router.post("/me/applications", status_code=status.HTTP_201_CREATED)
def apply(body: ApplicationIn, session: SessionDep, applicant: ApplicantDep, state: StateDep,
          now: NowDep) -> ApplicationOut:
    row = service.submit(session, applicant, body.request(), registry=state.registry, now=now)
    return ApplicationOut.of(row)


@router.get("/me/applications")
def my_applications(session: SessionDep, applicant: ApplicantDep) -> list[ApplicationOut]:
    return [ApplicationOut.of(r) for r in service.list_own(session, applicant)]


@router.get("/me/applications/{application_id}")
def my_application(application_id: DbId, session: SessionDep,
                   applicant: ApplicantDep) -> ApplicationDetailOut:
    return detail(session, service.get_own(session, applicant, application_id))


@router.post("/me/applications/{application_id}/documents",
             status_code=status.HTTP_201_CREATED,
             summary="Upload a supporting document (PDF, JPEG or PNG, checked by content)")
def upload(application_id: DbId, file: CheckedUploadDep, session: SessionDep,
           applicant: ApplicantDep, state: StateDep, now: NowDep) -> DocumentOut:
    application = service.get_own(session, applicant, application_id)
    row = service.add_document(session, application, file=file,
                               folder=state.uploads, actor=applicant.actor, now=now,
                               max_documents=state.settings.upload_max_per_application)
    return DocumentOut.of(row)


@router.get("/me/applications/{application_id}/documents/{document_id}")
def my_document(application_id: DbId, document_id: DbId, session: SessionDep,
                applicant: ApplicantDep, state: StateDep) -> Response:
    application = service.get_own(session, applicant, application_id)
    return document_response(state, service.get_document(session, application, document_id))


@router.post("/me/applications/{application_id}/answer")
def answer(application_id: DbId, body: MessageIn, session: SessionDep, applicant: ApplicantDep,
           now: NowDep) -> ApplicationDetailOut:
    row = service.answer(session, applicant, application_id, message=body.message, now=now)
    return detail(session, row)


@router.get("/me/applications/{application_id}/certificate",
            summary="The issued certificate (PDF by default, or ?format=jwt|json)",
            responses={200: {"content": {"application/pdf": {}, "application/vc+jwt": {}}}})
def my_certificate(application_id: DbId, session: SessionDep, applicant: ApplicantDep,
                   state: StateDep, format: Literal["pdf", "jwt", "json"] = "pdf") -> Response:
    application = service.get_own(session, applicant, application_id)
    return certificate_response(service.certificate_of(session, application), state, format)


# -- public -------------------------------------------------------------------------------------
@router.get("/stats", tags=["public"],
            summary="Certificates issued per council, type and month; median processing time")
def stats(session: SessionDep, state: StateDep, now: NowDep, response: Response
          ) -> dict[str, object]:
    response.headers["Cache-Control"] = "public, max-age=300"
    return reports.public_stats(session, now=now, closed=state.closed_months)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"
