"""The review desk's register pages under ``/s/registrations``: a registration's state,
proceedings, certificates, history and what the register refuses, with forms for the changes
(suspend, remove, restore, correct, renew, proceedings), and the "due for renewal" list per
council. Thin: each form post calls one service of ``issuer.registry`` and redirects back."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from issuer.auth import service as auth
from issuer.auth.service import Staff
from issuer.credentials import service as credentials
from issuer.deps import NowDep, SessionDep, StateDep
from issuer.inputs import Clean, DbId
from issuer.registry import corrections, eligibility, lifecycle, proceedings, reminders, service
from issuer.registry.lifecycle import Order
from issuer.state import IssuerState
from issuer.status import service as status
from issuer.web.common import STAFF_COOKIE, Csrf, check_csrf, csrf_token, render
from schemas.errors import InvalidData

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=100), Clean]
Long = Annotated[str, Form(max_length=1000), Clean]


def _staff(request: Request, session: SessionDep, state: IssuerState, csrf: str | None = None
           ) -> Staff:
    staff = auth.authenticate_page(session, request.cookies.get(STAFF_COOKIE), now=state.clock())
    if csrf is not None:
        check_csrf(state, request.cookies.get(STAFF_COOKIE, ""), csrf)
    return staff


def _order(order: str, note: str = "", reason: str | None = None) -> Order:
    return Order(reason, order.strip() or None, note.strip() or None)


def _day(value: str, field: str) -> date | None:
    try:
        return date.fromisoformat(value) if value.strip() else None
    except ValueError as err:
        raise InvalidData(f"{field} must be a date (YYYY-MM-DD)", field=field) from err


def _back(registration_id: int) -> Response:
    return RedirectResponse(f"/s/registrations/{registration_id}", 303)


@router.get("/s/registrations/{registration_id}")
def registration_page(registration_id: DbId, request: Request, session: SessionDep,
                      state: StateDep, now: NowDep) -> Response:
    staff = _staff(request, session, state)
    row = service.get_for_staff(session, staff, "read", registration_id)
    refusals = {type_id: eligibility.refusals(session, row, type_id, now)
                for type_id in state.registry.certificate_types}
    certificates = [(c, status.effective_state(c, now))
                    for c in credentials.list_for_registration(session, row.id)]
    return render(request, "s_registration.html", staff=staff, registration=row,
                  state_now=eligibility.effective_state(row, eligibility.india_today(now)),
                  refusals=refusals, certificates=certificates,
                  proceedings=proceedings.for_registration(session, row),
                  actions=lifecycle.actions(session, row),
                  suspension_reasons=list(lifecycle.SUSPENSION_REASONS),
                  removal_reasons=list(lifecycle.REMOVAL_REASONS), fields=corrections.FIELDS,
                  can_change=staff.can("register", row.council_id)
                  and staff.can("status", row.council_id),
                  csrf=csrf_token(state, request.cookies[STAFF_COOKIE]))


@router.post("/s/registrations/{registration_id}/suspend")
def suspend(registration_id: DbId, request: Request, csrf: Csrf, session: SessionDep,
            state: StateDep, now: NowDep, reason: Short, until: Short = "", order: Short = "",
            note: Long = "") -> Response:
    staff = _staff(request, session, state, csrf)
    row = service.get_for_staff(session, staff, "register", registration_id)
    lifecycle.suspend(session, row, staff=staff, reason=reason, until=_day(until, "until"),
                      now=now, order=_order(order, note))
    return _back(registration_id)


@router.post("/s/registrations/{registration_id}/remove")
def remove(registration_id: DbId, request: Request, csrf: Csrf, session: SessionDep,
           state: StateDep, now: NowDep, reason: Short, order: Short = "",
           note: Long = "") -> Response:
    staff = _staff(request, session, state, csrf)
    row = service.get_for_staff(session, staff, "register", registration_id)
    lifecycle.remove(session, row, staff=staff, reason=reason, now=now,
                     order=_order(order, note))
    return _back(registration_id)


@router.post("/s/registrations/{registration_id}/restore")
def restore(registration_id: DbId, request: Request, csrf: Csrf, session: SessionDep,
            state: StateDep, now: NowDep, order: Short = "", note: Long = "") -> Response:
    staff = _staff(request, session, state, csrf)
    row = service.get_for_staff(session, staff, "register", registration_id)
    lifecycle.restore(session, row, staff=staff, now=now, order=_order(order, note))
    return _back(registration_id)


@router.post("/s/registrations/{registration_id}/correct")
def correct(registration_id: DbId, request: Request, csrf: Csrf, session: SessionDep,
            state: StateDep, now: NowDep, field: Short, value: Long, order: Short = "",
            note: Long = "") -> Response:
    staff = _staff(request, session, state, csrf)
    row = service.get_for_staff(session, staff, "register", registration_id)
    corrections.correct(session, row, staff=staff, context=state.issue_context(session),
                        field=field, value=value, now=now, order=_order(order, note))
    return _back(registration_id)


@router.post("/s/registrations/{registration_id}/proceedings")
def open_proceedings(registration_id: DbId, request: Request, csrf: Csrf, session: SessionDep,
                     state: StateDep, now: NowDep, reference: Short,
                     opened_on: Short = "") -> Response:
    staff = _staff(request, session, state, csrf)
    row = service.get_for_staff(session, staff, "register", registration_id)
    proceedings.open_proceeding(
        session, row, staff=staff, reference=reference, now=now,
        opened_on=_day(opened_on, "opened_on") or eligibility.india_today(now))
    return _back(registration_id)


@router.post("/s/proceedings/{proceeding_id}/close")
def close_proceedings(proceeding_id: DbId, request: Request, csrf: Csrf, session: SessionDep,
                      state: StateDep, now: NowDep, outcome: Long,
                      closed_on: Short = "") -> Response:
    staff = _staff(request, session, state, csrf)
    row = proceedings.get_for_staff(session, staff, "register", proceeding_id)
    proceedings.close_proceeding(
        session, row, staff=staff, outcome=outcome, now=now,
        closed_on=_day(closed_on, "closed_on") or eligibility.india_today(now))
    return _back(row.registration_id)


@router.get("/s/renewals")
def renewals(request: Request, session: SessionDep, state: StateDep, now: NowDep,
             council: str = "", within_days: int = reminders.RENEWAL_NOTICE_DAYS) -> Response:
    staff = _staff(request, session, state)
    councils = sorted(state.registry.councils) if staff.all_councils else list(staff.councils)
    chosen = council if council in councils else councils[0]
    staff.require("read", chosen)
    rows = reminders.due_for_renewal(session, chosen, now=now,
                                     within_days=max(0, min(within_days, 3660)))
    return render(request, "s_renewals.html", staff=staff, rows=rows, councils=councils,
                  council=chosen, today=eligibility.india_today(now))
