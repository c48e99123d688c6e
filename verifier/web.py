"""The page a certificate's QR code opens (``/v``) and the files it needs, served by the verifier.

The page reads the credential from the URL fragment (``docs/qr-format.md`` §1), which browsers
never send, and posts it to ``POST /verify`` in a request body, so no access log ever holds a
certificate. Everything it loads comes from here (``static/``): no CDN, no third party, a strict
Content-Security-Policy with no inline script or style. The verdict's words are decided on the
server (``verifier.verdict``); the page only lays them out in English or Hindi.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from schemas.errors import NotFound

STATIC = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; media-src 'self' blob:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; manifest-src 'self'; worker-src 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "strings.json": "application/json",
    "vendor/jsQR.js": "text/javascript; charset=utf-8",
    "fonts/NotoSansDevanagari-Regular.ttf": "font/ttf",
    "fonts/NotoSansDevanagari-Bold.ttf": "font/ttf",
}
"""Every file the page may load: an allow-list, so no path ever reaches the file system."""

router = APIRouter(include_in_schema=False)


@cache
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()


@router.get("/v")
def page() -> Response:
    return Response(_read("index.html"), media_type="text/html; charset=utf-8",
                    headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})


@router.get("/v/assets/{name:path}")
def asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"the page has no file {name!r}", hint="the page's files are listed in "
                       "verifier.web.ASSETS")
    return Response(_read(name), media_type=media_type,
                    headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=300"})
