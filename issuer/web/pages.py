"""Server-rendered pages over the same services as the API: the home page and the
professionals' pages under ``/p`` (council staff: ``staff_pages``; what both share: ``common``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from issuer.applicants import service as applicants
from issuer.applicants.service import Applicant
from issuer.applications import service
from issuer.applications.api import document_response
from issuer.applications.documents import CheckedFile
from issuer.applications.documents import check as check_upload
from issuer.applications.models import Application
from issuer.credentials.api import certificate_response
from issuer.deps import NowDep, SessionDep, StateDep
from issuer.inputs import Clean, DbId
from issuer.registry import eligibility
from issuer.state import IssuerState
from issuer.web import apply_forms, sign_in
from issuer.web.common import (
    APPLICANT_COOKIE,
    PENDING_EMAIL_COOKIE,
    Csrf,
    SignInCsrf,
    Text,
    check_csrf,
    check_sign_in_csrf,
    csrf_token,
    problem,
    render,
    set_cookie,
    sign_in_page,
)
from issuer.web.wallet import SIGN_OUT_CLEARS
from schemas.errors import InvalidRequest, NotFound, Unauthenticated

router = APIRouter(include_in_schema=False)
APPLICANTS = sign_in.SignInFlow("/p", "p_sign_in.html", PENDING_EMAIL_COOKIE,
                                applicants.start_sign_in, applicants.code_state)
OptionalUpload = Annotated[UploadFile | None, File()]
"""The file input of a form where a document is optional: a browser sends an empty part with
no file name when none was chosen."""


def _applicant(request: Request, session: Session, now: datetime) -> Applicant:
    return applicants.authenticate(session, request.cookies.get(APPLICANT_COOKIE), now=now)


@router.get("/assets/style.css")
def stylesheet() -> Response:
    return Response((Path(__file__).parent / "static" / "style.css").read_bytes(),
                    media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


FONTS = Path(__file__).parents[1] / "delivery" / "fonts"
PAGE_FONTS = frozenset({"NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"})


@router.get("/assets/fonts/{name}")
def font(name: str) -> Response:
    """The Devanagari font the PDFs embed, for phones and desktops without one (the pages'
    ``@font-face`` asks for it only for Devanagari text, so an English page never loads it)."""
    if name not in PAGE_FONTS:
        raise NotFound(f"there is no font {name!r}")
    return Response((FONTS / name).read_bytes(), media_type="font/ttf",
                    headers={"Cache-Control": "public, max-age=604800"})


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
        return sign_in_page(request, state, "p_sign_in.html", step="email",
                            email=request.cookies.get(PENDING_EMAIL_COOKIE, ""))
    return RedirectResponse("/p/applications", 303)


@router.post("/p/sign-in")
def applicant_send_code(request: Request, email: Annotated[str, Form(max_length=254), Clean],
                        session: SessionDep, state: StateDep, now: NowDep,
                        csrf: SignInCsrf = "") -> Response:
    return sign_in.mail_code(APPLICANTS, request, session, state, now, email=email, csrf=csrf)


@router.get("/p/code")
def applicant_code_page(request: Request, session: SessionDep, state: StateDep, now: NowDep,
                        wrong: bool = False) -> Response:
    return sign_in.code_page(APPLICANTS, request, session, state, now, wrong=wrong)


@router.post("/p/verify")
def applicant_verify(request: Request, email: Annotated[str, Form(max_length=254), Clean],
                     code: Annotated[str, Form(max_length=12), Clean], session: SessionDep,
                     state: StateDep, now: NowDep, csrf: SignInCsrf = "") -> Response:
    check_sign_in_csrf(request, state, csrf)
    signed = applicants.verify_code(session, email=email, code=code,
                                    policy=state.sign_in_policy, now=now)
    if signed is None:
        return sign_in.wrong_code(APPLICANTS, state, email)
    response = RedirectResponse("/p/applications", 303)
    set_cookie(response, state, APPLICANT_COOKIE, signed.token, "lax")
    response.delete_cookie(PENDING_EMAIL_COOKIE, path="/")
    return response


@router.post("/p/sign-out")
def applicant_sign_out(request: Request, session: SessionDep, now: NowDep) -> Response:
    applicants.sign_out(session, request.cookies.get(APPLICANT_COOKIE), now=now)
    response = RedirectResponse("/p", 303)
    response.delete_cookie(APPLICANT_COOKIE, path="/")
    response.headers["Clear-Site-Data"] = SIGN_OUT_CLEARS  # saved certificates (wallet.py)
    return response


@router.get("/p/applications")
def applicant_list(request: Request, session: SessionDep, state: StateDep,
                   now: NowDep) -> Response:
    applicant = _applicant(request, session, now)
    return render(request, "p_applications.html", applicant=applicant,
                  applications=service.list_own(session, applicant),
                  kinds=apply_forms.kinds(state.registry),
                  csrf=csrf_token(state, request.cookies[APPLICANT_COOKIE]))


@router.get("/p/applications/new")
def applicant_new(request: Request, session: SessionDep, state: StateDep, now: NowDep,
                  kind: str = "") -> Response:
    applicant = _applicant(request, session, now)
    if kind not in service.KINDS:
        return RedirectResponse("/p/applications", 303)
    return _apply_page(request, session, state, applicant, kind, values={})


@router.post("/p/applications")
def applicant_apply(request: Request, csrf: Csrf, registration_id: Annotated[DbId, Form()],
                    kind: Annotated[str, Form(max_length=32), Clean], session: SessionDep,
                    state: StateDep, now: NowDep,
                    addressee: Annotated[str, Form(max_length=200), Clean] = "",
                    purpose: Annotated[str, Form(max_length=200), Clean] = "",
                    destination: Annotated[str, Form(max_length=200), Clean] = "",
                    field: Annotated[str, Form(max_length=32), Clean] = "",
                    value: Annotated[str, Form(max_length=200), Clean] = "") -> Response:
    applicant = _applicant(request, session, now)
    details = {"addressee": addressee, "purpose": purpose, "destination": destination,
               "field": field, "value": value}
    try:
        check_csrf(state, request.cookies.get(APPLICANT_COOKIE, ""), csrf)
        row = service.submit(session, applicant, service.ApplicationIn(
            registration_id, kind, {k: v for k, v in details.items() if v.strip()}),
            registry=state.registry, now=now)
    except InvalidRequest as err:
        if kind not in service.KINDS:
            raise
        return _apply_page(request, session, state, applicant, kind,
                           values=details | {"registration_id": registration_id},
                           problem=problem(request, err), status_code=err.http_status)
    return RedirectResponse(f"/p/applications/{row.id}", 303)


def _apply_page(request: Request, session: Session, state: IssuerState, applicant: Applicant,
                kind: str, *, values: dict[str, object], status_code: int = 200,
                problem: dict[str, str] | None = None) -> Response:
    return render(request, "p_apply.html", status_code=status_code,
                  here=f"/p/applications/new?kind={kind}",
                  form=apply_forms.form_for(kind, state.registry),
                  registrations=applicants.registrations_of(session, applicant),
                  values=values, problem=problem, correctable=service.CORRECTABLE,
                  csrf=csrf_token(state, request.cookies[APPLICANT_COOKIE]))


@router.get("/p/applications/{application_id}")
def applicant_detail(application_id: DbId, request: Request, session: SessionDep,
                     state: StateDep, now: NowDep) -> Response:
    applicant = _applicant(request, session, now)
    row = service.get_own(session, applicant, application_id)
    return _detail_page(request, session, state, row)


def _detail_page(request: Request, session: Session, state: IssuerState, row: Application, *,
                 status_code: int = 200, problem: dict[str, str] | None = None,
                 typed: str = "") -> Response:
    history = service.history(session, row)
    refusals = (eligibility.refusals(session, row.registration, row.certificate_type,
                                     state.clock())
                if row.state in service.OPEN else [])
    return render(request, "p_application.html", status_code=status_code, refusals=refusals,
                  here=f"/p/applications/{row.id}", application=row, history=history,
                  question=apply_forms.open_question(row, history),
                  council=state.registry.council(row.council_id),
                  form=apply_forms.form_for(row.kind, state.registry),
                  documents=service.documents(session, row), problem=problem, typed=typed,
                  csrf=csrf_token(state, request.cookies[APPLICANT_COOKIE]))


@router.post("/p/applications/{application_id}/documents")
def applicant_upload(application_id: DbId, request: Request, csrf: Csrf,
                     session: SessionDep, state: StateDep, now: NowDep,
                     file: OptionalUpload = None) -> Response:
    return applicant_answer(application_id, request, csrf, session, state, now, file=file)


@router.post("/p/applications/{application_id}/answer")
def applicant_answer(application_id: DbId, request: Request, csrf: Csrf,
                     session: SessionDep, state: StateDep, now: NowDep, message: Text = "",
                     file: OptionalUpload = None) -> Response:
    """The answer to the council's question and a document, in one form with one Send: both
    are recorded or neither, and on a problem the page comes back with the answer as typed."""
    checked, refused = _check_upload(file, state)  # before the first query (SQLite's lock)
    applicant = _applicant(request, session, now)
    row = service.get_own(session, applicant, application_id)
    try:
        check_csrf(state, request.cookies.get(APPLICANT_COOKIE, ""), csrf)
        if refused is not None:
            raise refused
        with session.begin_nested():
            apply_forms.answer_and_attach(session, applicant, row, message=message,
                                          file=checked, folder=state.uploads, now=now,
                                          max_documents=state.settings.upload_max_per_application)
    except InvalidRequest as err:
        session.refresh(row)
        return _detail_page(request, session, state, row, status_code=err.http_status,
                            problem=problem(request, err), typed=message)
    return RedirectResponse(f"/p/applications/{row.id}", 303)


def _check_upload(file: UploadFile | None, state: IssuerState
                  ) -> tuple[CheckedFile | None, InvalidRequest | None]:
    if file is None or not file.filename:
        return None, None
    try:
        return check_upload(file.file, max_bytes=state.settings.upload_max_bytes,
                            filename=file.filename), None
    except InvalidRequest as err:
        return None, err


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


