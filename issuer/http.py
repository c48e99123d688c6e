"""HTTP plumbing of the issuer, below every router: the one error body, and the request body cap.

A leaf module, so routes can answer an error themselves without importing the app factory.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schemas.errors import ConfigurationError, InputTooLarge, LengthRequired, PramaanError

log = logging.getLogger("pramaan.issuer")


def error_response(err: PramaanError, **extra: Any) -> JSONResponse:
    """``err`` in the one error body (``docs/errors.md``); ``extra`` adds documented keys (the
    ``problems`` of a request validation error)."""
    if isinstance(err, ConfigurationError):
        log.error("configuration error: %s", err.detail)
        return JSONResponse({"error": err.code, "detail": "the service is misconfigured; "
                             "the operator has been told", "hint": None}, status_code=500)
    return JSONResponse(err.to_dict() | extra, status_code=err.http_status)



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
                await error_response(LengthRequired(
                    "a document upload must declare its Content-Length"))(scope, receive, send)
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
