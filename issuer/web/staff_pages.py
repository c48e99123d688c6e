"""Server-rendered pages for council staff under ``/s``: the queue, an application, decisions
and the SLA report. Staff sign in as people, with a code mailed to their account's address
(``issuer.auth.accounts``); an API token still opens a session (scripts, the demo). Either way a
server-side session starts; the ``SameSite=Strict`` cookie holds that session's secret, never a
token, and signing out (or the account's disabling, the token's expiry or revocation) ends it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from issuer.applications import reports, review, service
from issuer.applications.api import document_response
from issuer.applications.models import Application
from issuer.applications.review_api import registry_record
from issuer.applications.service import COUNCILS_MOVE
from issuer.auth import accounts
from issuer.auth import service as auth
from issuer.auth.service import Staff
from issuer.deps import NowDep, SessionDep, StateDep
from issuer.inputs import Clean, DbId
from issuer.registry import eligibility
from issuer.registry.eligibility import Refusal
from issuer.state import IssuerState
from issuer.web import sign_in
from issuer.web.approval import approval_summary
from issuer.web.common import (
    STAFF_COOKIE,
    STAFF_PENDING_COOKIE,
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
from schemas.errors import (
    InvalidData,
    InvalidTransition,
    PramaanError,
    Unauthenticated,
)

router = APIRouter(include_in_schema=False)
STAFF = sign_in.SignInFlow("/s", "s_sign_in.html", STAFF_PENDING_COOKIE,
                           accounts.start_sign_in, accounts.code_state)


def _staff(request: Request, session: SessionDep, state: IssuerState) -> Staff:
    secret = request.cookies.get(STAFF_COOKIE)
    if secret and secret.startswith(accounts.SESSION_PREFIX):
        return accounts.authenticate_page(session, secret, now=state.clock())
    return auth.authenticate_page(session, secret, now=state.clock())


def _acting_staff(request: Request, session: SessionDep, state: IssuerState,
                  csrf: str) -> Staff:
    staff = _staff(request, session, state)
    check_csrf(state, request.cookies.get(STAFF_COOKIE, ""), csrf)
    return staff


@router.get("/s")
def staff_start(request: Request, state: StateDep) -> Response:
    return sign_in_page(request, state, "s_sign_in.html", step="email",
                        email=request.cookies.get(STAFF_PENDING_COOKIE, ""))


@router.post("/s/code")
def staff_send_code(request: Request, email: Annotated[str, Form(max_length=254), Clean],
                    session: SessionDep, state: StateDep, now: NowDep,
                    csrf: SignInCsrf = "") -> Response:
    """Mail a one-time code to a staff account's address, then the code page."""
    return sign_in.mail_code(STAFF, request, session, state, now, email=email, csrf=csrf)


@router.get("/s/code")
def staff_code_page(request: Request, session: SessionDep, state: StateDep, now: NowDep,
                    wrong: bool = False) -> Response:
    return sign_in.code_page(STAFF, request, session, state, now, wrong=wrong)


@router.post("/s/verify")
def staff_verify(request: Request, email: Annotated[str, Form(max_length=254), Clean],
                 code: Annotated[str, Form(max_length=12), Clean], session: SessionDep,
                 state: StateDep, now: NowDep, csrf: SignInCsrf = "") -> Response:
    check_sign_in_csrf(request, state, csrf)
    signed = accounts.verify_code(session, email=email, code=code,
                                  policy=state.sign_in_policy, now=now)
    if signed is None:
        return sign_in.wrong_code(STAFF, state, email)
    response = RedirectResponse("/s/queue", 303)
    set_cookie(response, state, STAFF_COOKIE, signed[1], "strict")
    response.delete_cookie(STAFF_PENDING_COOKIE, path="/")
    return response


@router.post("/s/sign-in")
def staff_sign_in(request: Request, token: Annotated[str, Form(max_length=200), Clean],
                  session: SessionDep, state: StateDep, now: NowDep,
                  csrf: SignInCsrf = "") -> Response:
    """Sign in with an API token (kept for scripts and the demo; people use their address)."""
    check_sign_in_csrf(request, state, csrf)
    try:
        _staff, secret = auth.start_page_session(session, token, now=now,
                                                 ttl=state.sign_in_policy.session_ttl)
    except Unauthenticated as err:
        return sign_in_page(request, state, "s_sign_in.html", step="email", here="/s",
                            token_problem=True, status_code=err.http_status)
    response = RedirectResponse("/s/queue", 303)
    set_cookie(response, state, STAFF_COOKIE, secret, "strict")
    return response


@router.post("/s/sign-out")
def staff_sign_out(request: Request, session: SessionDep, now: NowDep) -> Response:
    secret = request.cookies.get(STAFF_COOKIE)
    if secret and secret.startswith(accounts.SESSION_PREFIX):
        accounts.end_page_session(session, secret, now=now)
    else:
        auth.end_page_session(session, secret, now=now)
    response = RedirectResponse("/s", 303)
    response.delete_cookie(STAFF_COOKIE, path="/")
    return response


@router.get("/s/queue")
def staff_queue(request: Request, session: SessionDep, state: StateDep,
                council: str | None = None, type: str | None = None) -> Response:
    staff = _staff(request, session, state)
    rows = review.queue(session, staff, council=council or None,
                        certificate_type=type or None)
    councils = sorted(state.registry.councils) if "*" in staff.councils else staff.councils
    return render(request, "s_queue.html", staff=staff, applications=rows, councils=councils,
                  council=council, type=type,
                  types=list(state.registry.certificate_types.values()),
                  ineligible=_ineligible(session, rows, state.clock()))


@router.get("/s/applications/{application_id}")
def staff_detail(application_id: DbId, request: Request, session: SessionDep,
                 state: StateDep) -> Response:
    staff = _staff(request, session, state)
    return _detail_page(request, session, state, staff,
                        review.get_for_staff(session, staff, application_id))


def _detail_page(request: Request, session: Session, state: IssuerState, staff: Staff,
                 row: Application, *, status_code: int = 200,
                 problem: dict[str, str] | None = None, form: str = "",
                 typed: str = "") -> Response:
    """The review desk; after a refused form post, with the problem beside that ``form`` and
    what was typed in it."""
    return render(request, "s_application.html", status_code=status_code,
                  here=f"/s/applications/{row.id}", staff=staff, application=row,
                  refusals=_refusals(session, state, row),
                  record=registry_record(session, row.registration),
                  history=service.history(session, row),
                  documents=service.documents(session, row),
                  can_approve=staff.can("approve", row.council_id),
                  problem=problem, problem_form=form, typed=typed,
                  csrf=csrf_token(state, request.cookies[STAFF_COOKIE]))


def _refusals(session: Session, state: IssuerState, row: Application) -> list[Refusal]:
    """What the register would refuse now for this application, while it is still open."""
    if row.state not in service.OPEN:
        return []
    return eligibility.refusals(session, row.registration, row.certificate_type, state.clock())


def _ineligible(session: SessionDep, rows: list[Application], now: datetime) -> set[int]:
    """The waiting applications the register would now refuse (it changed since they came):
    one query for the whole queue's open proceedings, not one per application."""
    open_ids = eligibility.with_open_proceedings(session, {a.registration_id for a in rows})
    return {a.id for a in rows
            if eligibility.refusals(session, a.registration, a.certificate_type, now,
                                    proceedings_open=a.registration_id in open_ids)}


@router.get("/s/applications/{application_id}/documents/{document_id}")
def staff_document(application_id: DbId, document_id: DbId, request: Request,
                   session: SessionDep, state: StateDep) -> Response:
    row = review.get_for_staff(session, _staff(request, session, state), application_id)
    return document_response(state, service.get_document(session, row, document_id))


@router.get("/s/applications/{application_id}/approve")
def staff_confirm_approve(application_id: DbId, request: Request, session: SessionDep,
                          state: StateDep) -> Response:
    """Approving issues and mails a certificate at once: first, what will be issued to whom."""
    staff = _staff(request, session, state)
    row = review.get_for_staff(session, staff, application_id)
    staff.require("approve", row.council_id)
    if row.state not in COUNCILS_MOVE or _refusals(session, state, row):
        # decided meanwhile, waiting for the applicant, or the register now refuses it: the
        # application page says which
        return RedirectResponse(f"/s/applications/{row.id}", 303)
    return _confirm_page(request, session, state, staff, row)


def _confirm_page(request: Request, session: Session, state: IssuerState, staff: Staff,
                  row: Application, *, status_code: int = 200,
                  problem: dict[str, str] | None = None) -> Response:
    return render(request, "s_approve.html", status_code=status_code,
                  here=f"/s/applications/{row.id}/approve", staff=staff, application=row,
                  summary=approval_summary(row, state.registry),
                  record=registry_record(session, row.registration), problem=problem,
                  csrf=csrf_token(state, request.cookies[STAFF_COOKIE]))


@router.post("/s/applications/{application_id}/approve")
def staff_approve(application_id: DbId, request: Request, csrf: Csrf, session: SessionDep,
                  state: StateDep, now: NowDep,
                  renewed_until: Annotated[str, Form(max_length=10), Clean] = "",
                  note: Text = "") -> Response:
    staff = _acting_staff(request, session, state, csrf)
    try:
        until = date.fromisoformat(renewed_until) if renewed_until.strip() else None
    except ValueError:
        until = None
    try:
        if renewed_until.strip() and until is None:
            raise InvalidData("renewed_until must be a date (YYYY-MM-DD)", field="renewed_until")
        with session.begin_nested():
            review.approve(session, staff, application_id, context=state.issue_context(session),
                           now=now, renewed_until=until, note=note.strip() or None)
    except (InvalidData, InvalidTransition) as err:
        row = review.get_for_staff(session, staff, application_id)
        session.refresh(row)
        return _confirm_page(request, session, state, staff, row, status_code=err.http_status,
                             problem=problem(request, err))
    return RedirectResponse(f"/s/applications/{application_id}", 303)


@router.post("/s/applications/{application_id}/reject")
def staff_reject(application_id: DbId, request: Request, csrf: Csrf, session: SessionDep,
                 state: StateDep, now: NowDep, reason: Text = "") -> Response:
    staff = _acting_staff(request, session, state, csrf)
    try:
        review.reject(session, staff, application_id, reason=reason, now=now)
    except (InvalidData, InvalidTransition) as err:
        return _refused(request, session, state, staff, application_id, err, "reject", reason)
    return RedirectResponse(f"/s/applications/{application_id}", 303)


@router.post("/s/applications/{application_id}/query")
def staff_query(application_id: DbId, request: Request, csrf: Csrf, session: SessionDep,
                state: StateDep, now: NowDep, question: Text = "") -> Response:
    staff = _acting_staff(request, session, state, csrf)
    try:
        review.ask(session, staff, application_id, question=question, now=now)
    except (InvalidData, InvalidTransition) as err:
        return _refused(request, session, state, staff, application_id, err, "query", question)
    return RedirectResponse(f"/s/applications/{application_id}", 303)


def _refused(request: Request, session: Session, state: IssuerState, staff: Staff,
             application_id: int, err: PramaanError, form: str, typed: str) -> Response:
    row = review.get_for_staff(session, staff, application_id)
    session.refresh(row)
    return _detail_page(request, session, state, staff, row, status_code=err.http_status,
                        problem=problem(request, err), form=form, typed=typed)


@router.get("/s/sla")
def staff_sla(request: Request, session: SessionDep, state: StateDep, now: NowDep) -> Response:
    staff = _staff(request, session, state)
    return render(request, "s_sla.html", staff=staff,
                  rows=reports.sla(session, staff, registry=state.registry, now=now))
