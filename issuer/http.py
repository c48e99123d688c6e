"""HTTP plumbing of the issuer, below every router: the one error body, and the request body cap.

A leaf module, so routes can answer an error themselves without importing the app factory.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi.responses import JSONResponse

from schemas.errors import ConfigurationError, PramaanError
from schemas.http import ASGIApp, BodyLimit, RouteLimit

log = logging.getLogger("pramaan.issuer")


def error_response(err: PramaanError, **extra: Any) -> JSONResponse:
    """``err`` in the one error body (``docs/errors.md``); ``extra`` adds documented keys (the
    ``problems`` of a request validation error)."""
    if isinstance(err, ConfigurationError):
        log.error("configuration error: %s", err.detail)
        return JSONResponse({"error": err.code, "detail": "the service is misconfigured; "
                             "the operator has been told", "hint": None}, status_code=500)
    return JSONResponse(err.to_dict() | extra, status_code=err.http_status)


class BodyCap(BodyLimit):
    """The issuer's request body caps: ``limit`` for every request, except that document uploads
    (``POST …/documents``) get the upload cap plus room for the multipart framing and must declare
    their length (``schemas.http.BodyLimit`` does the refusing)."""

    def __init__(self, app: ASGIApp, *, limit: int, uploads: int) -> None:
        super().__init__(app, limit=limit, routes=[RouteLimit(
            "POST", "/documents", uploads + 16 * 1024, name="document upload",
            length_required=True)])
