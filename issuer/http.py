"""HTTP plumbing of the issuer, below every router: the one error body, and the request body cap.

A leaf module, so routes can answer an error themselves without importing the app factory.
"""

from __future__ import annotations

import logging

from fastapi.responses import JSONResponse

from schemas.errors import ConfigurationError, PramaanError
from schemas.http import ASGIApp, BodyLimit, RouteLimit

log = logging.getLogger("pramaan.issuer")


def error_response(err: PramaanError) -> JSONResponse:
    if isinstance(err, ConfigurationError):
        log.error("configuration error: %s", err.detail)
        return JSONResponse({"error": err.code, "detail": "the service is misconfigured; "
                             "the operator has been told"}, status_code=500)
    return JSONResponse(err.to_dict(), status_code=err.http_status)


class BodyCap(BodyLimit):
    """The issuer's request body caps: ``limit`` for every request, except that document uploads
    (``POST …/documents``) get the upload cap plus room for the multipart framing and must declare
    their length (``schemas.http.BodyLimit`` does the refusing)."""

    def __init__(self, app: ASGIApp, *, limit: int, uploads: int) -> None:
        super().__init__(app, limit=limit, routes=[RouteLimit(
            "POST", "/documents", uploads + 16 * 1024, name="document upload",
            length_required=True)])
