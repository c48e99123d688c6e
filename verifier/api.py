"""The public verifier service: ``create_app(settings)`` builds everything; nothing at import.

Routes only read the request, hand typed values to ``inputs``/``verify``/``vcalm`` and shape the
answer. Verification runs on the event loop while the issuer's keys are cached (it is CPU work, a
fraction of a millisecond) and moves to the thread pool when a JWKS fetch would block; file
decoding (pdftoppm, zxing) always runs there. ``POST /verify`` answers 200 for every credential it
could examine, verified or not; 4xx is kept for input that holds no credential at all.
"""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from schemas.errors import InvalidRequest, PramaanError
from schemas.http import (
    ASGIApp,
    BodyLimit,
    Receive,
    RefuseControlCharacters,
    Scope,
    Send,
    read_body,
)
from verifier import inputs, openapi, pwa, vcalm, web
from verifier.http import (
    JSON_HINT,
    MAX_JSON_BYTES,
    RequestRoute,
    VerifierState,
    error_response,
    get_state,
    install_error_handlers,
    json_response,
    parse_json_body,
    wall_clock,
)
from verifier.lookup import Lookup
from verifier.ratelimit import RateLimiter
from verifier.settings import VerifierSettings
from verifier.trust import FetchNeeded, cache_only
from verifier.verify import VerificationResult, Verifier

MULTIPART_OVERHEAD = 64 * 1024

verify_router = APIRouter(route_class=RequestRoute)
router = APIRouter()


@verify_router.post("/verify", summary="Verify a certificate: token, QR text, PDF or QR photo",
                    openapi_extra=openapi.VERIFY_BODY)
async def verify(request: Request) -> Response:
    """A form or a file; a JSON body never gets here, as ``JsonVerifyFastPath`` answers it."""
    state = get_state(request)
    return await answer_verify(state, client_of(request),
                               lambda: _upload(request, state.settings.max_upload_bytes),
                               gzip_ok=accepts_gzip(request.headers.get("accept-encoding")))


@verify_router.post("/credentials/verify",
                    summary="W3C VCALM: verify an EnvelopedVerifiableCredential",
                    openapi_extra=openapi.VCALM_VERIFY_BODY)
async def verify_vcalm(request: Request) -> Response:
    state = get_state(request)
    state.limiter.take(client_of(request))
    token, options = vcalm.parse_request(parse_json_body(await request.body()))
    result = await run_verification(state.verifier, token, now=state.clock())
    body, status = vcalm.response(result, options)
    return json_response(body, status_code=status)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_app(settings: VerifierSettings, *, verifier: Verifier | None = None,
               clock: Callable[[], datetime] = wall_clock) -> FastAPI:
    """The verifier app; pass ``verifier`` to share a configured one (its owner closes it)."""
    owned = verifier is None
    checker = verifier or Verifier.from_settings(settings)
    state = VerifierState(settings, checker, clock,
                          RateLimiter(per_minute=settings.rate_limit_per_minute,
                                      burst=settings.rate_limit_burst),
                          Lookup(checker.trust, checker.registry,
                                 timeout=settings.http_timeout_seconds,
                                 offline=settings.offline))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if state.lookup is not None:
            state.lookup.close()
        if owned:
            state.verifier.close()

    app = FastAPI(title="Pramaan verifier", version="0.1.0", lifespan=lifespan,
                  description="Checks health-professional certificates issued as W3C "
                              "verifiable credentials (vc+jwt).")
    app.state.pramaan = state
    app.state.pramaan_offline = pwa.OfflineData(
        settings, pwa.issuers_of(settings, state.verifier.trust), registry=state.verifier.registry)
    app.include_router(verify_router)
    app.include_router(router)
    app.include_router(web.router)
    app.include_router(pwa.router)
    install_error_handlers(app)
    app.add_middleware(RefuseControlCharacters)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + MULTIPART_OVERHEAD)
    app.add_middleware(JsonVerifyFastPath, state=state)  # outermost of ours: before BodyLimit
    return app


Submitted = tuple[str, bytes | None]
"""The token, and the PDF it came in when one was uploaded (its own signature is checked too)."""


async def answer_verify(state: VerifierState, client: str,
                        read: Callable[[], Awaitable[Submitted]], *,
                        gzip_ok: bool = False) -> Response:
    """``POST /verify``, however the credential came (the fast path's JSON, the route's form or
    file): the client's rate limit before its body is read, then the verification's answer,
    gzipped for a client that takes it (the page on a slow phone; scripts rarely ask)."""
    state.limiter.take(client)
    token, pdf = await read()
    if pdf is not None:  # parsing the PDF's signature is file work: the thread pool
        result = await run_in_threadpool(state.verifier.verify, token, now=state.clock(),
                                         pdf=pdf)
    else:
        result = await run_verification(state.verifier, token, now=state.clock())
    response = json_response(result.to_dict())
    return gzipped(response) if gzip_ok else response


GZIP_MIN_BYTES = 1024


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether ``Accept-Encoding`` takes gzip (not refused with ``q=0``)."""
    for part in (accept_encoding or "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def gzipped(response: Response) -> Response:
    """``response`` gzipped (level 6: a verdict of 4-5 kB in well under a millisecond)."""
    if len(response.body) < GZIP_MIN_BYTES:
        return response
    return Response(gzip.compress(response.body, compresslevel=6, mtime=0),
                    status_code=response.status_code, media_type=response.media_type,
                    headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})


async def run_verification(verifier: Verifier, token: str, *, now: datetime
                           ) -> VerificationResult:
    """Verify in place from cached keys; only when a JWKS must be fetched, in the thread pool."""
    try:
        with cache_only():
            return verifier.verify(token, now=now)
    except FetchNeeded:
        return await run_in_threadpool(verifier.verify, token, now=now)


async def _upload(request: Request, max_bytes: int) -> Submitted:
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        async with request.form(max_files=1, max_fields=4) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                return inputs.token_from_json({k: v for k, v in form.items()
                                               if k in ("token", "qr")}), None
            data = await upload.read(max_bytes + 1)
    else:  # a raw PDF, image or text body
        data = await request.body()
    token = await run_in_threadpool(inputs.token_from_upload, data, max_bytes=max_bytes)
    return token, data if inputs.is_pdf(data) else None


async def _json_token(state: VerifierState, receive: Receive) -> Submitted:
    """``{"token"}`` or ``{"qr"}`` as sent; ``{"number"}`` fetched from its council's trusted
    issuer (``verifier.lookup``) in the thread pool, as that is blocking I/O."""
    raw = await read_body(receive, limit=MAX_JSON_BYTES, what="JSON bodies", hint=JSON_HINT)
    body = parse_json_body(raw)
    number = inputs.number_from_json(body)
    if number is None:
        return inputs.token_from_json(body), None
    if state.lookup is None:
        raise InvalidRequest("this verifier does not look certificates up by number",
                             field="number", hint="send the token or the QR text")
    lookup = state.lookup
    return await run_in_threadpool(lambda: lookup.token(number, now=state.clock())), None


class JsonVerifyFastPath:
    """``POST /verify`` with a JSON body, answered before FastAPI's exception, routing and
    endpoint layers (a fifth of the request's CPU, measured with py-spy under wrk load).

    It is the hospital's hot path (a scanned QR or a pasted token). It answers through
    ``answer_verify`` as the ``verify`` route does, with the same rate limit, the same bounded
    body and the same error bodies. Every other request (uploads, other routes, the OpenAPI docs)
    goes on to the app.
    """

    def __init__(self, app: ASGIApp, *, state: VerifierState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.handles(scope):
            await self.app(scope, receive, send)
            return
        client: Any = scope.get("client")
        encodings = next((v for k, v in scope["headers"] if k == b"accept-encoding"), b"")
        try:
            response = await answer_verify(self.state, client[0] if client else "unknown",
                                           lambda: _json_token(self.state, receive),
                                           gzip_ok=accepts_gzip(encodings.decode("latin-1")))
        except PramaanError as err:
            response = error_response(err)
        await response(scope, receive, send)

    @staticmethod
    def handles(scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/verify":
            return False
        content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
        return not content_type or b"json" in content_type.lower()


def app_from_env() -> FastAPI:
    """The app with settings from the environment
    (``uvicorn --factory verifier.api:app_from_env``)."""
    return create_app(VerifierSettings())
