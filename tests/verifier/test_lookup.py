"""Looking a certificate up by its printed number or verification URL: the number is read (and
its O/0, I/1, L/1 slips undone), its council's *trusted* issuer found from published data, the
token fetched from that issuer's ``/c/{number}`` over real HTTP and verified like any other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keys.signing import SigningKey
from schemas.errors import CertificateNotFound, MalformedCertificateNumber
from schemas.registry import Registry
from tests.clock import NOW
from tests.verifier.conftest import (
    ALGORITHMS,
    JwksServer,
    SetClock,
    make_credential,
    sign,
)
from tests.verifier.test_trust import closed_port
from verifier.api import create_app
from verifier.lookup import CertificateNumber, parse_number, public_base
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.trust import TrustStore
from verifier.verify import Verifier

NUMBER = "HMC-RC-7K3M-Q9PX"
"""The number ``make_credential`` gives its certificate."""


@pytest.mark.parametrize("typed", [
    "HMC-RC-7K3M-Q9PX", "hmc-rc-7k3m-q9px", "  HMC RC 7K3M Q9PX ", "HMCRC7K3MQ9PX",
    "HMC–RC–7K3M–Q9PX", "https://pramaan.hr.gov.in/c/HMC-RC-7K3M-Q9PX",
    "pramaan.hr.gov.in/c/hmc-rc-7k3m-q9px/", "http://evil.example/c/HMC-RC-7K3M-Q9PX?x=1#y",
])
def test_a_number_is_read_as_printed_or_typed(typed: str) -> None:
    assert str(parse_number(typed)) == NUMBER


def test_slips_between_look_alike_characters_are_undone() -> None:
    assert parse_number("HMC-GS-3TXE-54O8") == CertificateNumber("HMC", "GS", "3TXE5408")
    assert str(parse_number("HMC-GS-ILXE-5408")) == "HMC-GS-11XE-5408"


@pytest.mark.parametrize("typed", ["hello", "HMC-RC-7K3M", "HMC-RC-7K3M-Q9PX-EXTRA",
                                   "https://pramaan.hr.gov.in/v#1234", "", "1" * 3000,
                                   "HMC-R1-7K3M-Q9PX"])
def test_text_that_is_no_number_is_malformed(typed: str) -> None:
    with pytest.raises(MalformedCertificateNumber):
        parse_number(typed)


def test_a_character_never_used_in_numbers_is_no_such_certificate() -> None:
    with pytest.raises(CertificateNotFound, match="U is never used"):
        parse_number("HMC-RC-7K3M-Q9PU")


def test_an_entry_for_one_council_never_serves_another(registry: Registry) -> None:
    hmc, hdc = registry.council("hmc"), registry.council("hdc")
    whole = TrustedIssuer(issuer="https://pramaan.hr.gov.in", jwks_uri="https://x/jwks",
                          name="all")
    one = TrustedIssuer(issuer="https://pramaan.hr.gov.in/councils/hdc", jwks_uri="https://x/j",
                        name="dental")
    assert public_base(whole, hmc) == "https://pramaan.hr.gov.in"
    assert public_base(one, hdc) == "https://pramaan.hr.gov.in"
    assert public_base(one, hmc) is None


# -- over HTTP ----------------------------------------------------------------------------------

@pytest.fixture
def issuer_server(jwks_server: JwksServer, es256_key: SigningKey) -> JwksServer:
    """The test issuer, trusted under its own address, publishing the certificate ``NUMBER``."""
    token = sign(make_credential(public_base=jwks_server.base_url), es256_key)
    jwks_server.responses[f"/c/{NUMBER}"] = (200, "application/vc+jwt", token.encode())
    return jwks_server


@pytest.fixture
def client(issuer_server: JwksServer, registry: Registry) -> Iterator[TestClient]:
    trusted = TrustedIssuer(issuer=issuer_server.base_url, jwks_uri=issuer_server.jwks_uri,
                            name="Haryana (test)")
    settings = VerifierSettings(trusted_issuers=[trusted], algorithms=list(ALGORITHMS))
    trust = TrustStore.from_settings(settings)
    app = create_app(settings, clock=SetClock(NOW),
                     verifier=Verifier(trust, algorithms=ALGORITHMS, registry=registry))
    with TestClient(app) as c:
        yield c
    trust.close()


def lookup(client: TestClient, number: str) -> Any:
    return client.post("/verify", json={"number": number})


def test_a_typed_number_is_verified_from_the_trusted_issuer(client: TestClient) -> None:
    response = lookup(client, "hmc-rc-7k3m-q9px")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True, body["checks"]
    assert body["verdict"]["state"] == "valid"
    assert body["verdict"]["holder"]["certificateId"] == NUMBER


def test_the_printed_url_is_read_but_its_host_is_never_fetched(
        client: TestClient, issuer_server: JwksServer) -> None:
    response = lookup(client, f"https://look-alike.example/c/{NUMBER}")
    assert response.status_code == 200, response.text
    assert response.json()["verdict"]["state"] == "valid"  # fetched from the trusted issuer


def test_an_o_for_zero_slip_reaches_the_certificate(
        client: TestClient, issuer_server: JwksServer) -> None:
    issuer_server.responses["/c/HMC-RC-0K3M-Q9P1"] = issuer_server.responses[f"/c/{NUMBER}"]
    response = lookup(client, "HMC-RC-OK3M-Q9PL")
    assert response.status_code == 200, response.text
    assert response.json()["verdict"]["state"] == "valid"


@pytest.mark.parametrize(("typed", "status", "code"), [
    ("HMC-RC-7K3M-Q9PY", 404, "certificate_number.unknown"),   # the council never issued it
    ("XYZ-RC-7K3M-Q9PX", 404, "certificate_number.unknown"),   # no council has that prefix
    ("HMC-RC-7K3M-Q9PU", 404, "certificate_number.unknown"),   # U is not Crockford base32
    ("hello", 400, "certificate_number.malformed"),
    ("   ", 400, "request.invalid"),
])
def test_no_such_certificate_is_a_machine_readable_4xx(
        client: TestClient, typed: str, status: int, code: str) -> None:
    response = lookup(client, typed)
    assert response.status_code == status, response.text
    assert response.json()["error"] == code
    assert response.json()["hint"]


def test_a_number_of_a_council_no_trusted_issuer_covers(
        issuer_server: JwksServer, registry: Registry) -> None:
    dental_only = TrustedIssuer(issuer=f"{issuer_server.base_url}/councils/hdc",
                                jwks_uri=issuer_server.jwks_uri, name="dental")
    settings = VerifierSettings(trusted_issuers=[dental_only], algorithms=list(ALGORITHMS))
    trust = TrustStore.from_settings(settings)
    app = create_app(settings, clock=SetClock(NOW),
                     verifier=Verifier(trust, algorithms=ALGORITHMS, registry=registry))
    with TestClient(app) as c:
        response = lookup(c, NUMBER)
    trust.close()
    assert response.status_code == 404
    assert response.json()["error"] == "certificate_number.unknown"
    assert "Haryana Medical Council" in response.json()["detail"]


def test_an_unreachable_issuer_is_cannot_check_not_unknown(registry: Registry) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    trusted = TrustedIssuer(issuer=base, jwks_uri=f"{base}/jwks", name="down")
    settings = VerifierSettings(trusted_issuers=[trusted], algorithms=list(ALGORITHMS),
                                http_timeout_seconds=1)
    trust = TrustStore.from_settings(settings)
    app = create_app(settings, clock=SetClock(NOW),
                     verifier=Verifier(trust, algorithms=ALGORITHMS, registry=registry))
    with TestClient(app) as c:
        response = lookup(c, NUMBER)
    trust.close()
    assert response.status_code == 503
    assert response.json()["error"] == "upstream.unavailable"


def test_offline_verifier_says_it_cannot_look_up(registry: Registry,
                                                 issuer_server: JwksServer) -> None:
    trusted = TrustedIssuer(issuer=issuer_server.base_url, jwks_uri=issuer_server.jwks_uri,
                            name="Haryana (test)")
    settings = VerifierSettings(trusted_issuers=[trusted], algorithms=list(ALGORITHMS),
                                offline=True)
    trust = TrustStore.from_settings(settings)
    app = create_app(settings, clock=SetClock(NOW),
                     verifier=Verifier(trust, algorithms=ALGORITHMS, registry=registry))
    with TestClient(app) as c:
        response = lookup(c, NUMBER)
    trust.close()
    assert response.status_code == 503
    assert "offline" in response.json()["detail"]
