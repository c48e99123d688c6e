"""The page a certificate's QR code opens (``/v``) and the files it needs, served by the verifier.

The page reads the credential from the URL fragment (``docs/qr-format.md`` §1), which browsers
never send, and posts it to ``POST /verify`` in a request body, so no access log ever holds a
certificate. Everything it loads comes from here (``static/``): no CDN, no third party, a strict
Content-Security-Policy with no inline style and one inline script, allowed by its hash. The
verdict's words are decided on the server (``verifier.verdict``); the page only lays them out in
English or Hindi.

Weight (a clerk's phone on a slow network): every text file is gzipped once, when first served;
every reference from one served file to another carries the target's content hash
(``app.css?v=1a2b…``), so a versioned URL is cached for a year as immutable, while the page
itself is revalidated on each visit by its ``ETag`` (a 304 when nothing changed).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
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
    "fonts/NotoSansDevanagari-Regular.woff2": "font/woff2",
    "fonts/NotoSansDevanagari-Bold.woff2": "font/woff2",
    "fonts/PramaanLabel-Bold.woff2": "font/woff2",
}
"""Every file the page may load: an allow-list, so no path ever reaches the file system."""
PAGE = "index.html"
BOOT = "boot.js"
"""Inlined into the page (its hash allowed by the page's policy): it posts a QR link's
credential at once, so the verdict waits on two requests in a row, the page and the answer."""
_BOOT_TAG = f'<script src="v/assets/{BOOT}"></script>'
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300, must-revalidate"
"""An asset asked for without its current version (an old page, a hand-typed URL)."""
_COMPRESSIBLE = ("text/", "application/json")

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    """The body gzipped, when that is smaller (fonts are compressed already)."""
    media_type: str
    version: str
    """The first 16 hex digits of the SHA-256 of ``body``: its ``ETag`` and ``?v=``."""


@cache
def asset(name: str) -> Asset:
    """``name`` as served: references to other assets versioned, hashed, gzipped; read once."""
    media_type = "text/html; charset=utf-8" if name in (PAGE, BOOT) else ASSETS[name]
    body = (STATIC / name).read_bytes()
    if name == PAGE:
        body = body.replace(_BOOT_TAG.encode(), b"<script>" + asset(BOOT).body + b"</script>")
    if media_type.startswith(_COMPRESSIBLE):
        body = _versioned_references(body, name)
    packed = gzip.compress(body, compresslevel=9, mtime=0)
    return Asset(body, packed if len(packed) < len(body) and media_type.startswith(
        _COMPRESSIBLE) else None, media_type, hashlib.sha256(body).hexdigest()[:16])


def _versioned_references(body: bytes, name: str) -> bytes:
    """Each quoted or ``url()`` reference to a listed asset, with ``?v=`` its content hash."""
    text = body.decode("utf-8")
    for other in ASSETS:
        reference = re.compile(rf"(?<=[/\"'(]){re.escape(other)}(?=[\"')])")
        if other != name and reference.search(text):
            text = reference.sub(f"{other}?v={asset(other).version}", text)
    return text.encode("utf-8")


@cache
def page_policy() -> str:
    """The page's policy: the assets' one, with the inline boot script allowed by its hash (CSP
    3 ``'sha256-…'``), never by ``'unsafe-inline'``."""
    script = asset(BOOT).body
    if b"</script" in script.lower():
        raise ValueError(f"{BOOT} cannot be inlined: it holds '</script'")
    digest = base64.b64encode(hashlib.sha256(script).digest()).decode("ascii")
    return CONTENT_SECURITY_POLICY.replace("script-src 'self'",
                                           f"script-src 'self' 'sha256-{digest}'")


def _answer(request: Request, served: Asset, cache_control: str,
            policy: str = CONTENT_SECURITY_POLICY) -> Response:
    etag = f'"{served.version}"'
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": policy,
               "Cache-Control": cache_control, "ETag": etag, "Vary": "Accept-Encoding"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if served.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        return Response(served.gzipped, media_type=served.media_type,
                        headers={**headers, "Content-Encoding": "gzip"})
    return Response(served.body, media_type=served.media_type, headers=headers)


@router.get("/v")
def page(request: Request) -> Response:
    return _answer(request, asset(PAGE), "no-cache", page_policy())


@router.get("/v/assets/{name:path}")
def static_asset(name: str, request: Request) -> Response:
    if name not in ASSETS:
        raise NotFound(f"the page has no file {name!r}", hint="the page's files are listed in "
                       "verifier.web.ASSETS")
    served = asset(name)
    current = request.query_params.get("v") == served.version
    return _answer(request, served, IMMUTABLE if current else REVALIDATE)
