"""Public, unauthenticated endpoints: what a printed certificate or a verifier dereferences.

``/c/{number}`` is the credential's ``id`` and the short URL printed on the PDF. A browser is sent
to the public verifier's page with the credential in the URL fragment (never logged by servers);
a client asking for ``application/vc+jwt`` or ``application/pdf`` gets the certificate itself.
Certificate numbers carry 40 random bits, so they cannot be enumerated.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from issuer.credentials import service
from issuer.credentials.api import certificate_response, negotiate
from issuer.delivery.service import qr_text
from issuer.deps import SessionDep, StateDep
from schemas import credential as vc
from schemas.errors import NotFound

router = APIRouter(tags=["public"])


@router.get("/c/{certificate_number}", summary="Open or fetch a certificate by its number")
def open_certificate(certificate_number: str, request: Request, session: SessionDep,
                     state: StateDep, format: str | None = None) -> Response:
    row = service.get(session, certificate_number)
    fmt = format or negotiate(request, default="json")
    if fmt in ("jwt", "pdf"):
        return certificate_response(row, state, fmt)  # type: ignore[arg-type]
    if "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(qr_text(row, page_url=state.settings.verify_page_url),
                                status_code=303)
    return Response(row.token, media_type="application/vc+jwt")


@router.get("/contexts/v1", summary="The JSON-LD context of Pramaan's credential terms")
def context(state: StateDep) -> Response:
    base = state.settings.public_base_url.rstrip("/")
    terms = ["RegistrationCertificate", "GoodStandingCertificate", "NoObjectionCertificate",
             vc.SUBJECT_TYPE, "name", "nameHi", "fatherName", "profession", "council",
             "councilHi", "registrationNumber", "registrationDate", "registrationType",
             "qualifications", "degree", "university", "year", "addressee", "purpose",
             "destination"]
    body: dict[str, Any] = {"@context": {"@version": 1.1, "@protected": True,
                                         **{t: f"{base}/contexts/v1#{t}" for t in terms}}}
    return Response(_json(body), media_type="application/ld+json",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/schemas/{file_name}", summary="JSON Schema of a certificate type")
def schema(file_name: str) -> Response:
    try:
        body = vc.document_schema(file_name)
    except KeyError:
        raise NotFound(f"no schema {file_name}") from None
    return Response(_json(body), media_type="application/schema+json")


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _json(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, indent=1)
