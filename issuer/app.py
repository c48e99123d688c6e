"""The issuer service: ``create_app(settings)`` builds everything; nothing happens at import."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from issuer.headers import SecurityHeaders
from issuer.http import BodyCap, error_response
from issuer.outbox.runner import start_worker
from issuer.routes import register_routes
from issuer.settings import IssuerSettings
from issuer.state import Clock, IssuerState, build_state, system_clock
from issuer.web.common import error_page
from schemas.errors import (
    ConfigurationError,
    DatabaseBusy,
    InputTooLarge,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PramaanError,
)
from schemas.http import RefuseControlCharacters

__all__ = ["IssuerState", "app_from_environment", "build_state", "create_app"]


@asynccontextmanager
async def _outbox_worker(app: FastAPI) -> AsyncIterator[None]:
    """Run the outbox worker beside the HTTP service (``PRAMAAN_OUTBOX_WORKER``)."""
    worker = start_worker(app.state.pramaan)
    try:
        yield
    finally:
        worker.stop()


def create_app(settings: IssuerSettings, *, state: IssuerState | None = None,
               clock: Clock | None = None) -> FastAPI:
    """The issuer's ASGI app. ``clock`` (or ``state.clock``) is the time every route, dependency
    and the outbox worker read; a given ``clock`` replaces the state's."""
    state = state or build_state(settings, clock=clock or system_clock)
    if clock is not None:
        state.clock = clock
    app = FastAPI(title="Pramaan issuer", version="0.1.0",
                  description="Issues council certificates as W3C verifiable credentials "
                              "(vc+jwt). Staff endpoints need a bearer token.",
                  lifespan=_outbox_worker if settings.outbox_worker else None)
    app.state.pramaan = state
    register_routes(app)
    _install_error_handlers(app)
    app.add_middleware(RefuseControlCharacters)
    app.add_middleware(BodyCap, limit=settings.max_request_bytes,
                       uploads=settings.upload_max_bytes)
    app.add_middleware(SecurityHeaders, docs_url=app.docs_url, redoc_url=app.redoc_url)
    return app


def app_from_environment() -> FastAPI:
    """The app from ``PRAMAAN_*`` settings: what each process of ``issuer serve --workers N``
    (or ``uvicorn --factory issuer.app:app_from_environment --workers N``) builds for itself.
    Each has its own engine, pool and caches (``docs/scale.md``)."""
    return create_app(IssuerSettings())


def _install_error_handlers(app: FastAPI) -> None:
    """Every error the issuer answers, in the one shape (``docs/errors.md``), or as HTML on the
    pages under /p/ and /s/: its own errors, FastAPI's request validation, and Starlette's
    routing (an unknown route, a method the route does not take)."""

    @app.exception_handler(PramaanError)
    async def _pramaan(request: Request, err: PramaanError) -> Response:
        return _answer(request, err)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, err: RequestValidationError) -> Response:
        problems = [{"field": "/".join(str(p) for p in e["loc"][1:]), "problem": e["msg"]}
                    for e in err.errors()]
        return _answer(request, _validation_error(err), problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> Response:
        return _answer(request, _routing_error(request, err), headers=err.headers)


def _answer(request: Request, err: PramaanError, *, headers: Mapping[str, str] | None = None,
            **extra: Any) -> Response:
    if isinstance(err, DatabaseBusy):  # 503: say when to come back
        seconds = err.facts.get("retry_after", 1)
        headers = {**(headers or {}), "Retry-After": str(seconds)}
        extra = {"retryAfter": seconds} | extra
    if request.url.path.startswith(("/p/", "/s/")) and not isinstance(err, ConfigurationError):
        page = error_page(request, err)  # the pages answer in HTML
        page.headers.update(headers or {})
        return page
    response = error_response(err, **extra)
    response.headers.update(headers or {})
    return response


def _validation_error(err: RequestValidationError) -> InvalidRequest:
    """400 ``request.invalid`` (as the verifier answers a malformed request) naming the first
    field that is wrong and how; ``problems`` (added by the handler) lists them all."""
    errors = err.errors()
    if not errors:
        return InvalidRequest("the request is not valid")
    first = errors[0]
    where = "/".join(str(p) for p in first["loc"]) or "request"
    others = len(errors) - 1
    more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
    return InvalidRequest(f"{where}: {first['msg']}{more}",
                          hint="correct the field and send the request again")


def _routing_error(request: Request, err: StarletteHTTPException) -> PramaanError:
    """Starlette's routing errors as ours. The issuer raises no ``HTTPException`` itself; any
    other one (FastAPI's body parsing) is the caller's 400, or ours past 499."""
    where = f"{request.method} {request.url.path}"
    if err.status_code == 404:
        return NotFound(f"there is no route {request.url.path}",
                        hint="the routes are described at /docs")
    if err.status_code == 405:
        allowed = (err.headers or {}).get("Allow") or (err.headers or {}).get("allow")
        return MethodNotAllowed(f"{where} is not allowed",
                                hint=f"this route takes {allowed}" if allowed else None)
    if err.status_code == 413:
        return InputTooLarge(str(err.detail))
    if err.status_code >= 500:
        return PramaanError(f"{where}: {err.detail}")
    return InvalidRequest(f"{where}: {err.detail}")
