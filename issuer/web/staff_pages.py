"""Server-rendered pages for council staff under ``/s``: the queue, an application, decisions
and the SLA report. Signing in with a staff token starts a server-side session; the
``SameSite=Strict`` cookie holds that session's secret, never the token, and signing out (or the
token's expiry or revocation) ends it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from issuer.applications import reports, review, service
from issuer.applications.api import document_response
from issuer.applications.models import Application
from issuer.applications.review_api import registry_record
from issuer.auth import service as auth
from issuer.auth.service import Staff
from issuer.deps import NowDep, SessionDep, StateDep
from issuer.inputs import Clean, DbId
from issuer.registry import eligibility
from issuer.state import IssuerState
from issuer.web.common import (
    STAFF_COOKIE,
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
from schemas.errors import InvalidData, Unauthenticated

router = APIRouter(include_in_schema=False)


def _staff(request: Request, session: SessionDep, state: IssuerState) -> Staff:
    return auth.authenticate_page(session, request.cookies.get(STAFF_COOKIE), now=state.clock())


def _acting_staff(request: Request, session: SessionDep, state: IssuerState,
                  csrf: str) -> Staff:
    staff = _staff(request, session, state)
    check_csrf(state, request.cookies.get(STAFF_COOKIE, ""), csrf)
    return staff


@router.get("/s")
def staff_start(request: Request, state: StateDep) -> Response:
    return sign_in_page(request, state, "s_sign_in.html")


@router.post("/s/sign-in")
def staff_sign_in(request: Request, token: Annotated[str, Form(max_length=200), Clean],
                  session: SessionDep, state: StateDep, now: NowDep,
                  csrf: SignInCsrf = "") -> Response:
    check_sign_in_csrf(request, state, csrf)
    try:
        _staff, secret = auth.start_page_session(session, token, now=now,
                                                 ttl=state.sign_in_policy.session_ttl)
    except Unauthenticated:
        return sign_in_page(request, state, "s_sign_in.html", problem=True, status_code=401)
    response = RedirectResponse("/s/queue", 303)
    set_cookie(response, state, STAFF_COOKIE, secret, "strict")
    return response


@router.post("/s/sign-out")
def staff_sign_out(request: Request, session: SessionDep, now: NowDep) -> Response:
    auth.end_page_session(session, request.cookies.get(STAFF_COOKIE), now=now)
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
                  council=council, type=type, types=list(state.registry.certificate_types),
                  ineligible=_ineligible(session, rows, state.clock()))


@router.get("/s/applications/{application_id}")
def staff_detail(application_id: DbId, request: Request, session: SessionDep,
                 state: StateDep) -> Response:
    staff = _staff(request, session, state)
    row = review.get_for_staff(session, staff, application_id)
    refusals = (eligibility.refusals(session, row.registration, row.certificate_type,
                                     state.clock())
                if row.state in service.OPEN else [])
    return render(request, "s_application.html", staff=staff, application=row,
                  refusals=refusals,
                  record=registry_record(session, row.registration),
                  history=service.history(session, row),
                  documents=service.documents(session, row),
                  can_approve=staff.can("approve", row.council_id),
                  csrf=csrf_token(state, request.cookies[STAFF_COOKIE]))


def _ineligible(session: SessionDep, rows: list[Application], now: datetime) -> set[int]:
    """The waiting applications the register would now refuse (it changed since they came)."""
    return {a.id for a in rows
            if eligibility.refusals(session, a.registration, a.certificate_type, now)}


@router.get("/s/applications/{application_id}/documents/{document_id}")
def staff_document(application_id: DbId, document_id: DbId, request: Request,
                   session: SessionDep, state: StateDep) -> Response:
    row = review.get_for_staff(session, _staff(request, session, state), application_id)
    return document_response(state, service.get_document(session, row, document_id))


@router.post("/s/applications/{application_id}/approve")
def staff_approve(application_id: DbId, request: Request, csrf: Csrf, session: SessionDep,
                  state: StateDep, now: NowDep,
                  renewed_until: Annotated[str, Form(max_length=10), Clean] = "",
                  note: Text = "") -> Response:
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
def staff_reject(application_id: DbId, request: Request, csrf: Csrf, reason: Text,
                 session: SessionDep, state: StateDep, now: NowDep) -> Response:
    staff = _acting_staff(request, session, state, csrf)
    review.reject(session, staff, application_id, reason=reason, now=now)
    return RedirectResponse(f"/s/applications/{application_id}", 303)


@router.post("/s/applications/{application_id}/query")
def staff_query(application_id: DbId, request: Request, csrf: Csrf, question: Text,
                session: SessionDep, state: StateDep, now: NowDep) -> Response:
    staff = _acting_staff(request, session, state, csrf)
    review.ask(session, staff, application_id, question=question, now=now)
    return RedirectResponse(f"/s/applications/{application_id}", 303)


@router.get("/s/sla")
def staff_sla(request: Request, session: SessionDep, state: StateDep, now: NowDep) -> Response:
    staff = _staff(request, session, state)
    return render(request, "s_sla.html", staff=staff,
                  rows=reports.sla(session, staff, registry=state.registry, now=now))
