"""The issuer service: ``create_app(settings)`` builds everything; nothing happens at import."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from issuer import db
from issuer.applicants.service import SignInPolicy
from issuer.credentials.service import IssueContext
from issuer.keystore.service import KeyRingCache
from issuer.settings import IssuerSettings
from issuer.status.publish import StatusListPublisher
from schemas.errors import ConfigurationError, InputTooLarge, PramaanError
from schemas.registry import Registry, load_registry

if TYPE_CHECKING:
    from issuer.delivery.pdf import CertificatePdfRenderer

log = logging.getLogger("pramaan.issuer")


@dataclass
class IssuerState:
    settings: IssuerSettings
    engine: Engine
    sessions: sessionmaker[Session]
    registry: Registry
    keyring: KeyRingCache
    publisher: StatusListPublisher
    _renderer: CertificatePdfRenderer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def renderer(self) -> CertificatePdfRenderer:
        """Fonts are parsed and the template built once, on first use."""
        if self._renderer is None:
            from issuer.delivery.pdf import CertificatePdfRenderer

            with self._lock:
                if self._renderer is None:
                    self._renderer = CertificatePdfRenderer.load()
        return self._renderer

    def issue_context(self, session: Session) -> IssueContext:
        return IssueContext(registry=self.registry, keyring=self.keyring.current(session),
                            public_base=self.settings.public_base_url,
                            status_list_entries=self.settings.status_list_entries)

    @property
    def sign_in_policy(self) -> SignInPolicy:
        s = self.settings
        return SignInPolicy(secrets=[k.get_secret_value() for k in s.session_secrets],
                            code_ttl=timedelta(minutes=s.sign_in_code_minutes),
                            max_attempts=s.sign_in_max_attempts,
                            per_email_per_hour=s.sign_in_per_email_per_hour,
                            per_client_per_hour=s.sign_in_per_ip_per_hour,
                            session_ttl=timedelta(hours=s.session_hours))

    @property
    def uploads(self) -> Path:
        return self.settings.data_dir / "uploads"


def build_state(settings: IssuerSettings, engine: Engine | None = None) -> IssuerState:
    engine = engine or db.make_engine(settings.database_url)
    return IssuerState(settings=settings, engine=engine, sessions=db.session_factory(engine),
                       registry=load_registry(settings.registry_files),
                       keyring=KeyRingCache(settings.key_passphrase.get_secret_value()),
                       publisher=StatusListPublisher(
                           public_base=settings.public_base_url,
                           ttl_seconds=settings.status_list_ttl_seconds))


def create_app(settings: IssuerSettings, *, state: IssuerState | None = None) -> FastAPI:
    from issuer.outbox.runner import worker_lifespan
    from issuer.routes import register_routes

    app = FastAPI(title="Pramaan issuer", version="0.1.0",
                  description="Issues council certificates as W3C verifiable credentials "
                              "(vc+jwt). Staff endpoints need a bearer token.",
                  lifespan=worker_lifespan if settings.outbox_worker else None)
    app.state.pramaan = state or build_state(settings)
    register_routes(app)
    _install_error_handlers(app)
    _limit_body_size(app, settings.max_request_bytes, uploads=settings.upload_max_bytes)
    return app


def error_response(err: PramaanError) -> JSONResponse:
    if isinstance(err, ConfigurationError):
        log.error("configuration error: %s", err.detail)
        return JSONResponse({"error": err.code, "detail": "the service is misconfigured; "
                             "the operator has been told"}, status_code=500)
    return JSONResponse(err.to_dict(), status_code=err.http_status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PramaanError)
    async def _pramaan(request: Request, err: PramaanError) -> Response:
        if request.url.path.startswith(("/p/", "/s/")) and not isinstance(
                err, ConfigurationError):
            from issuer.web.pages import error_page

            return error_page(request, err)  # the pages answer in HTML
        return error_response(err)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
        problems = [{"field": "/".join(str(p) for p in e["loc"][1:]), "problem": e["msg"]}
                    for e in err.errors()]
        return JSONResponse({"error": "request.invalid", "detail": "the request body is not valid",
                             "problems": problems}, status_code=422)


def _limit_body_size(app: FastAPI, limit: int, *, uploads: int) -> None:
    """Cap bodies by Content-Length before reading them. Document uploads (paths ending in
    ``/documents``) get the upload cap plus room for the multipart framing, and must declare
    their length, so a chunked body cannot stream past the cap."""
    @app.middleware("http")
    async def _cap(request: Request, call_next):  # type: ignore[no-untyped-def]
        length = request.headers.get("content-length")
        cap = limit
        if request.method == "POST" and request.url.path.endswith("/documents"):
            cap = uploads + 16 * 1024
            if length is None:
                return error_response(InputTooLarge(
                    "a document upload must declare its Content-Length",
                    code="request.length_required"))
        if length is not None and (not length.isdigit() or int(length) > cap):
            return error_response(InputTooLarge(f"request bodies are limited to {cap} bytes"))
        return await call_next(request)
