"""Staff API for the register."""

from datetime import date
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel

from issuer.deps import NowDep, SessionDep, StaffDep, StateDep
from issuer.inputs import DbId
from issuer.registry import service
from issuer.registry.inputs import RegistrantIn
from issuer.registry.models import Registration

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

    @classmethod
    def of(cls, row: Registration) -> "RegistrationOut":
        return cls(id=row.id, council_id=row.council_id,
                   registration_number=row.registration_number,
                   registration_date=row.registration_date,
                   registration_type=row.registration_type, valid_from=row.valid_from,
                   valid_until=row.valid_until, name=row.professional.name,
                   qualifications=row.qualifications)


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
