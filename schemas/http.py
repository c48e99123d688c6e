"""The HTTP side of the contract both services keep: the ``{error, detail, hint}`` body,
request-size limits, and the input no route takes (control characters, deeply nested JSON).

Pure ASGI and plain iterables: no framework import and no I/O of its own, so the issuer and the
verifier refuse an oversize body the same way, with the same answer. A size cap counts bytes as
they arrive and stops at the first chunk past it, so no body, stream or file is ever read whole
before it is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import orjson

from schemas.errors import InputTooLarge, InvalidRequest, LengthRequired, PramaanError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_FREE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_JSON_DEPTH = 32
"""Arrays and objects nested in a JSON body, at most (the deepest request we take has 4)."""


def control_character(text: str, *, free_text: bool = False) -> str | None:
    """The first C0 control character (or DEL) in ``text`` as ``U+XXXX``, else None; free text
    may hold tabs and line breaks. NUL is the one that matters most: PostgreSQL refuses it in any
    text, so it must be refused as bad input before it reaches a query."""
    match = (_CONTROL_IN_FREE_TEXT if free_text else _CONTROL).search(text)
    return None if match is None else f"U+{ord(match[0]):04X}"


def parse_json(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A JSON body, or ``InvalidRequest``: not JSON, or nested deeper than ``max_depth``.

    orjson parses without recursing in Python (it refuses past 1024 levels itself), so a deep
    body cannot exhaust the stack as ``json.loads`` does; the depth is then checked without
    recursion, before any code walks the value."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        if "depth" in err.msg:  # orjson's own limit, 1024 levels ("depth limit exceeded")
            raise InvalidRequest(f"the JSON body is nested deeper than {max_depth} levels",
                                 field="body") from err
        raise InvalidRequest("the request body is not JSON", field="body") from err
    if json_depth(value) > max_depth:
        raise InvalidRequest(f"the JSON body is nested deeper than {max_depth} levels",
                             field="body")
    return value


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (a scalar is 0), found without recursion."""
    if not isinstance(value, dict | list):
        return 0
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def too_large(limit: int, what: str = "request bodies", *, hint: str | None = None
              ) -> InputTooLarge:
    return InputTooLarge(f"{what} are limited to {limit} bytes", hint=hint)


def join_capped(chunks: Iterable[bytes], *, limit: int, error: Callable[[], PramaanError]
                ) -> bytes:
    """The chunks (an HTTP client's ``iter_bytes``, a file's reads) joined, refused with
    ``error()`` at the first chunk that takes them past ``limit`` bytes."""
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise error()
    return bytes(body)


async def read_body(receive: Receive, *, limit: int, what: str = "request bodies",
                    hint: str | None = None) -> bytes:
    """The request body read from ASGI ``receive``, refused (``InputTooLarge``, "{what} are
    limited to …") as soon as it passes ``limit`` bytes, declared length or not. A client that
    goes away leaves what it sent."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(body)
        body += message.get("body", b"")
        if len(body) > limit:
            raise too_large(limit, what, hint=hint)
        if not message.get("more_body", False):
            return bytes(body)


def error_body(err: PramaanError) -> bytes:
    """``{"error": code, "detail": …, "hint": …}`` as JSON, written as Starlette's
    ``JSONResponse`` writes it."""
    return json.dumps(err.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()


async def send_error(send: Send, err: PramaanError) -> None:
    """Answer ``err`` in the one error shape, from ASGI middleware below any framework."""
    body = error_body(err)
    await send({"type": "http.response.start", "status": err.http_status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class RefuseControlCharacters:
    """Answer 400 ``request.invalid`` to a request whose path or query string, decoded, holds a
    control character (``%00`` above all): no route takes one, and a NUL that reaches a
    PostgreSQL query is a server error, not the caller's. Pure ASGI, before any routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for part, text in (("path", scope["path"]),
                               ("query", unquote_plus(scope["query_string"].decode("latin-1")))):
                found = control_character(text)
                if found is not None:
                    await send_error(send, InvalidRequest(
                        f"the {part} holds the control character {found}",
                        hint="send the identifier as printed, without control characters"))
                    return
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class RouteLimit:
    """Another cap for ``method`` requests whose path ends with ``path_suffix`` (file uploads)."""

    method: str
    path_suffix: str
    limit: int
    name: str = "request"
    """What the request is called in the refusal, e.g. ``document upload``."""
    length_required: bool = False
    """Refuse such a request unless it declares its Content-Length (so it is never buffered)."""

    def covers(self, scope: Scope) -> bool:
        path: str = scope["path"]
        return scope["method"] == self.method and path.endswith(self.path_suffix)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (or a matching ``RouteLimit``'s) with 413,
    whether declared or streamed.

    A declared Content-Length is checked before anything is read, and within the cap it is the
    body's length (the server frames the request by it), so the body passes untouched. A body
    without one, or sent chunked (which overrides it), is read here first, at most the cap, and
    handed on whole: an error raised while a framework reads the body would not reach its error
    handler (FastAPI answers 400), and this way no request streams past the cap. Pure ASGI: a
    ``BaseHTTPMiddleware`` would cost every request an extra task and copy.
    """

    def __init__(self, app: ASGIApp, *, limit: int, routes: Sequence[RouteLimit] = ()) -> None:
        self.app = app
        self.limit = limit
        self.routes = tuple(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        limit = self.limit
        route = next((r for r in self.routes if r.covers(scope)), None)
        if route is not None:
            limit = route.limit
            if route.length_required and length is None:
                await send_error(send, LengthRequired(
                    f"a {route.name} must declare its Content-Length"))
                return
        if length is not None and (not length.isdigit() or int(length) > limit):
            await send_error(send, too_large(limit))
            return
        if length is None or b"transfer-encoding" in headers:
            try:
                receive = await _buffered(receive, limit)
            except InputTooLarge as err:
                await send_error(send, err)
                return
        await self.app(scope, receive, send)


async def _buffered(receive: Receive, limit: int) -> Receive:
    """Read the whole body (refusing it past ``limit``) and return a receive that replays it."""
    body = await read_body(receive, limit=limit)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
