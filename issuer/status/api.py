"""Status endpoints: staff revoke, suspend, reinstate and re-issue; anyone reads the lists.

The lists and the per-certificate status are public and cacheable: ``Cache-Control`` carries the
list's ``ttl``, the longest a verifier may keep a copy, so it is also the longest a revocation
takes to reach every verifier.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from issuer.credentials import service as credentials
from issuer.credentials.api import CertificateOut
from issuer.credentials.models import IssuedCredential
from issuer.deps import NowDep, SessionDep, StaffDep, StateDep
from issuer.inputs import DbId, FreeText, Input
from issuer.state import IssuerState
from issuer.status import publish, reissue
from issuer.status import service as status
from schemas import status_list as sl
from schemas.errors import NotFound

router = APIRouter(tags=["status"])
RevocationReason = Literal[tuple(status.REVOCATION_REASONS)]  # type: ignore[valid-type]
SuspensionReason = Literal[tuple(status.SUSPENSION_REASONS)]  # type: ignore[valid-type]
Note = Annotated[FreeText | None, Field(default=None, max_length=500)]


class RevokeIn(Input):
    model_config = ConfigDict(extra="forbid")
    reason: RevocationReason  # type: ignore[valid-type]
    note: Note = None


class SuspendIn(Input):
    model_config = ConfigDict(extra="forbid")
    reason: SuspensionReason = "other"  # type: ignore[valid-type]
    until: datetime | None = Field(default=None, description="when the suspension lifts itself "
                                   "(ISO 8601 with offset); none: until reinstated")
    note: Note = None


class NoteIn(Input):
    model_config = ConfigDict(extra="forbid")
    note: Note = None


@router.post("/credentials/{certificate_number}/revoke", summary="Revoke (permanent)")
def revoke(certificate_number: str, body: RevokeIn, session: SessionDep, staff: StaffDep,
           now: NowDep) -> dict[str, Any]:
    row = status.get_for_staff(session, staff, certificate_number)
    status.revoke(session, row, reason=body.reason, actor=staff.actor, now=now, note=body.note)
    return _status_body(session, row, now)


@router.post("/credentials/{certificate_number}/suspend", summary="Suspend (reversible)")
def suspend(certificate_number: str, body: SuspendIn, session: SessionDep, staff: StaffDep,
            now: NowDep) -> dict[str, Any]:
    row = status.get_for_staff(session, staff, certificate_number)
    status.suspend(session, row, reason=body.reason, actor=staff.actor, now=now,
                   until=body.until, note=body.note)
    return _status_body(session, row, now)


@router.post("/credentials/{certificate_number}/reinstate", summary="End a suspension")
def reinstate(certificate_number: str, body: NoteIn, session: SessionDep, staff: StaffDep,
              now: NowDep) -> dict[str, Any]:
    row = status.get_for_staff(session, staff, certificate_number)
    status.reinstate(session, row, actor=staff.actor, now=now, note=body.note)
    return _status_body(session, row, now)


@router.post("/credentials/{certificate_number}/reissue", status_code=201,
             summary="Correct: issue a replacement from the register, then revoke this one as "
                     "superseded (one transaction)")
def reissue_certificate(certificate_number: str, body: NoteIn, session: SessionDep,
                        staff: StaffDep, state: StateDep, now: NowDep) -> CertificateOut:
    row = status.get_for_staff(session, staff, certificate_number)
    new = reissue.reissue(session, row, staff=staff, context=state.issue_context(session),
                          now=now, note=body.note)
    return CertificateOut.of(new)


@router.get("/c/{certificate_number}/status", tags=["public"],
            summary="A certificate's current status, with the reason and since when")
def public_status(certificate_number: str, session: SessionDep, state: StateDep,
                  now: NowDep) -> Response:
    row = credentials.get(session, certificate_number)
    body = _status_body(session, row, now)
    return Response(_dump(body), media_type="application/json", headers=_cache(state))


@router.get("/status", tags=["public"], summary="Every published status list")
def list_index(session: SessionDep, state: StateDep) -> dict[str, list[str]]:
    return {"statusLists": publish.list_urls(session, public_base=state.settings.public_base_url)}


@router.get("/status/{number}/token", tags=["public"],
            summary="A status list as an IETF Token Status List (statuslist+jwt)",
            responses={200: {"content": {publish.IETF_MEDIA_TYPE: {}}}})
def ietf_list(number: DbId, session: SessionDep, state: StateDep, now: NowDep) -> Response:
    token = state.publisher.token(session, number, publish.IETF,
                                  keyring=state.keyring.current(session, now=now), now=now)
    return Response(token, media_type=publish.IETF_MEDIA_TYPE, headers=_cache(state))


@router.get("/status/{purpose}/{number}", tags=["public"],
            summary="A W3C BitstringStatusListCredential (vc+jwt)",
            responses={200: {"content": {publish.W3C_MEDIA_TYPE: {}}}})
def w3c_list(purpose: str, number: DbId, session: SessionDep, state: StateDep,
             now: NowDep) -> Response:
    if purpose not in sl.PURPOSES:
        raise NotFound(f"there are no {purpose!r} lists; purposes: {', '.join(sl.PURPOSES)}")
    token = state.publisher.token(session, number, purpose,
                                  keyring=state.keyring.current(session, now=now), now=now)
    return Response(token, media_type=publish.W3C_MEDIA_TYPE, headers=_cache(state))


def _status_body(session: Session, row: IssuedCredential, now: datetime) -> dict[str, Any]:
    replacement = status.replacement_of(session, row)
    return {"id": row.credential_id, "certificateNumber": row.certificate_number,
            **status.effective_state(row, now).to_dict(),
            "replacedBy": replacement.credential_id if replacement else None}


def _cache(state: IssuerState) -> dict[str, str]:
    return {"Cache-Control": f"public, max-age={state.settings.status_list_ttl_seconds}"}


def _dump(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)
