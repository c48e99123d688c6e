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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    app.add_middleware(BodyCap, limit=settings.max_request_bytes,
                       uploads=settings.upload_max_bytes)
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


class BodyCap:
    """Refuse request bodies over the cap with 413, whether declared or streamed.

    A declared Content-Length is checked before anything is read; a body without one, or sent
    chunked, is read here first, at most the cap, and handed on whole (FastAPI would turn an
    error raised while it reads the body into a 400), so no request streams past the cap.
    Document uploads (``POST …/documents``) get the upload cap plus room for the multipart
    framing, and must declare their length. Pure ASGI: a ``BaseHTTPMiddleware`` would cost every
    request an extra task and copy.
    """

    def __init__(self, app: ASGIApp, *, limit: int, uploads: int) -> None:
        self.app = app
        self.limit = limit
        self.uploads = uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        cap = self.limit
        if scope["method"] == "POST" and scope["path"].endswith("/documents"):
            cap = self.uploads + 16 * 1024
            if length is None:
                await error_response(InputTooLarge(
                    "a document upload must declare its Content-Length",
                    code="request.length_required"))(scope, receive, send)
                return
        if length is not None and (not length.isdigit() or int(length) > cap):
            await error_response(too_large(cap))(scope, receive, send)
            return
        if length is None or b"transfer-encoding" in headers:
            try:
                receive = await _buffered(receive, cap)
            except InputTooLarge as err:
                await error_response(err)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def too_large(cap: int) -> InputTooLarge:
    return InputTooLarge(f"request bodies are limited to {cap} bytes")


async def _buffered(receive: Receive, cap: int) -> Receive:
    """Read the whole body (refusing it past ``cap``) and return a receive that replays it."""
    body = bytearray()
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away; the app will see an empty body
        body += message.get("body", b"")
        if len(body) > cap:
            raise too_large(cap)
        more = message.get("more_body", False)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    return replay
