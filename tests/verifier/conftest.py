"""Verifier fixtures: test-only keys, a real issuer server on 127.0.0.1, credential factories.

Keys are generated once per test session and exist nowhere else. The server plays the issuer's
public side over real HTTP from mutable state: the JWKS (tests rotate keys or make it fail), the
W3C status lists (signed on every request from the ``revoked``/``suspended`` index sets), the
status index and each certificate's ``/c/{number}/status``.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from keys.jwk import KeyWindow, public_jwk
from keys.signing import SigningKey, sign_credential
from keys.storage import generate_private_key
from schemas import credential as vc
from schemas import status_list as sl
from schemas.registry import default_registry
from tests.clock import NOW
from tests.conftest import reference_record
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.trust import TrustStore

PUBLIC_BASE = "https://pramaan.hr.gov.in"
ALGORITHMS = ("ES256", "EdDSA")
VALID_FROM = date(2024, 7, 14)
VALID_UNTIL = date(2029, 7, 13)
EXTRA = {
    "registration": {},
    "good-standing": {"addressee": "General Medical Council, United Kingdom",
                      "purpose": "Registration with a foreign council"},
    "noc": {"purpose": "Employment in another state", "destination": "Karnataka Medical Council"},
}


LIST_PATH = re.compile(r"/status/(revocation|suspension)/([0-9]+)")
DETAILS_PATH = re.compile(r"/c/([^/]+)/status")


@dataclass
class JwksServer:
    """The issuer's public endpoints. The JWKS ``document`` is served as is and ``status`` other
    than 200 makes it fail (``hits`` counts its requests). Status lists are signed per request by
    ``list_signer`` from ``revoked``/``suspended``, issued at ``issued_at``; ``edit_list`` may
    change the list credential before signing. ``responses`` overrides any path with
    ``(status, content type, body)``; ``details`` holds each certificate's status document."""

    base_url: str = ""
    document: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    status: int = 200
    hits: int = 0
    list_signer: SigningKey | None = None
    revoked: set[int] = field(default_factory=set)
    suspended: set[int] = field(default_factory=set)
    list_entries: int = sl.MIN_ENTRIES
    ttl_seconds: int = 300
    issued_at: datetime = NOW - timedelta(minutes=5)
    list_validity: timedelta = timedelta(days=2)
    edit_list: Callable[[dict[str, Any]], None] | None = None
    responses: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    list_hits: dict[str, int] = field(default_factory=dict)
    stop: Callable[[], None] = lambda: None

    @property
    def jwks_uri(self) -> str:
        return f"{self.base_url}/.well-known/jwks.json"

    @property
    def issuer(self) -> str:
        return vc.issuer_url(self.base_url, "hmc")

    def publish(self, *keys: SigningKey, windows: dict[str, KeyWindow] | None = None) -> None:
        self.document = {"keys": [public_jwk(k.key.public_key(), (windows or {}).get(k.kid))
                                  for k in keys]}

    def list_url(self, purpose: str, number: int = 1) -> str:
        return sl.list_url(self.base_url, purpose, number)

    def status_entries(self, index: int, number: int = 1) -> list[dict[str, str]]:
        return sl.status_entries(self.base_url, number, index)

    def list_token(self, purpose: str, number: int) -> str:
        assert self.list_signer is not None
        indices = self.revoked if purpose == "revocation" else self.suspended
        credential = sl.list_credential(
            url=self.list_url(purpose, number), issuer=self.issuer, purpose=purpose,
            bits=bytes(sl.bitstring_of(self.list_entries, indices)), issued_at=self.issued_at,
            valid_until=self.issued_at + self.list_validity, ttl_seconds=self.ttl_seconds)
        if self.edit_list is not None:
            self.edit_list(credential)
        return sign_credential(vc.encode_payload(credential), self.list_signer)

    def respond(self, path: str) -> tuple[int, str, bytes]:
        if path in self.responses:
            return self.responses[path]
        if path == "/.well-known/jwks.json":
            self.hits += 1
            return self.status, "application/jwk-set+json", json.dumps(self.document).encode()
        if path == "/status":
            urls = [self.list_url(p) for p in sl.PURPOSES]
            return 200, "application/json", json.dumps({"statusLists": urls}).encode()
        if (match := LIST_PATH.fullmatch(path)) is not None:
            self.list_hits[path] = self.list_hits.get(path, 0) + 1
            token = self.list_token(match[1], int(match[2]))
            return 200, "application/vc+jwt", token.encode()
        if (match := DETAILS_PATH.fullmatch(path)) is not None and match[1] in self.details:
            return 200, "application/json", json.dumps(self.details[match[1]]).encode()
        return 404, "text/plain", b"not found"


class _Handler(BaseHTTPRequestHandler):
    state: JwksServer

    def do_GET(self) -> None:
        status, content_type, body = self.state.respond(self.path)
        if status != 200:
            self.send_error(status)
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", f"public, max-age={self.state.ttl_seconds}")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def jwks_server(es256_key: SigningKey, eddsa_key: SigningKey) -> Iterator[JwksServer]:
    state = JwksServer(list_signer=es256_key)
    state.publish(es256_key, eddsa_key)
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    stopped = threading.Event()

    def stop() -> None:
        if not stopped.is_set():
            stopped.set()
            server.shutdown()
            server.server_close()
            thread.join()

    state.stop = stop
    yield state
    stop()


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


class SetClock:
    """The service's wall clock: whatever moment the test last set."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _key(alg: str) -> SigningKey:
    return SigningKey.from_private_key(generate_private_key(alg))


@pytest.fixture(scope="session")
def es256_key() -> SigningKey:
    return _key("ES256")


@pytest.fixture(scope="session")
def eddsa_key() -> SigningKey:
    return _key("EdDSA")


@pytest.fixture(scope="session")
def rogue_key() -> SigningKey:
    """A key nobody trusts."""
    return _key("ES256")


@pytest.fixture
def trusted(jwks_server: JwksServer) -> TrustedIssuer:
    return TrustedIssuer(issuer=PUBLIC_BASE, jwks_uri=jwks_server.jwks_uri,
                         name="Haryana councils (test)")


@pytest.fixture
def verifier_settings(trusted: TrustedIssuer) -> VerifierSettings:
    return VerifierSettings(trusted_issuers=[trusted], algorithms=list(ALGORITHMS))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def trust(verifier_settings: VerifierSettings, clock: FakeClock) -> Iterator[TrustStore]:
    store = TrustStore.from_settings(verifier_settings, now=clock)
    yield store
    store.close()


def make_credential(type_id: str = "registration", *, public_base: str = PUBLIC_BASE,
                    valid_from: datetime | None = None, valid_until: datetime | None = None,
                    issued_at: datetime = NOW, status: list[dict[str, str]] | None = None,
                    **subject: Any) -> dict[str, Any]:
    """The reference registrant's certificate of ``type_id``; ``subject`` overrides claims;
    ``status`` is its ``credentialStatus`` (none by default)."""
    registry = default_registry()
    draft = vc.CredentialDraft(
        registry.certificate_type(type_id), registry.council("hmc"), reference_record(),
        "HMC-RC-7K3M-Q9PX",
        valid_from or vc.start_of_day(VALID_FROM), valid_until or vc.end_of_day(VALID_UNTIL),
        extra=EXTRA[type_id])
    credential = vc.build_credential(draft, public_base=public_base, issued_at=issued_at,
                                     status=status)
    credential["credentialSubject"] = {**credential["credentialSubject"], **subject}
    return credential


def sign(credential: dict[str, Any], key: SigningKey, *, typ: str = "vc+jwt") -> str:
    return sign_credential(vc.encode_payload(credential), key, typ=typ)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsigned_token(header: dict[str, Any], credential: dict[str, Any],
                   signature: bytes = b"") -> str:
    return ".".join((b64url(json.dumps(header).encode()), b64url(vc.encode_payload(credential)),
                     b64url(signature)))

