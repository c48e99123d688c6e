"""The issuer service: ``create_app(settings)`` builds everything; nothing happens at import."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from issuer.http import BodyCap, error_response
from issuer.outbox.runner import worker_lifespan
from issuer.routes import register_routes
from issuer.settings import IssuerSettings
from issuer.state import Clock, IssuerState, build_state, system_clock
from issuer.web.common import error_page
from schemas.errors import ConfigurationError, PramaanError

__all__ = ["IssuerState", "build_state", "create_app"]


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
                  lifespan=worker_lifespan if settings.outbox_worker else None)
    app.state.pramaan = state
    register_routes(app)
    _install_error_handlers(app)
    app.add_middleware(BodyCap, limit=settings.max_request_bytes,
                       uploads=settings.upload_max_bytes)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PramaanError)
    async def _pramaan(request: Request, err: PramaanError) -> Response:
        if request.url.path.startswith(("/p/", "/s/")) and not isinstance(
                err, ConfigurationError):
            return error_page(request, err)  # the pages answer in HTML
        return error_response(err)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
        problems = [{"field": "/".join(str(p) for p in e["loc"][1:]), "problem": e["msg"]}
                    for e in err.errors()]
        return JSONResponse({"error": "request.invalid", "detail": "the request body is not valid",
                             "problems": problems}, status_code=422)


