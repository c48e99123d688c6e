"""The issuer over HTTP: authentication, registration, issuance, fetching, VCALM, JWKS, rotation."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk, jws
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.audit import service as audit_service
from issuer.credentials import vcalm
from issuer.credentials.models import IssuedCredential
from issuer.keystore import service as keystore
from issuer.registry.models import Registration
from tests.clock import NOW
from tests.conftest import PASSPHRASE, registrant_data

VCALM_CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential", "GoodStandingCertificate"],
    "issuer": "https://pramaan.hr.gov.in/councils/hmc",
    "credentialSubject": {"name": "Dr. Venkata Lakshmi Narasimha Rao Bhagavatula",
                          "addressee": "Medical Council of Ireland",
                          "purpose": "Registration abroad"},
}


def _register(client: TestClient, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post("/registrations", json=registrant_data(**overrides), headers=auth)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _issue(client: TestClient, auth: dict[str, str], registration_id: int,
           body: dict[str, str] | None = None, **headers: str) -> Any:
    return client.post(f"/registrations/{registration_id}/certificates",
                       json=body or {"type": "registration"}, headers=auth | headers)


def test_staff_endpoints_refuse_missing_and_wrong_tokens(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer prm_not-a-token"},
                    {"Authorization": "Basic abc"}):
        response = client.post("/registrations", json=registrant_data(), headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "auth.unauthenticated"


def test_register_then_issue_then_fetch_every_format(client: TestClient,
                                                     auth: dict[str, str]) -> None:
    registration = _register(client, auth)
    issued = _issue(client, auth, registration["id"])
    assert issued.status_code == 201, issued.text
    body = issued.json()
    number = body["certificate_number"]
    jwt_response = client.get(f"/credentials/{number}",
                              headers=auth | {"Accept": "application/vc+jwt"})
    assert jwt_response.headers["content-type"] == "application/vc+jwt"
    assert jwt_response.text == body["token"]
    as_json = client.get(f"/credentials/{number}?format=json", headers=auth).json()
    assert as_json["credential"]["credentialSubject"]["registrationNumber"] == \
        registration["registration_number"]
    pdf = client.get(f"/credentials/{number}", headers=auth | {"Accept": "application/pdf"})
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_invalid_registration_gets_machine_readable_problems(client: TestClient,
                                                            auth: dict[str, str]) -> None:
    data = registrant_data(registration={"valid_until": "2000-01-01"})
    data["professional"]["email"] = "not-an-email"
    response = client.post("/registrations", json=data, headers=auth)
    assert (response.status_code, response.json()["error"]) == (400, "request.invalid")
    fields = {p["field"] for p in response.json()["problems"]}
    assert {"professional/email", "registration"} <= fields


def test_duplicate_registration_is_a_conflict(client: TestClient, auth: dict[str, str]) -> None:
    data = registrant_data()
    assert client.post("/registrations", json=data, headers=auth).status_code == 201
    again = client.post("/registrations", json=data, headers=auth)
    assert again.status_code == 409 and again.json()["error"] == "conflict"


def test_other_councils_registrations_are_out_of_reach(
        client: TestClient, auth: dict[str, str], token_factory: Callable[..., str]) -> None:
    registration = _register(client, auth)
    dental = {"Authorization": f"Bearer {token_factory(councils=('hdc',))}"}
    response = _issue(client, dental, registration["id"])  # as if it did not exist
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert client.get(f"/registrations/{registration['id']}", headers=dental).status_code == 404


def test_idempotency_key_over_http(client: TestClient, auth: dict[str, str]) -> None:
    registration = _register(client, auth)
    retried = auth | {"Idempotency-Key": "abc"}
    first = _issue(client, retried, registration["id"])
    second = _issue(client, retried, registration["id"])
    assert first.json()["certificate_number"] == second.json()["certificate_number"]
    other = _issue(client, auth, registration["id"], {"type": "noc", "purpose": "x",
                                                      "destination": "y"},
                   **{"Idempotency-Key": "abc"})
    assert other.status_code == 409 and other.json()["error"] == "idempotency.mismatch"


def test_a_crash_mid_issuance_leaves_nothing_behind(
        client: TestClient, auth: dict[str, str], session: Session,
        monkeypatch: pytest.MonkeyPatch) -> None:
    registration = _register(client, auth)

    def audit_fails(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("disk full while writing the audit event")

    monkeypatch.setattr(audit_service, "record", audit_fails)
    crashing = TestClient(client.app, raise_server_exceptions=False)
    assert _issue(crashing, auth, registration["id"]).status_code == 500
    assert session.scalar(select(func.count()).select_from(IssuedCredential)) == 0


def test_vcalm_issue_returns_an_enveloped_credential(client: TestClient,
                                                     auth: dict[str, str]) -> None:
    registration = _register(client, auth)
    credential = json.loads(json.dumps(VCALM_CREDENTIAL))
    credential["credentialSubject"]["registrationNumber"] = registration["registration_number"]
    response = client.post("/credentials/issue", json={"credential": credential,
                                                       "options": {"anything": True}},
                           headers=auth)
    assert response.status_code == 201, response.text
    envelope = response.json()["verifiableCredential"]
    assert envelope["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    assert envelope["id"].startswith("data:application/vc+jwt,eyJ")


@pytest.mark.parametrize(("change", "field"), [
    ({"issuer": "https://elsewhere.example/councils/hmc"}, "issuer"),
    ({"credentialSubject": {"name": "Somebody Else"}}, "credentialSubject.name"),
    ({"credentialSubject": {"name": ["Dr.", "Bhagavatula"]}}, "credentialSubject.name"),
    ({"credentialSubject": {"registrationDate": "2016-07-15"}},
     "credentialSubject.registrationDate"),
    ({"type": ["VerifiableCredential", "DrivingLicence"]}, "type"),
    ({"@context": ["https://www.w3.org/2018/credentials/v1"]}, "@context"),
])
def test_vcalm_issue_refuses_claims_the_register_does_not_hold(
        client: TestClient, auth: dict[str, str], change: dict[str, Any], field: str) -> None:
    registration = _register(client, auth)
    credential = json.loads(json.dumps(VCALM_CREDENTIAL))
    credential["credentialSubject"]["registrationNumber"] = registration["registration_number"]
    for key, value in change.items():
        if isinstance(value, dict):
            credential[key] |= value
        else:
            credential[key] = value
    response = client.post("/credentials/issue", json={"credential": credential}, headers=auth)
    assert response.status_code == 422
    assert response.json()["error"] == "data.invalid"
    assert field in response.json()["detail"] or field == "type"


@pytest.mark.parametrize(("change", "field"), [
    ({"id": "https://example.org/c/mine"}, "id"),
    ({"validFrom": "2020-01-01T00:00:00+05:30"}, "validFrom"),
    ({"validUntil": "2099-12-31T23:59:59+05:30"}, "validUntil"),
    ({"credentialStatus": {"type": "BitstringStatusListEntry"}}, "credentialStatus"),
    ({"credentialSchema": {"id": "https://example.org/s.json", "type": "JsonSchema"}},
     "credentialSchema"),
    ({"evidence": [{"type": "DocumentVerification"}]}, "evidence"),
    ({"termsOfUse": [{"type": "IssuerPolicy"}]}, "termsOfUse"),
    ({"refreshService": {"type": "ManualRefreshService2018"}}, "refreshService"),
    ({"name": "Certificate of Good Standing"}, "name"),
    ({"description": "Issued on request"}, "description"),
    ({"relatedResource": [{"id": "https://example.org/photo.jpg"}]}, "relatedResource"),
    ({"@context": ["https://www.w3.org/ns/credentials/v2", "https://example.org/ctx"]},
     "@context"),
    ({"credentialSubject": {"id": "did:example:holder"}}, "credentialSubject.id"),
    ({"credentialSubject": {"destination": "Ireland"}}, "credentialSubject.destination"),
    ({"credentialSubject": {"type": "Person"}}, "credentialSubject.type"),
    ({"credentialSubject": {"councilHi": "कोई और परिषद"}}, "credentialSubject.councilHi"),
    ({"credentialSubject": {"qualifications": [{"degree": "MD", "university": "Elsewhere",
                                                "year": 2001}]}},
     "credentialSubject.qualifications"),
])
def test_vcalm_issue_refuses_what_it_would_not_honour(
        client: TestClient, auth: dict[str, str], change: dict[str, Any], field: str) -> None:
    """Not 201 with the field silently dropped or replaced: a 422 naming it."""
    registration = _register(client, auth)
    credential = json.loads(json.dumps(VCALM_CREDENTIAL))
    credential["credentialSubject"]["registrationNumber"] = registration["registration_number"]
    for key, value in change.items():
        credential[key] = credential[key] | value if key == "credentialSubject" else value
    response = client.post("/credentials/issue", json={"credential": credential}, headers=auth)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "data.invalid"
    assert response.json()["detail"].startswith(f"{field} ")


def test_vcalm_issue_accepts_the_documented_subset(client: TestClient,
                                                   auth: dict[str, str]) -> None:
    """Every claim docs/credential.md accepts, each as the register holds it, is still a 201."""
    registration = _register(client, auth)
    issued = _issue(client, auth, registration["id"]).json()["token"]
    segment = issued.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    credential = json.loads(json.dumps(VCALM_CREDENTIAL))
    credential["@context"] = payload["@context"]
    credential["credentialSubject"] |= payload["credentialSubject"]
    assert set(credential["credentialSubject"]) == {*vcalm.SUBJECT_CLAIMS, "addressee", "purpose"}
    response = client.post("/credentials/issue", json={"credential": credential}, headers=auth)
    assert response.status_code == 201, response.text


def test_jwks_verifies_with_an_independent_jose_library(client: TestClient,
                                                        auth: dict[str, str]) -> None:
    registration = _register(client, auth)
    token = _issue(client, auth, registration["id"]).json()["token"]
    document = client.get("/.well-known/jwks.json").json()
    assert all("d" not in key for key in document["keys"])
    keyset = jwk.JWKSet.from_json(json.dumps(document))
    verifier = jws.JWS()
    verifier.deserialize(token)
    kid = verifier.jose_header["kid"]
    verifier.verify(keyset.get_key(kid), alg="ES256")
    payload = json.loads(verifier.payload)
    assert payload["type"] == ["VerifiableCredential", "RegistrationCertificate"]


def test_a_credential_signed_before_rotation_still_verifies_after(
        client: TestClient, auth: dict[str, str], session: Session) -> None:
    registration = _register(client, auth)
    before = _issue(client, auth, registration["id"]).json()
    keystore.rotate(session, alg="EdDSA", passphrase=PASSPHRASE, now=NOW,
                    prepublish=timedelta(0), kdf_cost=10)
    session.commit()
    after = _issue(client, auth, registration["id"], {"type": "good-standing",
                                                      "addressee": "a", "purpose": "b"}).json()
    assert after["kid"] != before["kid"]
    keyset = jwk.JWKSet.from_json(client.get("/.well-known/jwks.json").text)
    for issued, alg in ((before, "ES256"), (after, "EdDSA")):
        verifier = jws.JWS()
        verifier.deserialize(issued["token"])
        verifier.verify(keyset.get_key(issued["kid"]), alg=alg)


def test_public_certificate_url_opens_the_verifier_page(client: TestClient,
                                                        auth: dict[str, str]) -> None:
    registration = _register(client, auth)
    issued = _issue(client, auth, registration["id"]).json()
    path = issued["credential_id"].removeprefix("https://pramaan.hr.gov.in")
    page = client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303
    location = page.headers["location"]
    assert location.startswith("https://verify.pramaan.hr.gov.in/v#")
    assert location.split("#", 1)[1].isdigit()
    token = client.get(path, headers={"Accept": "application/vc+jwt"})
    assert token.text == issued["token"]
    assert client.get("/c/HMC-RC-0000-0000").status_code == 404


def test_audit_trail_is_readable_by_admins_only(client: TestClient, auth: dict[str, str],
                                                token_factory: Callable[..., str]) -> None:
    registration = _register(client, auth)
    number = _issue(client, auth, registration["id"]).json()["certificate_number"]
    assert client.get("/audit", headers=auth).status_code == 403
    admin = {"Authorization": f"Bearer {token_factory(role='admin', councils=('*',))}"}
    events = client.get("/audit", params={"subject": f"credential:{number}"}, headers=admin)
    assert [e["action"] for e in events.json()] == ["credential.issued"]


def test_oversized_bodies_are_refused_before_parsing(client: TestClient,
                                                     auth: dict[str, str]) -> None:
    response = client.post("/registrations", content=b"{" + b" " * 300_000 + b"}",
                           headers=auth | {"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"] == "request.too_large"


def test_streamed_bodies_without_a_length_are_counted(client: TestClient, auth: dict[str, str],
                                                      session: Session) -> None:
    """A chunked body declares no length: it is counted as it arrives and refused past the cap,
    and nothing is written; a small chunked body still works."""
    def chunks(total: int) -> Iterator[bytes]:
        yield b'{"professional": "'
        for _ in range(total // 10_000):
            yield b"x" * 10_000
        yield b'"}'

    before = session.scalar(select(func.count()).select_from(Registration))
    response = client.post("/registrations", content=chunks(1_000_000),
                           headers=auth | {"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"] == "request.too_large"
    assert session.scalar(select(func.count()).select_from(Registration)) == before
    small = client.post("/registrations", content=iter([json.dumps(registrant_data()).encode()]),
                        headers=auth | {"Content-Type": "application/json"})
    assert small.status_code == 201, small.text


def test_openapi_docs_are_served(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/credentials/issue", "/registrations/{registration_id}/certificates",
            "/.well-known/jwks.json"} <= set(paths)
