"""HTTP plumbing of the verifier, below its routes: the per-app state, the bare-``Request`` route
class, the JSON body and answer, and the one error shape for every 4xx.

Every error the service answers, its own or the framework's (an unknown route, a method a route
does not take, a request that fails validation), is ``{"error": code, "detail": …, "hint": …}``
(``PramaanError.to_dict``), the contract ``schemas.http`` keeps for both services.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from schemas.errors import (
    ConfigurationError,
    InputTooLarge,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PramaanError,
    RateLimited,
)
from schemas.http import parse_json, too_large
from verifier.lookup import Lookup
from verifier.ratelimit import RateLimiter
from verifier.settings import VerifierSettings
from verifier.verify import Verifier

log = logging.getLogger("pramaan.verifier")
MAX_JSON_BYTES = 64 * 1024
JSON_HINT = "upload files as multipart field 'file'"
API_HINT = "the verifier's API is described at /docs"


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class VerifierState:
    settings: VerifierSettings
    verifier: Verifier
    clock: Callable[[], datetime] = wall_clock
    """Read once per request; tests pass a fixed one."""
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(per_minute=0, burst=0))
    lookup: Lookup | None = None
    """Fetches a certificate by its printed number (``verifier.lookup``); ``None``: not offered."""


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


def parse_json_body(raw: bytes) -> Any:
    """The body parsed (``schemas.http.parse_json``: bounded depth, never a ``RecursionError``)."""
    if len(raw) > MAX_JSON_BYTES:
        raise too_large(MAX_JSON_BYTES, "JSON bodies", hint=JSON_HINT)
    return parse_json(raw)


def json_response(body: Any, status_code: int = 200) -> Response:
    """orjson writes the verdict (about 5 kB with the credential) ~5x faster than the stdlib
    encoder Starlette's JSONResponse uses: a tenth of a verification's cost over HTTP."""
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")


def error_response(err: PramaanError, headers: Mapping[str, str] | None = None
                   ) -> JSONResponse:
    if isinstance(err, ConfigurationError):
        log.error("configuration error: %s", err.detail)
        return JSONResponse({"error": err.code, "detail": "the verifier is misconfigured; "
                             "the operator has been told"}, status_code=500)
    retry_after = err.facts.get("retry_after") if isinstance(err, RateLimited) else None
    if retry_after is not None:
        return JSONResponse(err.to_dict() | {"retryAfter": retry_after},
                            status_code=err.http_status,
                            headers={"Retry-After": str(retry_after)})
    return JSONResponse(err.to_dict(), status_code=err.http_status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Answer our errors, and the framework's, in the one error shape."""

    @app.exception_handler(PramaanError)
    async def _pramaan(_request: Request, err: PramaanError) -> JSONResponse:
        return error_response(err)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
        return error_response(invalid_request(err))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        return error_response(framework_error(request, err), headers=err.headers)


def invalid_request(err: RequestValidationError) -> InvalidRequest:
    """The first problem pydantic found, by where it is and what is wrong (never the input)."""
    first: Mapping[str, Any] = next(iter(err.errors()), {})
    where = " ".join(str(part) for part in first.get("loc", ()))
    problem = str(first.get("msg", "not valid")).rstrip(".").lower()
    return InvalidRequest(f"the request is not valid: {where or 'the request'}: {problem}",
                          hint=API_HINT)


def framework_error(request: Request, err: StarletteHTTPException) -> PramaanError:
    """Starlette's own refusals (no such route, a method the route does not take, a form it
    cannot parse) as our errors."""
    where = f"{request.method} {request.url.path}"
    if err.status_code == 404:
        return NotFound(f"there is nothing at {where}", hint=API_HINT)
    if err.status_code == 405:
        allowed = (err.headers or {}).get("Allow", "")
        return MethodNotAllowed(f"{request.url.path} does not take {request.method}",
                                hint=f"use {allowed}" if allowed else API_HINT)
    error = (InputTooLarge if err.status_code == 413 else InvalidRequest)(str(err.detail))
    error.http_status = err.status_code
    return error
