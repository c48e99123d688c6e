"""The shared HTTP plumbing (``schemas.http``): the size caps both services apply, in bare ASGI,
and the input no route takes (control characters in the URL, deeply nested JSON)."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from schemas.errors import InputTooLarge, InvalidRequest, PramaanError
from schemas.http import (
    BodyLimit,
    Message,
    Receive,
    RefuseControlCharacters,
    RouteLimit,
    Scope,
    control_character,
    join_capped,
    json_depth,
    parse_json,
    read_body,
)


def receiver(chunks: list[bytes]) -> Receive:
    messages = iter([{"type": "http.request", "body": c, "more_body": True} for c in chunks]
                    + [{"type": "http.request", "body": b"", "more_body": False}])

    async def receive() -> Message:
        return next(messages, {"type": "http.disconnect"})

    return receive


@dataclass
class Run:
    """What the app behind ``BodyLimit`` read (None if it was not called), and what was sent."""

    body: bytes | None = None
    receive: Receive | None = None
    sent: list[Message] = field(default_factory=list)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def error(self) -> Any:
        return json.loads(self.sent[1]["body"])


def run_body_limit(headers: list[tuple[bytes, bytes]], chunks: list[bytes], *, limit: int,
                   path: str = "/verify", routes: tuple[RouteLimit, ...] = ()
                   ) -> tuple[Run, Receive]:
    run = Run()
    receive = receiver(chunks)

    async def app(_scope: Scope, receive: Receive, _send: Any) -> None:
        run.receive, body = receive, bytearray()
        while (message := await receive())["more_body"]:
            body.extend(message["body"])
        run.body = bytes(body + message["body"])

    async def send(message: Message) -> None:
        run.sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
    asyncio.run(BodyLimit(app, limit=limit, routes=routes)(scope, receive, send))
    return run, receive


class TestBodyLimit:
    def test_a_declared_length_within_the_limit_is_not_recounted(self) -> None:
        run, receive = run_body_limit([(b"content-length", b"8")], [b"x" * 8], limit=8)
        assert run.body == b"x" * 8 and run.receive is receive

    @pytest.mark.parametrize("length", [b"9", b"-1", b"8 "])
    def test_a_declared_length_over_the_limit_or_invalid_is_refused_unread(
            self, length: bytes) -> None:
        run, _ = run_body_limit([(b"content-length", length)], [b"x" * 8], limit=8)
        assert run.body is None and run.status == 413
        assert run.error == {"error": "request.too_large",
                             "detail": "request bodies are limited to 8 bytes", "hint": None}

    def test_chunked_is_counted_whatever_content_length_says(self) -> None:
        headers = [(b"content-length", b"8"), (b"transfer-encoding", b"chunked")]
        run, _ = run_body_limit(headers, [b"x" * 8, b"x"], limit=8)
        assert run.body is None and run.status == 413

    def test_no_declared_length_is_counted_and_handed_on_whole(self) -> None:
        assert run_body_limit([], [b"x" * 8, b"x"], limit=8)[0].status == 413
        run, _ = run_body_limit([], [b"x" * 4, b"x" * 4], limit=8)
        assert run.body == b"x" * 8 and not run.sent

    def test_a_route_limit_applies_to_its_route_only(self) -> None:
        uploads = (RouteLimit("POST", "/documents", 16, name="document upload",
                              length_required=True),)
        declared = [(b"content-length", b"12")]
        run, _ = run_body_limit(declared, [b"x" * 12], limit=8, path="/a/documents",
                                routes=uploads)
        assert run.body == b"x" * 12
        assert run_body_limit(declared, [b"x" * 12], limit=8, routes=uploads)[0].status == 413
        run, _ = run_body_limit([], [b"x"], limit=8, path="/a/documents", routes=uploads)
        assert run.body is None and run.status == 413
        assert run.error == {"error": "request.length_required",
                             "detail": "a document upload must declare its Content-Length",
                             "hint": None}


class TestReadBody:
    def test_reads_every_chunk(self) -> None:
        assert asyncio.run(read_body(receiver([b"ab", b"cd"]), limit=4)) == b"abcd"

    def test_refuses_past_the_limit_with_its_words(self) -> None:
        with pytest.raises(InputTooLarge) as caught:
            asyncio.run(read_body(receiver([b"ab", b"cde"]), limit=4, what="JSON bodies",
                                  hint="upload a file"))
        assert caught.value.code == "request.too_large"
        assert caught.value.to_dict() == {"error": "request.too_large", "hint": "upload a file",
                                          "detail": "JSON bodies are limited to 4 bytes"}

    def test_a_client_that_goes_away_leaves_what_it_sent(self) -> None:
        async def receive() -> Message:
            return {"type": "http.disconnect"}

        assert asyncio.run(read_body(receive, limit=4)) == b""


class TestJoinCapped:
    def test_joins_within_the_limit(self) -> None:
        stream = io.BytesIO(b"x" * 10)
        assert join_capped(iter(lambda: stream.read(3), b""), limit=10,
                           error=lambda: PramaanError("never")) == b"x" * 10

    def test_stops_at_the_first_chunk_past_the_limit(self) -> None:
        read: list[bytes] = []

        def chunks() -> Iterator[bytes]:
            for _ in range(100):
                read.append(b"xxx")
                yield b"xxx"

        with pytest.raises(InputTooLarge):
            join_capped(chunks(), limit=10, error=lambda: InputTooLarge("too long"))
        assert len(read) == 4


class TestInputNoRouteTakes:
    @pytest.mark.parametrize(("text", "free_text", "found"), [
        ("HMC-RC-1", False, None), ("a\x00b", False, "U+0000"), ("a\nb", False, "U+000A"),
        ("a\x7f", False, "U+007F"), ("one\r\n\ttwo", True, None), ("a\x00", True, "U+0000"),
        ("a\x1b", True, "U+001B"), ("देवनागरी", False, None)])
    def test_control_characters(self, text: str, free_text: bool, found: str | None) -> None:
        assert control_character(text, free_text=free_text) == found

    @pytest.mark.parametrize(("value", "depth"), [
        (1, 0), ({}, 1), ({"a": [1, {"b": []}]}, 4), ([[[]], []], 3)])
    def test_json_depth(self, value: Any, depth: int) -> None:
        assert json_depth(value) == depth

    @pytest.mark.parametrize("depth", [33, 1025, 32_000])
    def test_deep_json_is_refused_without_recursing(self, depth: int) -> None:
        with pytest.raises(InvalidRequest, match="nested deeper than 32 levels"):
            parse_json(b"[" * depth + b"]" * depth)
        assert json_depth(parse_json(b"[" * 32 + b"]" * 32)) == 32

    @pytest.mark.parametrize(("path", "query"), [("/c/\x00", b""), ("/audit", b"subject=%00"),
                                                 ("/audit", b"subject=a+%0A")])
    def test_a_control_character_in_the_url_is_refused(self, path: str, query: bytes) -> None:
        sent: list[Message] = []

        async def app(scope: Scope, receive: Receive, send: Any) -> None:
            raise AssertionError("the request reached the app")

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "query_string": query,
                 "headers": []}
        asyncio.run(RefuseControlCharacters(app)(scope, receiver([]), send))
        assert sent[0]["status"] == 400
        assert json.loads(sent[1]["body"])["error"] == "request.invalid"
