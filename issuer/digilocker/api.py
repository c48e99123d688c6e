"""DigiLocker's calls into the issuer: ``POST /digilocker/pull-uri`` and (legacy)
``POST /digilocker/pull-doc``; ``POST /digilocker`` takes either and branches on the root element.

Business outcomes are ``200`` with ``Status`` 1, 0 or 9. A request refused before any search
(authentication, malformed or hostile XML, oversize) gets a 4xx with a ``Status=0`` XML body and
its machine code in ``X-Pramaan-Error``; which authentication part failed is never said.
"""

from __future__ import annotations

import logging
from datetime import datetime

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from issuer.credentials.service import credential_of
from issuer.delivery.service import certificate_pdf
from issuer.deps import StateDep
from issuer.digilocker import responses, service
from issuer.digilocker.auth import authenticate
from issuer.digilocker.xmlin import (
    PULL_DOC,
    PULL_URI,
    RESPONSE_OF,
    parse_request,
    response_root_for,
)
from issuer.registry.models import Registration
from issuer.state import IssuerState
from schemas.errors import InvalidRequest, MalformedDigiLockerRequest, NotFound
from schemas.http import read_body

log = logging.getLogger("pramaan.digilocker")
router = APIRouter(prefix="/digilocker", tags=["digilocker"])
XML = "application/xml"


@router.post("", summary="DigiLocker Pull URI or Pull Doc (by root element)")
async def pull_any(request: Request, state: StateDep) -> Response:
    return await _handle(request, state, expected=None)


@router.post("/pull-uri", summary="DigiLocker Pull URI request (Issuer API v1.13)")
async def pull_uri(request: Request, state: StateDep) -> Response:
    return await _handle(request, state, expected=PULL_URI)


@router.post("/pull-doc", summary="DigiLocker Pull Doc request (legacy, before v1.13)")
async def pull_doc(request: Request, state: StateDep) -> Response:
    return await _handle(request, state, expected=PULL_DOC)


async def _handle(request: Request, state: StateDep, *, expected: str | None) -> Response:
    settings = state.settings
    if settings.digilocker_api_key is None:
        raise NotFound("the DigiLocker issuer API is not enabled here",
                       hint="set PRAMAAN_DIGILOCKER_API_KEY")
    root = RESPONSE_OF.get(expected or "", RESPONSE_OF[PULL_URI])
    try:
        body = await read_body(request.receive, limit=settings.digilocker_max_request_bytes,
                               what="DigiLocker requests")
        root = RESPONSE_OF.get(expected or "", response_root_for(body))
        answer = await run_in_threadpool(_answer, state, body,
                                         request.headers.get("x-digilocker-hmac"), expected,
                                         state.clock())
        return Response(answer, media_type=XML)
    except InvalidRequest as err:
        log.info("DigiLocker request refused: %s (%s)", err.code, err.detail)
        return Response(responses.pull_response(root, status=0, ts="", txn=""),
                        status_code=err.http_status, media_type=XML,
                        headers={"X-Pramaan-Error": err.code})


def _answer(state: IssuerState, body: bytes, hmac_header: str | None, expected: str | None,
            now: datetime) -> bytes:
    settings = state.settings
    assert settings.digilocker_api_key is not None
    pull = parse_request(body, max_bytes=settings.digilocker_max_request_bytes)
    authenticate(pull, body, hmac_header, api_key=settings.digilocker_api_key.get_secret_value(),
                 issuer_id=settings.digilocker_issuer_id)
    if expected is not None and pull.kind != expected:
        raise MalformedDigiLockerRequest(f"this endpoint takes {expected}, not {pull.kind}")
    config = service.DigiLockerConfig.of(settings.digilocker_issuer_id,
                                         settings.digilocker_doc_types)
    with state.sessions.begin() as session:  # commits a DigiLocker id learned by a match
        find = service.pull_uri if pull.kind == PULL_URI else service.pull_doc
        outcome = find(session, pull, config=config, now=now)
        log.info("DigiLocker %s txn=%s: Status %s (%s)", pull.kind, pull.txn[:40],
                 outcome.status, outcome.reason)
        document = None
        if outcome.credential is not None and outcome.doc_type is not None:
            document = _document(state, session, outcome, config, pull.format or "both",
                                 legacy=pull.kind == PULL_DOC)
    return responses.pull_response(RESPONSE_OF[pull.kind], status=outcome.status, ts=pull.ts,
                                   txn=pull.txn, document=document)


def _document(state: IssuerState, session: Session, outcome: service.PullOutcome,
              config: service.DigiLockerConfig, fmt: str, *, legacy: bool
              ) -> responses.Document:
    row, doc_type = outcome.credential, outcome.doc_type
    assert row is not None and doc_type is not None
    person = session.get_one(Registration, row.registration_id).professional
    credential = credential_of(row)
    pdf = certificate_pdf(row, renderer=state.renderer, registry=state.registry,
                          page_url=state.settings.verify_page_url) \
        if fmt in ("pdf", "both") else None
    data = responses.certificate_xml(
        credential, token=row.token, doc_type=doc_type.doc_type.upper(), state=row.state,
        title=state.registry.certificate_type(row.certificate_type).title,
        council=state.registry.council(row.council_id), issuer_id=config.issuer_id,
        person=person, certificate_number=row.certificate_number) \
        if fmt in ("xml", "both") or not legacy else None
    return responses.Document(uri=config.uri(doc_type.doc_type, row.certificate_number),
                              pdf=pdf, data_xml=data, person=person)
