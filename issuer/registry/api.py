"""Staff API for the register: add a registration, read it, and change its life (suspend,
remove, restore, renew, correct, make permanent, proceedings; ``docs/register.md``). Each change
answers with what it did, including every certificate it suspended, revoked or re-issued."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from issuer.deps import NowDep, SessionDep, StaffDep, StateDep
from issuer.inputs import DbId, FreeText, Input
from issuer.registry import corrections, eligibility, lifecycle, proceedings, reminders, service
from issuer.registry.inputs import RegistrantIn
from issuer.registry.lifecycle import Order
from issuer.registry.models import Proceeding, RegisterAction, Registration

router = APIRouter(tags=["registry"])


class RegistrationOut(BaseModel):
    id: int
    council_id: str
    registration_number: str
    registration_date: date
    registration_type: str
    valid_from: date
    valid_until: date
    name: str
    qualifications: list[dict[str, Any]]
    state: str = "active"
    state_reason: str | None = None
    suspended_from: date | None = None
    suspended_until: date | None = None
    renewal_due: date | None = None

    @classmethod
    def of(cls, row: Registration) -> "RegistrationOut":
        return cls(id=row.id, council_id=row.council_id,
                   registration_number=row.registration_number,
                   registration_date=row.registration_date,
                   registration_type=row.registration_type, valid_from=row.valid_from,
                   valid_until=row.valid_until, name=row.professional.name,
                   qualifications=row.qualifications, state=row.state,
                   state_reason=row.state_reason, suspended_from=row.suspended_from,
                   suspended_until=row.suspended_until, renewal_due=row.renewal_due)


@router.post("/registrations", status_code=status.HTTP_201_CREATED,
             summary="Add a professional and their registration to a council's register")
def create_registration(body: RegistrantIn, session: SessionDep, staff: StaffDep,
                        state: StateDep, now: NowDep) -> RegistrationOut:
    staff.require("register", body.registration.council_id)
    row = service.register(session, body, registry=state.registry, actor=staff.actor, now=now)
    return RegistrationOut.of(row)


@router.get("/registrations/{registration_id}")
def get_registration(registration_id: DbId, session: SessionDep, staff: StaffDep
                     ) -> RegistrationOut:
    return RegistrationOut.of(service.get_for_staff(session, staff, "read", registration_id))


OrderRef = Annotated[FreeText | None, Field(default=None, max_length=100)]
Note = Annotated[FreeText | None, Field(default=None, max_length=500)]


class ActionOut(BaseModel):
    action: str
    at: datetime
    actor: str
    reason: str | None
    order_reference: str | None
    note: str | None
    changes: dict[str, Any]
    certificates: dict[str, Any]
    registration: RegistrationOut

    @classmethod
    def of(cls, row: RegisterAction, registration: Registration) -> "ActionOut":
        return cls(action=row.action, at=row.at, actor=row.actor, reason=row.reason,
                   order_reference=row.order_reference, note=row.note, changes=row.changes,
                   certificates={k: v for k, v in row.certificates.items()
                                 if k != "suspended_ids"},
                   registration=RegistrationOut.of(registration))


class OrderIn(Input):
    model_config = ConfigDict(extra="forbid")
    order: OrderRef = None
    note: Note = None


class SuspendRegistrationIn(OrderIn):
    reason: Literal["disciplinary_inquiry", "court_order", "non_renewal", "other"]
    until: date | None = Field(default=None, description="the suspension's last day (India "
                               "time); none: until restored")


class RemoveIn(OrderIn):
    reason: Literal["disciplinary", "deceased", "voluntary", "not-renewed", "entered-in-error"]


class CorrectIn(OrderIn):
    field: Literal["name", "name_hi", "father_name", "date_of_birth", "qualification"]
    value: Annotated[FreeText, Field(min_length=1, max_length=300)]


class OpenProceedingIn(Input):
    model_config = ConfigDict(extra="forbid")
    opened_on: date
    reference: Annotated[FreeText, Field(min_length=1, max_length=100)]
    note: Note = None


class CloseProceedingIn(Input):
    model_config = ConfigDict(extra="forbid")
    closed_on: date
    outcome: Annotated[FreeText, Field(min_length=1, max_length=1000)]


class ProceedingOut(BaseModel):
    id: int
    registration_id: int
    opened_on: date
    reference: str
    closed_on: date | None
    outcome: str | None

    @classmethod
    def of(cls, row: Proceeding) -> "ProceedingOut":
        return cls(id=row.id, registration_id=row.registration_id, opened_on=row.opened_on,
                   reference=row.reference, closed_on=row.closed_on, outcome=row.outcome)


class RefusalOut(BaseModel):
    error: str
    detail: str
    detail_hi: str


def _order(body: OrderIn, reason: str | None = None) -> Order:
    return Order(reason, body.order, body.note)


@router.post("/registrations/{registration_id}/suspend",
             summary="Suspend a registration; its live certificates are suspended with it")
def suspend_registration(registration_id: DbId, body: SuspendRegistrationIn,
                         session: SessionDep, staff: StaffDep, now: NowDep) -> ActionOut:
    row = service.get_for_staff(session, staff, "register", registration_id)
    action = lifecycle.suspend(session, row, staff=staff, reason=body.reason, until=body.until,
                               now=now, order=_order(body))
    return ActionOut.of(action, row)


@router.post("/registrations/{registration_id}/remove",
             summary="Remove a registration from the register; its certificates are revoked")
def remove_registration(registration_id: DbId, body: RemoveIn, session: SessionDep,
                        staff: StaffDep, now: NowDep) -> ActionOut:
    row = service.get_for_staff(session, staff, "register", registration_id)
    action = lifecycle.remove(session, row, staff=staff, reason=body.reason, now=now,
                              order=_order(body))
    return ActionOut.of(action, row)


@router.post("/registrations/{registration_id}/restore",
             summary="Restore a registration; what its suspension suspended is reinstated")
def restore_registration(registration_id: DbId, body: OrderIn, session: SessionDep,
                         staff: StaffDep, now: NowDep) -> ActionOut:
    row = service.get_for_staff(session, staff, "register", registration_id)
    return ActionOut.of(lifecycle.restore(session, row, staff=staff, now=now,
                                          order=_order(body)), row)


@router.post("/registrations/{registration_id}/renew",
             summary="Record a renewal: the due date moves on by the profession's period")
def renew_registration(registration_id: DbId, body: OrderIn, session: SessionDep,
                       staff: StaffDep, state: StateDep, now: NowDep) -> ActionOut:
    row = service.get_for_staff(session, staff, "register", registration_id)
    return ActionOut.of(lifecycle.renew(session, row, staff=staff, registry=state.registry,
                                        now=now, order=_order(body)), row)


@router.post("/registrations/{registration_id}/make-permanent",
             summary="Make a provisional registration permanent; live certificates re-issued")
def make_permanent(registration_id: DbId, body: OrderIn, session: SessionDep, staff: StaffDep,
                   state: StateDep, now: NowDep) -> ActionOut:
    row = service.get_for_staff(session, staff, "register", registration_id)
    action = corrections.make_permanent(session, row, staff=staff,
                                        context=state.issue_context(session), now=now,
                                        order=_order(body))
    return ActionOut.of(action, row)


@router.post("/registrations/{registration_id}/correct",
             summary="Correct one particular; live certificates are re-issued")
def correct_registration(registration_id: DbId, body: CorrectIn, session: SessionDep,
                         staff: StaffDep, state: StateDep, now: NowDep) -> ActionOut:
    row = service.get_for_staff(session, staff, "register", registration_id)
    action = corrections.correct(session, row, staff=staff, context=state.issue_context(session),
                                 field=body.field, value=body.value, now=now,
                                 order=_order(body))
    return ActionOut.of(action, row)


@router.get("/registrations/{registration_id}/history",
            summary="The registration's register actions, oldest first")
def registration_history(registration_id: DbId, session: SessionDep, staff: StaffDep
                         ) -> list[ActionOut]:
    row = service.get_for_staff(session, staff, "read", registration_id)
    return [ActionOut.of(a, row) for a in lifecycle.actions(session, row)]


@router.get("/registrations/{registration_id}/eligibility",
            summary="Why the register refuses a certificate type now (empty: it may be issued)")
def registration_eligibility(registration_id: DbId, session: SessionDep, staff: StaffDep,
                             state: StateDep, now: NowDep,
                             certificate_type: Annotated[str, Query(max_length=32)]
                             ) -> list[RefusalOut]:
    row = service.get_for_staff(session, staff, "read", registration_id)
    state.registry.certificate_type(certificate_type)  # NotFound if unknown
    return [RefusalOut(error=r.code, detail=r.detail, detail_hi=r.detail_hi)
            for r in eligibility.refusals(session, row, certificate_type, now)]


@router.post("/registrations/{registration_id}/proceedings",
             status_code=status.HTTP_201_CREATED, summary="Open disciplinary proceedings")
def open_proceeding(registration_id: DbId, body: OpenProceedingIn, session: SessionDep,
                    staff: StaffDep, now: NowDep) -> ProceedingOut:
    row = service.get_for_staff(session, staff, "register", registration_id)
    return ProceedingOut.of(proceedings.open_proceeding(
        session, row, staff=staff, opened_on=body.opened_on, reference=body.reference, now=now,
        note=body.note))


@router.get("/registrations/{registration_id}/proceedings")
def list_proceedings(registration_id: DbId, session: SessionDep, staff: StaffDep
                     ) -> list[ProceedingOut]:
    row = service.get_for_staff(session, staff, "read", registration_id)
    return [ProceedingOut.of(p) for p in proceedings.for_registration(session, row)]


@router.post("/proceedings/{proceeding_id}/close", summary="Close disciplinary proceedings")
def close_proceeding(proceeding_id: DbId, body: CloseProceedingIn, session: SessionDep,
                     staff: StaffDep, now: NowDep) -> ProceedingOut:
    row = proceedings.get_for_staff(session, staff, "register", proceeding_id)
    return ProceedingOut.of(proceedings.close_proceeding(
        session, row, staff=staff, closed_on=body.closed_on, outcome=body.outcome, now=now))


@router.get("/councils/{council_id}/due-for-renewal",
            summary="The council's registrations due for renewal soon, or overdue")
def due_for_renewal(council_id: Annotated[str, Path(max_length=32)], session: SessionDep,
                    staff: StaffDep, now: NowDep,
                    within_days: Annotated[int, Query(ge=0, le=3660)] = 90
                    ) -> list[RegistrationOut]:
    staff.require("read", council_id)
    return [RegistrationOut.of(r) for r in reminders.due_for_renewal(
        session, council_id, now=now, within_days=within_days)]
