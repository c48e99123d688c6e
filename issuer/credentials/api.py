"""Staff API: issue certificates and fetch them as vc+jwt, JSON or PDF."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from issuer.credentials import service, vcalm
from issuer.credentials.models import IssuedCredential
from issuer.delivery.service import certificate_pdf
from issuer.deps import NowDep, SessionDep, StaffDep, StateDep
from issuer.inputs import Clean, DbId, Input

router = APIRouter(tags=["credentials"])
IdempotencyKey = Annotated[str | None, Header(max_length=200), Clean]
Format = Literal["json", "jwt", "pdf"]


class CertificateRequest(Input):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(description="registration, good-standing or noc")
    addressee: str | None = Field(default=None, max_length=200)
    purpose: str | None = Field(default=None, max_length=200)
    destination: str | None = Field(default=None, max_length=200)

    def extra(self) -> dict[str, str]:
        fields = {"addressee": self.addressee, "purpose": self.purpose,
                  "destination": self.destination}
        return {k: v for k, v in fields.items() if v is not None}


class CertificateOut(BaseModel):
    certificate_number: str
    credential_id: str
    certificate_type: str
    council_id: str
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime
    kid: str
    token: str
    credential: dict[str, Any]
    links: dict[str, str]

    @classmethod
    def of(cls, row: IssuedCredential) -> CertificateOut:
        base = f"/credentials/{row.certificate_number}"
        return cls(certificate_number=row.certificate_number, credential_id=row.credential_id,
                   certificate_type=row.certificate_type, council_id=row.council_id,
                   issued_at=row.issued_at, valid_from=row.valid_from,
                   valid_until=row.valid_until, kid=row.kid, token=row.token,
                   credential=service.credential_of(row),
                   links={"json": f"{base}?format=json", "jwt": f"{base}?format=jwt",
                          "pdf": f"{base}?format=pdf", "public": row.credential_id})


@router.post("/registrations/{registration_id}/certificates",
             status_code=status.HTTP_201_CREATED, summary="Issue a certificate for a registration")
def issue_certificate(registration_id: DbId, body: CertificateRequest, session: SessionDep,
                      staff: StaffDep, state: StateDep, now: NowDep,
                      idempotency_key: IdempotencyKey = None) -> CertificateOut:
    request = service.IssueRequest(registration_id=registration_id, certificate_type=body.type,
                                   extra=body.extra(), idempotency_key=idempotency_key)
    row = service.issue_in(state.issue_context(session), session, request, staff=staff, now=now)
    return CertificateOut.of(row)


@router.post("/credentials/issue", status_code=status.HTTP_201_CREATED,
             summary="W3C VCALM issue: returns an EnvelopedVerifiableCredential")
def vcalm_issue(session: SessionDep, staff: StaffDep, state: StateDep, now: NowDep,
                credential: Annotated[dict[str, Any], Body(embed=True), Clean],
                options: Annotated[dict[str, Any] | None, Body(embed=True), Clean] = None,
                idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    request = vcalm.issue_request_from_credential(
        session, credential, staff=staff, registry=state.registry,
        public_base=state.settings.public_base_url, idempotency_key=idempotency_key)
    row = service.issue_in(state.issue_context(session), session, request, staff=staff, now=now)
    return {"verifiableCredential": vcalm.envelope(row.token)}


@router.get("/credentials/{certificate_number}",
            summary="A certificate as JSON, application/vc+jwt or application/pdf",
            responses={200: {"content": {"application/vc+jwt": {}, "application/pdf": {}}}})
def get_certificate(certificate_number: str, request: Request, session: SessionDep,
                    staff: StaffDep, state: StateDep, format: Format | None = None) -> Response:
    row = service.find_for_staff(session, staff, "read", certificate_number)
    return certificate_response(row, state, format or negotiate(request))


def negotiate(request: Request, default: Format = "json") -> Format:
    accept = request.headers.get("accept", "")
    if "application/vc+jwt" in accept:
        return "jwt"
    if "application/pdf" in accept:
        return "pdf"
    return default


def certificate_response(row: IssuedCredential, state: Any, fmt: Format) -> Response:
    if fmt == "jwt":
        return Response(row.token, media_type="application/vc+jwt")
    if fmt == "pdf":
        pdf = certificate_pdf(row, renderer=state.renderer, registry=state.registry,
                              page_url=state.settings.verify_page_url)
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{row.certificate_number}.pdf"'})
    body = CertificateOut.of(row).model_dump_json()
    return Response(body, media_type="application/json")
