"""Security headers on every issuer response.

- ``X-Content-Type-Options: nosniff`` on every response, so no browser reads a JSON error, a
  document or a page as something else.
- A Content-Security-Policy on FastAPI's ``/docs`` (Swagger UI) and ``/redoc``. Both load their
  scripts and styles from the jsDelivr CDN (FastAPI's default; not self-hosted), so the policy
  allows exactly that origin and nothing else for code: Swagger UI's one inline start-up script
  by its SHA-256 (computed from the page as served, so it follows FastAPI's template), ReDoc's
  web worker as ``blob:``, its fonts from Google Fonts, FastAPI's favicon. The pages under
  ``/p`` and ``/s`` set their own stricter policy (``issuer.web.common.render``).
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CDN = "https://cdn.jsdelivr.net"
FAVICON = "https://fastapi.tiangolo.com"
_COMMON = ("default-src 'none'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
           "form-action 'none'")
SWAGGER_CSP = (f"{_COMMON}; script-src {CDN} {{scripts}}; style-src {CDN} 'unsafe-inline'; "
               f"img-src 'self' data: {FAVICON}")
REDOC_CSP = (f"{_COMMON}; script-src {CDN}; worker-src blob:; "
             f"style-src 'unsafe-inline' https://fonts.googleapis.com; "
             f"font-src https://fonts.gstatic.com; img-src 'self' data: {FAVICON}")
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def swagger_csp(html: bytes) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html))
    return SWAGGER_CSP.format(scripts=hashes).replace("  ", " ")


class SecurityHeaders:
    """ASGI middleware adding the headers above (buffering only the two small docs pages)."""

    def __init__(self, app: ASGIApp, *, docs_url: str | None = "/docs",
                 redoc_url: str | None = "/redoc") -> None:
        self.app, self.docs_url, self.redoc_url = app, docs_url, redoc_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path == self.docs_url:
            await self._buffered(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = {b"x-content-type-options": b"nosniff"}
                if path == self.redoc_url:
                    extra[b"content-security-policy"] = REDOC_CSP.encode()
                message["headers"] = _with(message.get("headers", []), extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        body = bytearray()

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                assert start is not None  # ASGI sends the start first
                headers = [(k, v) for k, v in start.get("headers", [])
                           if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                start["headers"] = _with(headers, {
                    b"x-content-type-options": b"nosniff",
                    b"content-security-policy": swagger_csp(bytes(body)).encode()})
                await send(start)
                await send({"type": "http.response.body", "body": bytes(body)})
                return
            await send(message)

        await self.app(scope, receive, collect)


def _with(headers: Any, extra: dict[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if k.lower() not in extra]
    return [*kept, *extra.items()]
