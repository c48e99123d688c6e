"""Verifier fixtures: test-only keys, a real JWKS server on 127.0.0.1, credential factories.

Keys are generated once per test session and exist nowhere else. The JWKS is served over real
HTTP from a mutable document, so tests can rotate keys or make the issuer fail.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from keys.jwk import public_jwk
from keys.signing import SigningKey, sign_credential
from keys.storage import generate_private_key
from schemas import credential as vc
from schemas.registry import default_registry
from tests.conftest import NOW, REFERENCE
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


@dataclass
class JwksServer:
    """A JWKS endpoint: ``document`` is served as is; ``status`` other than 200 makes it fail."""

    base_url: str = ""
    document: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    status: int = 200
    hits: int = 0

    @property
    def jwks_uri(self) -> str:
        return f"{self.base_url}/.well-known/jwks.json"

    def publish(self, *keys: SigningKey) -> None:
        self.document = {"keys": [public_jwk(k.key.public_key()) for k in keys]}


class _Handler(BaseHTTPRequestHandler):
    state: JwksServer

    def do_GET(self) -> None:
        self.state.hits += 1
        if self.path != "/.well-known/jwks.json" or self.state.status != 200:
            self.send_error(404 if self.state.status == 200 else self.state.status)
            return
        body = json.dumps(self.state.document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/jwk-set+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def jwks_server(es256_key: SigningKey, eddsa_key: SigningKey) -> Iterator[JwksServer]:
    state = JwksServer()
    state.publish(es256_key, eddsa_key)
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


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
                    issued_at: datetime = NOW, **subject: Any) -> dict[str, Any]:
    """The reference registrant's certificate of ``type_id``; ``subject`` overrides claims."""
    registry = default_registry()
    data = json.loads(REFERENCE.read_text("utf-8"))
    person, reg = data["professional"], data["registration"]
    record = vc.PractitionerRecord(
        name=person["name"], name_hi=person["name_hi"], father_name=person["father_name"],
        registration_number=reg["registration_number"],
        registration_date=date.fromisoformat(reg["registration_date"]),
        registration_type=reg["registration_type"],
        qualifications=tuple(vc.Qualification(q["degree"], q["university"], q["year"])
                             for q in reg["qualifications"]))
    draft = vc.CredentialDraft(
        registry.certificate_type(type_id), registry.council("hmc"), record, "HMC-RC-7K3M-Q9PX",
        valid_from or vc.start_of_day(VALID_FROM), valid_until or vc.end_of_day(VALID_UNTIL),
        extra=EXTRA[type_id])
    credential = vc.build_credential(draft, public_base=public_base, issued_at=issued_at)
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

