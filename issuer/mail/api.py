"""Public download links and fresh-link requests."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import EmailStr, Field

from issuer.delivery.service import certificate_pdf
from issuer.deps import NowDep, SessionDep, StateDep
from issuer.inputs import Input
from issuer.mail import service

router = APIRouter(tags=["public"])


class LinkRequestIn(Input):
    certificate_number: str = Field(min_length=5, max_length=32)
    email: EmailStr


@router.get("/d/{token}", summary="Download a certificate PDF through a signed e-mailed link",
            responses={200: {"content": {"application/pdf": {}}}})
def download(token: str, session: SessionDep, state: StateDep, now: NowDep) -> Response:
    row = service.certificate_for_link(session, token, secrets=_secrets(state), now=now)
    pdf = certificate_pdf(row, renderer=state.renderer, registry=state.registry,
                          page_url=state.settings.verify_page_url)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{row.certificate_number}.pdf"',
        "Cache-Control": "private, no-store"})


@router.post("/d/request", status_code=202,
             summary="Ask for a fresh download link, mailed to the registered address")
def request_link(body: LinkRequestIn, session: SessionDep, now: NowDep) -> dict[str, str]:
    service.request_fresh_link(session, certificate_number=body.certificate_number,
                               email=body.email, now=now)
    return {"status": "accepted",
            "detail": "if the certificate number and the address match the register, a fresh "
                      "link is on its way to that address"}


def _secrets(state: StateDep) -> list[str]:
    return [s.get_secret_value() for s in state.settings.link_secrets]
