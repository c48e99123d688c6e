"""Server-rendered pages over the same services as the API.

Sessions live in HttpOnly cookies (``SameSite=Lax`` for professionals, who arrive from mail
links; ``Strict`` for staff; ``Secure`` when the service is on https). Every form post that acts
under a session carries a CSRF token, an HMAC of the session token under the session key, so a
page on another site cannot post in the user's name. No script runs on these pages.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from issuer.applicants import service as applicants
from issuer.applicants.service import Applicant
from issuer.applications import documents as files
from issuer.applications import reports, review, service
from issuer.applications.api import document_response
from issuer.applications.review_api import registry_record
from issuer.auth.service import Staff, authenticate
from issuer.credentials.api import certificate_response
from issuer.deps import NowDep, SessionDep, StateDep
from issuer.state import IssuerState
from issuer.web.i18n import LANGUAGES, translator
from schemas.errors import Forbidden, InvalidData, PramaanError, Unauthenticated

router = APIRouter(include_in_schema=False)
APPLICANT_COOKIE, STAFF_COOKIE, LANG_COOKIE = "pramaan_applicant", "pramaan_staff", "lang"
TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                       trim_blocks=True, lstrip_blocks=True)


def language(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "en"
    return wanted if wanted in LANGUAGES else "en"


def render(request: Request, name: str, *, status_code: int = 200, **context: Any) -> Response:
    lang = language(request)
    html = _environment().get_template(name).render(
        t=translator(lang), lang=lang, path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status_code, headers={
        "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action "
                                   "'self'", "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin", "Cache-Control": "no-store"})
    if "lang" in request.query_params:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def error_page(request: Request, err: PramaanError) -> Response:
    """A PramaanError on a page: the same code and detail as the API, as HTML."""
    if isinstance(err, Unauthenticated):
        return RedirectResponse("/s" if request.url.path.startswith("/s") else "/p", 303)
    return render(request, "error.html", status_code=err.http_status, error=err)


def csrf_token(state: IssuerState, session_token: str) -> str:
    key = state.settings.session_secrets[-1].get_secret_value().encode()
    return hmac.new(key, b"csrf\x00" + session_token.encode(), hashlib.sha256).hexdigest()[:32]


def _check_csrf(state: IssuerState, session_token: str, given: str) -> None:
    if not hmac.compare_digest(csrf_token(state, session_token), given or ""):
        raise Forbidden("the form is stale or came from another site", code="auth.csrf",
                        hint="reload the page and submit again")


def _set_cookie(response: Response, state: IssuerState, name: str, value: str,
                samesite: str) -> None:
    secure = state.settings.cookie_secure
    if secure is None:
        secure = state.settings.public_base_url.startswith("https://")
    response.set_cookie(name, value, httponly=True, samesite=samesite,  # type: ignore[arg-type]
                        secure=secure, path="/")


def _applicant(request: Request, state: IssuerState, now: NowDep) -> Applicant:
    return applicants.authenticate(request.cookies.get(APPLICANT_COOKIE),
                                   policy=state.sign_in_policy, now=now)


def _staff(request: Request, session: SessionDep) -> Staff:
    token = request.cookies.get(STAFF_COOKIE)
    return authenticate(session, f"Bearer {token}" if token else None)


def _acting_applicant(request: Request, state: IssuerState, now: NowDep,
                      csrf: str) -> Applicant:
    applicant = _applicant(request, state, now)
    _check_csrf(state, request.cookies.get(APPLICANT_COOKIE, ""), csrf)
    return applicant


def _acting_staff(request: Request, session: SessionDep, state: IssuerState,
                  csrf: str) -> Staff:
    staff = _staff(request, session)
    _check_csrf(state, request.cookies.get(STAFF_COOKIE, ""), csrf)
    return staff


Text = Annotated[str, Form(max_length=service.MAX_TEXT)]
Csrf = Annotated[str, Form(max_length=64)]


@router.get("/assets/style.css")
def stylesheet() -> Response:
    return Response((Path(__file__).parent / "static" / "style.css").read_bytes(),
                    media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


# -- professionals ------------------------------------------------------------------------------
@router.get("/")
def home(request: Request) -> Response:
    return render(request, "home.html")


@router.get("/p")
def applicant_start(request: Request, state: StateDep, now: NowDep) -> Response:
    try:
        _applicant(request, state, now)
    except Unauthenticated:
        return render(request, "p_sign_in.html", step="email")
    return RedirectResponse("/p/applications", 303)


@router.post("/p/sign-in")
def applicant_send_code(request: Request, email: Annotated[str, Form(max_length=254)],
                        session: SessionDep, state: StateDep, now: NowDep) -> Response:
    from pydantic import EmailStr, TypeAdapter, ValidationError

    from issuer.mail.transport import transport_for

    try:
        address = TypeAdapter(EmailStr).validate_python(email)
    except ValidationError:
        return render(request, "p_sign_in.html", step="email", status_code=422,
                      problem=True)
    client = request.client.host if request.client else "unknown"
    applicants.start_sign_in(session, email=address, client=client,
                             policy=state.sign_in_policy, now=now,
                             send=transport_for(state.settings).send,
                             sender=state.settings.mail_from)
    return render(request, "p_sign_in.html", step="code", email=address)


@router.post("/p/verify")
def applicant_verify(request: Request, email: Annotated[str, Form(max_length=254)],
                     code: Annotated[str, Form(max_length=12)], session: SessionDep,
                     state: StateDep, now: NowDep) -> Response:
    signed = applicants.verify_code(session, email=email, code=code,
                                    policy=state.sign_in_policy, now=now)
    if signed is None:  # rendered, not raised: the counted attempt is committed
        return render(request, "p_sign_in.html", step="code", email=email, problem=True,
                      status_code=401)
    response = RedirectResponse("/p/applications", 303)
    _set_cookie(response, state, APPLICANT_COOKIE, signed.token, "lax")
    return response


@router.post("/p/sign-out")
def applicant_sign_out() -> Response:
    response = RedirectResponse("/p", 303)
    response.delete_cookie(APPLICANT_COOKIE, path="/")
    return response


@router.get("/p/applications")
def applicant_list(request: Request, session: SessionDep, state: StateDep,
                   now: NowDep) -> Response:
    applicant = _applicant(request, state, now)
    return render(request, "p_applications.html", applicant=applicant,
                  applications=service.list_own(session, applicant),
                  registrations=applicants.registrations_of(session, applicant),
                  kinds=list(service.KINDS),
                  csrf=csrf_token(state, request.cookies[APPLICANT_COOKIE]))


@router.post("/p/applications")
def applicant_apply(request: Request, csrf: Csrf, registration_id: Annotated[int, Form()],
                    kind: Annotated[str, Form(max_length=32)], session: SessionDep,
                    state: StateDep, now: NowDep,
                    addressee: Annotated[str, Form(max_length=200)] = "",
                    purpose: Annotated[str, Form(max_length=200)] = "",
                    destination: Annotated[str, Form(max_length=200)] = "") -> Response:
    applicant = _acting_applicant(request, state, now, csrf)
    details = {"addressee": addressee, "purpose": purpose, "destination": destination}
    row = service.submit(session, applicant, service.ApplicationIn(
        registration_id, kind, {k: v for k, v in details.items() if v.strip()}),
        registry=state.registry, now=now)
    return RedirectResponse(f"/p/applications/{row.id}", 303)


@router.get("/p/applications/{application_id}")
def applicant_detail(application_id: int, request: Request, session: SessionDep,
                     state: StateDep, now: NowDep) -> Response:
    applicant = _applicant(request, state, now)
    row = service.get_own(session, applicant, application_id)
    return render(request, "p_application.html", applicant=applicant, application=row,
                  history=service.history(session, row),
                  documents=service.documents(session, row),
                  csrf=csrf_token(state, request.cookies[APPLICANT_COOKIE]))


@router.post("/p/applications/{application_id}/documents")
def applicant_upload(application_id: int, request: Request, csrf: Csrf,
                     file: Annotated[UploadFile, File()], session: SessionDep, state: StateDep,
                     now: NowDep) -> Response:
    applicant = _acting_applicant(request, state, now, csrf)
    row = service.get_own(session, applicant, application_id)
    data = files.read_capped(file.file, state.settings.upload_max_bytes)
    service.add_document(session, row, data=data, filename=file.filename, folder=state.uploads,
                         actor=applicant.actor, now=now,
                         max_documents=state.settings.upload_max_per_application)
    return RedirectResponse(f"/p/applications/{row.id}", 303)


@router.post("/p/applications/{application_id}/answer")
def applicant_answer(application_id: int, request: Request, csrf: Csrf, message: Text,
                     session: SessionDep, state: StateDep, now: NowDep) -> Response:
    applicant = _acting_applicant(request, state, now, csrf)
    service.answer(session, applicant, application_id, message=message, now=now)
    return RedirectResponse(f"/p/applications/{application_id}", 303)


@router.get("/p/applications/{application_id}/documents/{document_id}")
def applicant_document(application_id: int, document_id: int, request: Request,
                       session: SessionDep, state: StateDep, now: NowDep) -> Response:
    row = service.get_own(session, _applicant(request, state, now), application_id)
    return document_response(state, service.get_document(session, row, document_id))


@router.get("/p/applications/{application_id}/certificate")
def applicant_certificate(application_id: int, request: Request, session: SessionDep,
                          state: StateDep, now: NowDep) -> Response:
    row = service.get_own(session, _applicant(request, state, now), application_id)
    return certificate_response(service.certificate_of(session, row), state, "pdf")


# -- council staff ------------------------------------------------------------------------------
@router.get("/s")
def staff_start(request: Request) -> Response:
    return render(request, "s_sign_in.html")


@router.post("/s/sign-in")
def staff_sign_in(request: Request, token: Annotated[str, Form(max_length=200)],
                  session: SessionDep, state: StateDep) -> Response:
    try:
        authenticate(session, f"Bearer {token.strip()}")
    except Unauthenticated:
        return render(request, "s_sign_in.html", problem=True, status_code=401)
    response = RedirectResponse("/s/queue", 303)
    _set_cookie(response, state, STAFF_COOKIE, token.strip(), "strict")
    return response


@router.post("/s/sign-out")
def staff_sign_out() -> Response:
    response = RedirectResponse("/s", 303)
    response.delete_cookie(STAFF_COOKIE, path="/")
    return response


@router.get("/s/queue")
def staff_queue(request: Request, session: SessionDep, state: StateDep,
                council: str | None = None, type: str | None = None) -> Response:
    staff = _staff(request, session)
    rows = review.queue(session, staff, council=council or None,
                        certificate_type=type or None)
    councils = sorted(state.registry.councils) if "*" in staff.councils else staff.councils
    return render(request, "s_queue.html", staff=staff, applications=rows, councils=councils,
                  council=council, type=type, types=list(state.registry.certificate_types))


@router.get("/s/applications/{application_id}")
def staff_detail(application_id: int, request: Request, session: SessionDep,
                 state: StateDep) -> Response:
    staff = _staff(request, session)
    row = review.get_for_staff(session, staff, application_id)
    return render(request, "s_application.html", staff=staff, application=row,
                  record=registry_record(session, row.registration),
                  history=service.history(session, row),
                  documents=service.documents(session, row),
                  can_approve=staff.can("approve", row.council_id),
                  csrf=csrf_token(state, request.cookies[STAFF_COOKIE]))


@router.get("/s/applications/{application_id}/documents/{document_id}")
def staff_document(application_id: int, document_id: int, request: Request,
                   session: SessionDep, state: StateDep) -> Response:
    row = review.get_for_staff(session, _staff(request, session), application_id)
    return document_response(state, service.get_document(session, row, document_id))


@router.post("/s/applications/{application_id}/approve")
def staff_approve(application_id: int, request: Request, csrf: Csrf, session: SessionDep,
                  state: StateDep, now: NowDep,
                  renewed_until: Annotated[str, Form(max_length=10)] = "",
                  note: Annotated[str, Form(max_length=service.MAX_TEXT)] = "") -> Response:
    staff = _acting_staff(request, session, state, csrf)
    try:
        until = date.fromisoformat(renewed_until) if renewed_until.strip() else None
    except ValueError as err:
        raise InvalidData("renewed_until must be a date (YYYY-MM-DD)",
                          field="renewed_until") from err
    review.approve(session, staff, application_id, context=state.issue_context(session),
                   now=now, renewed_until=until, note=note.strip() or None)
    return RedirectResponse(f"/s/applications/{application_id}", 303)


@router.post("/s/applications/{application_id}/reject")
def staff_reject(application_id: int, request: Request, csrf: Csrf, reason: Text,
                 session: SessionDep, state: StateDep, now: NowDep) -> Response:
    staff = _acting_staff(request, session, state, csrf)
    review.reject(session, staff, application_id, reason=reason, now=now)
    return RedirectResponse(f"/s/applications/{application_id}", 303)


@router.post("/s/applications/{application_id}/query")
def staff_query(application_id: int, request: Request, csrf: Csrf, question: Text,
                session: SessionDep, state: StateDep, now: NowDep) -> Response:
    staff = _acting_staff(request, session, state, csrf)
    review.ask(session, staff, application_id, question=question, now=now)
    return RedirectResponse(f"/s/applications/{application_id}", 303)


@router.get("/s/sla")
def staff_sla(request: Request, session: SessionDep, state: StateDep, now: NowDep) -> Response:
    staff = _staff(request, session)
    return render(request, "s_sla.html", staff=staff,
                  rows=reports.sla(session, staff, registry=state.registry, now=now))
