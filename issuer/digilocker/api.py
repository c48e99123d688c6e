"""DigiLocker's calls into the issuer: ``POST /digilocker/pull-uri`` and (legacy)
``POST /digilocker/pull-doc``; ``POST /digilocker`` takes either and branches on the root element.

Business outcomes are ``200`` with ``Status`` 1, 0 or 9. A request refused before any search
(authentication, malformed or hostile XML, oversize) gets a 4xx with a ``Status=0`` XML body and
its machine code in ``X-Pramaan-Error``; which authentication part failed is never said.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from issuer.deps import StateDep
from issuer.digilocker import pull, responses, service
from issuer.digilocker.xmlin import PULL_DOC, PULL_URI, RESPONSE_OF, response_root_for
from issuer.state import IssuerState
from schemas.errors import InvalidRequest, NotFound
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
        answer = await run_in_threadpool(pull.answer, state.sessions, body,
                                         request.headers.get("x-digilocker-hmac"),
                                         expected=expected, context=_context(state),
                                         now=state.clock())
        return Response(answer, media_type=XML)
    except InvalidRequest as err:
        log.info("DigiLocker request refused: %s (%s)", err.code, err.detail)
        return Response(responses.pull_response(root, status=0, ts="", txn=""),
                        status_code=err.http_status, media_type=XML,
                        headers={"X-Pramaan-Error": err.code})


def _context(state: IssuerState) -> pull.PullContext:
    settings = state.settings
    assert settings.digilocker_api_key is not None
    return pull.PullContext(
        api_key=settings.digilocker_api_key.get_secret_value(),
        config=service.DigiLockerConfig.of(settings.digilocker_issuer_id,
                                           settings.digilocker_doc_types),
        max_request_bytes=settings.digilocker_max_request_bytes, registry=state.registry,
        renderer=lambda: state.renderer, page_url=settings.verify_page_url)

