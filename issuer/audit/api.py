"""Read the audit trail (staff with the audit permission): the events about their councils'
records; staff of every council (``*``) read every event, service-wide ones too."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from issuer.audit import service
from issuer.deps import SessionDep, StaffDep

router = APIRouter(tags=["audit"])


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    council_id: str | None
    details: dict[str, Any]


@router.get("/audit", response_model=list[AuditEventOut])
def list_events(session: SessionDep, staff: StaffDep, subject: str | None = None,
                action: str | None = None, limit: int = Query(100, ge=1, le=1000)
                ) -> list[AuditEventOut]:
    staff.require("audit")
    councils = None if staff.all_councils else staff.councils
    return [AuditEventOut.model_validate(e, from_attributes=True)
            for e in service.list_events(session, councils=councils, subject=subject,
                                         action=action, limit=limit)]
