"""Server-rendered pages over the same services as the API: the home page and the
professionals' pages under ``/p`` (council staff: ``staff_pages``; what both share: ``common``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from issuer.applicants import service as applicants
from issuer.applicants.service import Applicant
from issuer.applications import service
from issuer.applications.api import document_response
from issuer.credentials.api import certificate_response
from issuer.deps import CheckedUploadDep, NowDep, SessionDep, StateDep
from issuer.inputs import Clean, DbId
from issuer.registry import eligibility
from issuer.state import IssuerState
from issuer.web.common import (
    APPLICANT_COOKIE,
    Csrf,
    SignInCsrf,
    Text,
    check_csrf,
    check_sign_in_csrf,
    csrf_token,
    render,
    set_cookie,
    sign_in_page,
)
from schemas.errors import Unauthenticated

router = APIRouter(include_in_schema=False)


def _applicant(request: Request, session: Session, now: datetime) -> Applicant:
    return applicants.authenticate(session, request.cookies.get(APPLICANT_COOKIE), now=now)


def _acting_applicant(request: Request, session: Session, state: IssuerState, now: datetime,
                      csrf: str) -> Applicant:
    applicant = _applicant(request, session, now)
    check_csrf(state, request.cookies.get(APPLICANT_COOKIE, ""), csrf)
    return applicant


@router.get("/assets/style.css")
def stylesheet() -> Response:
    return Response((Path(__file__).parent / "static" / "style.css").read_bytes(),
                    media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


# -- professionals ------------------------------------------------------------------------------
@router.get("/")
def home(request: Request) -> Response:
    return render(request, "home.html")


@router.get("/p")
def applicant_start(request: Request, session: SessionDep, state: StateDep,
                    now: NowDep) -> Response:
    try:
        _applicant(request, session, now)
    except Unauthenticated:
        return sign_in_page(request, state, "p_sign_in.html", step="email")
    return RedirectResponse("/p/applications", 303)


@router.post("/p/sign-in")
def applicant_send_code(request: Request, email: Annotated[str, Form(max_length=254), Clean],
                        session: SessionDep, state: StateDep, now: NowDep,
                        csrf: SignInCsrf = "") -> Response:
    from pydantic import EmailStr, TypeAdapter, ValidationError

    from issuer.mail.transport import transport_for

    check_sign_in_csrf(request, state, csrf)
    try:
        address = TypeAdapter(EmailStr).validate_python(email)
    except ValidationError:
        return sign_in_page(request, state, "p_sign_in.html", step="email", status_code=422,
                            problem=True)
    client = request.client.host if request.client else "unknown"
    applicants.start_sign_in(session, email=address, client=client,
                             policy=state.sign_in_policy, now=now,
                             send=transport_for(state.settings).send,
                             sender=state.settings.mail_from)
    return sign_in_page(request, state, "p_sign_in.html", step="code", email=address)


@router.post("/p/verify")
def applicant_verify(request: Request, email: Annotated[str, Form(max_length=254), Clean],
                     code: Annotated[str, Form(max_length=12), Clean], session: SessionDep,
                     state: StateDep, now: NowDep, csrf: SignInCsrf = "") -> Response:
    check_sign_in_csrf(request, state, csrf)
    signed = applicants.verify_code(session, email=email, code=code,
                                    policy=state.sign_in_policy, now=now)
    if signed is None:  # rendered, not raised: the counted attempt is committed
        return sign_in_page(request, state, "p_sign_in.html", step="code", email=email,
                            problem=True, status_code=401)
    response = RedirectResponse("/p/applications", 303)
    set_cookie(response, state, APPLICANT_COOKIE, signed.token, "lax")
    return response


@router.post("/p/sign-out")
def applicant_sign_out(request: Request, session: SessionDep, now: NowDep) -> Response:
    applicants.sign_out(session, request.cookies.get(APPLICANT_COOKIE), now=now)
    response = RedirectResponse("/p", 303)
    response.delete_cookie(APPLICANT_COOKIE, path="/")
    return response


@router.get("/p/applications")
def applicant_list(request: Request, session: SessionDep, state: StateDep,
                   now: NowDep) -> Response:
    applicant = _applicant(request, session, now)
    return render(request, "p_applications.html", applicant=applicant,
                  applications=service.list_own(session, applicant),
                  registrations=applicants.registrations_of(session, applicant),
                  kinds=list(service.KINDS), correctable=service.CORRECTABLE,
                  csrf=csrf_token(state, request.cookies[APPLICANT_COOKIE]))


@router.post("/p/applications")
def applicant_apply(request: Request, csrf: Csrf, registration_id: Annotated[DbId, Form()],
                    kind: Annotated[str, Form(max_length=32), Clean], session: SessionDep,
                    state: StateDep, now: NowDep,
                    addressee: Annotated[str, Form(max_length=200), Clean] = "",
                    purpose: Annotated[str, Form(max_length=200), Clean] = "",
                    destination: Annotated[str, Form(max_length=200), Clean] = "",
                    field: Annotated[str, Form(max_length=32), Clean] = "",
                    value: Annotated[str, Form(max_length=200), Clean] = "") -> Response:
    applicant = _acting_applicant(request, session, state, now, csrf)
    details = {"addressee": addressee, "purpose": purpose, "destination": destination,
               "field": field, "value": value}
    row = service.submit(session, applicant, service.ApplicationIn(
        registration_id, kind, {k: v for k, v in details.items() if v.strip()}),
        registry=state.registry, now=now)
    return RedirectResponse(f"/p/applications/{row.id}", 303)


@router.get("/p/applications/{application_id}")
def applicant_detail(application_id: DbId, request: Request, session: SessionDep,
                     state: StateDep, now: NowDep) -> Response:
    applicant = _applicant(request, session, now)
    row = service.get_own(session, applicant, application_id)
    return render(request, "p_application.html", applicant=applicant, application=row,
                  refusals=(eligibility.refusals(session, row.registration,
                                                 row.certificate_type, now)
                            if row.state in service.OPEN else []),
                  history=service.history(session, row),
                  documents=service.documents(session, row),
                  csrf=csrf_token(state, request.cookies[APPLICANT_COOKIE]))


@router.post("/p/applications/{application_id}/documents")
def applicant_upload(application_id: DbId, request: Request, csrf: Csrf,
                     file: CheckedUploadDep, session: SessionDep, state: StateDep,
                     now: NowDep) -> Response:
    applicant = _acting_applicant(request, session, state, now, csrf)
    row = service.get_own(session, applicant, application_id)
    service.add_document(session, row, file=file, folder=state.uploads,
                         actor=applicant.actor, now=now,
                         max_documents=state.settings.upload_max_per_application)
    return RedirectResponse(f"/p/applications/{row.id}", 303)


@router.post("/p/applications/{application_id}/answer")
def applicant_answer(application_id: DbId, request: Request, csrf: Csrf, message: Text,
                     session: SessionDep, state: StateDep, now: NowDep) -> Response:
    applicant = _acting_applicant(request, session, state, now, csrf)
    service.answer(session, applicant, application_id, message=message, now=now)
    return RedirectResponse(f"/p/applications/{application_id}", 303)


@router.get("/p/applications/{application_id}/documents/{document_id}")
def applicant_document(application_id: DbId, document_id: DbId, request: Request,
                       session: SessionDep, state: StateDep, now: NowDep) -> Response:
    row = service.get_own(session, _applicant(request, session, now), application_id)
    return document_response(state, service.get_document(session, row, document_id))


@router.get("/p/applications/{application_id}/certificate")
def applicant_certificate(application_id: DbId, request: Request, session: SessionDep,
                          state: StateDep, now: NowDep) -> Response:
    row = service.get_own(session, _applicant(request, session, now), application_id)
    return certificate_response(service.certificate_of(session, row), state, "pdf")


