"""The public verifier service: ``create_app(settings)`` builds everything; nothing at import.

Routes only read the request, hand typed values to ``inputs``/``verify``/``vcalm`` and shape the
answer. Verification runs on the event loop while the issuer's keys are cached (it is CPU work, a
fraction of a millisecond) and moves to the thread pool when a JWKS fetch would block; file
decoding (pdftoppm, zxing) always runs there. ``POST /verify`` answers 200 for every credential it
could examine, verified or not; 4xx is kept for input that holds no credential at all.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from schemas.errors import (
    ConfigurationError,
    InputTooLarge,
    InvalidRequest,
    PramaanError,
    RateLimited,
)
from schemas.http import ASGIApp, BodyLimit, Receive, Scope, Send, read_body, too_large
from verifier import inputs, vcalm, web
from verifier.ratelimit import RateLimiter
from verifier.settings import VerifierSettings
from verifier.trust import FetchNeeded, cache_only
from verifier.verify import VerificationResult, Verifier

log = logging.getLogger("pramaan.verifier")
MAX_JSON_BYTES = 64 * 1024
JSON_HINT = "upload files as multipart field 'file'"
MULTIPART_OVERHEAD = 64 * 1024


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class VerifierState:
    settings: VerifierSettings
    verifier: Verifier
    clock: Callable[[], datetime] = wall_clock
    """Read once per request; tests pass a fixed one."""
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(per_minute=0, burst=0))


def get_state(request: Request) -> VerifierState:
    state: VerifierState = request.app.state.pramaan
    return state


class RequestRoute(APIRoute):
    """A documented route whose endpoint takes the bare ``Request`` and returns a ``Response``.

    FastAPI's per-request handler (solving parameters and dependencies, even a lone ``Request``,
    then handling the return value) costs about 60 µs, a tenth of a verification over HTTP. The
    verify routes parse their own input anyway, so they skip it through FastAPI's ``route_class``
    hook and stay in the OpenAPI document.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if (len(inspect.signature(endpoint).parameters) != 1
                or self.dependant.request_param_name is None or self.dependant.dependencies):
            raise TypeError(f"{endpoint.__name__} must take the Request alone, without "
                            "dependencies: RequestRoute calls it with nothing else")

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return handler


verify_router = APIRouter(route_class=RequestRoute)
router = APIRouter()


@verify_router.post("/verify", summary="Verify a certificate: token, QR text, PDF or QR photo")
async def verify(request: Request) -> Response:
    state = get_state(request)
    state.limiter.take(client_of(request))
    token = await _request_token(request, state.settings.max_upload_bytes)
    result = await run_verification(state.verifier, token, now=state.clock())
    return json_response(result.to_dict())


@verify_router.post("/credentials/verify",
                    summary="W3C VCALM: verify an EnvelopedVerifiableCredential")
async def verify_vcalm(request: Request) -> Response:
    state = get_state(request)
    state.limiter.take(client_of(request))
    token, options = vcalm.parse_request(await _json_body(request))
    result = await run_verification(state.verifier, token, now=state.clock())
    body, status = vcalm.response(result, options)
    return json_response(body, status_code=status)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def json_response(body: Any, status_code: int = 200) -> Response:
    """orjson writes the verdict (about 5 kB with the credential) ~5x faster than the stdlib
    encoder Starlette's JSONResponse uses: a tenth of a verification's cost over HTTP."""
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_app(settings: VerifierSettings, *, verifier: Verifier | None = None,
               clock: Callable[[], datetime] = wall_clock) -> FastAPI:
    """The verifier app; pass ``verifier`` to share a configured one (its owner closes it)."""
    owned = verifier is None
    state = VerifierState(settings, verifier or Verifier.from_settings(settings), clock,
                          RateLimiter(per_minute=settings.rate_limit_per_minute,
                                      burst=settings.rate_limit_burst))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            state.verifier.close()

    app = FastAPI(title="Pramaan verifier", version="0.1.0", lifespan=lifespan,
                  description="Checks health-professional certificates issued as W3C "
                              "verifiable credentials (vc+jwt).")
    app.state.pramaan = state
    app.include_router(verify_router)
    app.include_router(router)
    app.include_router(web.router)
    _install_error_handlers(app)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + MULTIPART_OVERHEAD)
    app.add_middleware(JsonVerifyFastPath, state=state)  # outermost of ours: before BodyLimit
    return app


async def run_verification(verifier: Verifier, token: str, *, now: datetime
                           ) -> VerificationResult:
    """Verify in place from cached keys; only when a JWKS must be fetched, in the thread pool."""
    try:
        with cache_only():
            return verifier.verify(token, now=now)
    except FetchNeeded:
        return await run_in_threadpool(verifier.verify, token, now=now)


async def _request_token(request: Request, max_bytes: int) -> str:
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        async with request.form(max_files=1, max_fields=4) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                return inputs.token_from_json({k: v for k, v in form.items()
                                               if k in ("token", "qr")})
            data = await upload.read(max_bytes + 1)
    elif not content_type or "json" in content_type:
        return inputs.token_from_json(await _json_body(request))
    else:  # a raw PDF, image or text body
        data = await request.body()
    return await run_in_threadpool(inputs.token_from_upload, data, max_bytes=max_bytes)


async def _json_body(request: Request) -> Any:
    return parse_json_body(await request.body())


def parse_json_body(raw: bytes) -> Any:
    if len(raw) > MAX_JSON_BYTES:
        raise too_large(MAX_JSON_BYTES, "JSON bodies", hint=JSON_HINT)
    try:
        return json.loads(raw)
    except ValueError as err:
        raise InvalidRequest("the request body is not JSON", field="body") from err


def error_response(err: PramaanError) -> JSONResponse:
    if isinstance(err, ConfigurationError):
        log.error("configuration error: %s", err.detail)
        return JSONResponse({"error": err.code, "detail": "the verifier is misconfigured; "
                             "the operator has been told"}, status_code=500)
    retry_after = err.facts.get("retry_after") if isinstance(err, RateLimited) else None
    if retry_after is not None:
        return JSONResponse(err.to_dict() | {"retryAfter": retry_after},
                            status_code=err.http_status,
                            headers={"Retry-After": str(retry_after)})
    return JSONResponse(err.to_dict(), status_code=err.http_status)


_CODE_OF_STATUS = {404: "not_found", 405: "request.method_not_allowed",
                   413: InputTooLarge.code}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PramaanError)
    async def _pramaan(_request: Request, err: PramaanError) -> JSONResponse:
        return error_response(err)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
        return error_response(InvalidRequest(f"the request is not valid: {err.errors()[:1]}"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, err: StarletteHTTPException) -> JSONResponse:
        code = _CODE_OF_STATUS.get(err.status_code, InvalidRequest.code)
        return JSONResponse({"error": code, "detail": str(err.detail)},
                            status_code=err.status_code, headers=err.headers)


class JsonVerifyFastPath:
    """``POST /verify`` with a JSON body, answered before FastAPI's exception, routing and
    endpoint layers (a fifth of the request's CPU, measured with py-spy under wrk load).

    It is the hospital's hot path (a scanned QR or a pasted token) and does exactly what the
    ``verify`` route does with the same functions: rate limit, bounded JSON body, verification,
    the same answer and the same error bodies. Every other request (uploads, other routes, the
    OpenAPI docs) goes on to the app.
    """

    def __init__(self, app: ASGIApp, *, state: VerifierState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.handles(scope):
            await self.app(scope, receive, send)
            return
        try:
            client = scope.get("client")
            self.state.limiter.take(client[0] if client else "unknown")
            raw = await read_body(receive, limit=MAX_JSON_BYTES, what="JSON bodies",
                                  hint=JSON_HINT)
            token = inputs.token_from_json(parse_json_body(raw))
            result = await run_verification(self.state.verifier, token, now=self.state.clock())
            response: Response = json_response(result.to_dict())
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
    """The app with settings from the environment (``uvicorn --factory verifier.api:app_from_env``)."""
    return create_app(VerifierSettings())
