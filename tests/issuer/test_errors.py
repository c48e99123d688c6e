"""Every 4xx of the issuer in the one shape of ``docs/errors.md``: its own errors, an unknown route,
a wrong method and a request that does not fit the route's schema; HTML on the pages."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response  # what the TestClient answers with
from sqlalchemy.orm import Session

from issuer.applicants import service as applicants
from issuer.state import IssuerState
from tests.clock import NOW
from tests.conftest import registrant_data


def assert_error(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["error"] == code and body["detail"] and "hint" in body, body
    return body


def test_an_unknown_route(client: TestClient) -> None:
    body = assert_error(client.get("/nowhere"), 404, "not_found")
    assert "/nowhere" in body["detail"] and body["hint"]


def test_a_method_the_route_does_not_take(client: TestClient) -> None:
    response = client.delete("/registrations/1/certificates")
    body = assert_error(response, 405, "request.method_not_allowed")
    assert body["detail"] == "DELETE /registrations/1/certificates is not allowed"
    assert response.headers["allow"] == "POST" and "POST" in body["hint"]


def test_a_request_that_does_not_fit_the_schema(client: TestClient, auth: dict[str, str]
                                                ) -> None:
    response = client.get("/credentials/HMC-1?format=xml", headers=auth)
    body = assert_error(response, 400, "request.invalid")
    assert body["detail"] == "query/format: Input should be 'json', 'jwt' or 'pdf'"
    assert body["hint"] and body["problems"] == [
        {"field": "format", "problem": "Input should be 'json', 'jwt' or 'pdf'"}]


def test_every_offending_field_is_listed(client: TestClient, auth: dict[str, str]) -> None:
    data = registrant_data(registration={"registration_type": "honorary"})
    data["professional"]["email"] = "not-an-email"
    body = assert_error(client.post("/registrations", json=data, headers=auth), 400,
                        "request.invalid")
    assert body["detail"].startswith("body/") and "(and 1 more problem)" in body["detail"]
    assert {p["field"] for p in body["problems"]} == {"professional/email",
                                                      "registration/registration_type"}


def test_a_body_that_is_not_json(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/registrations", content=b"{not json",
                           headers=auth | {"Content-Type": "application/json"})
    assert assert_error(response, 400, "request.invalid")["detail"].startswith("body/")


def test_a_pramaan_error(client: TestClient, auth: dict[str, str]) -> None:
    data = registrant_data()
    assert client.post("/registrations", json=data, headers=auth).status_code == 201
    body = assert_error(client.post("/registrations", json=data, headers=auth), 409, "conflict")
    assert body["hint"] == "look it up instead of adding it again"
    missing = assert_error(client.get("/registrations/1/certificates"), 405,
                           "request.method_not_allowed")
    assert missing["hint"] == "this route takes POST"
    unauthenticated = assert_error(client.post("/registrations", json=data), 401,
                                   "auth.unauthenticated")
    assert set(unauthenticated) == {"error", "detail", "hint"}


def test_the_pages_answer_errors_in_html(client: TestClient) -> None:
    response = client.get("/p/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-error="not_found"' in response.text


PAST_INTEGER = 2**31  # past PostgreSQL's INTEGER, which every id column is
PAST_BIGINT = 2**63  # past SQLite's integer


@pytest.mark.parametrize("path", [
    "/status/revocation/{}", "/status/{}/token", "/registrations/{}",
    "/review/applications/{}", "/review/applications/1/documents/{}", "/registrations/0",
])
@pytest.mark.parametrize("number", [PAST_INTEGER, PAST_BIGINT, -1])
def test_an_id_out_of_range_is_400(client: TestClient, auth: dict[str, str], path: str,
                                   number: int) -> None:
    """On PostgreSQL these were 500s ("integer out of range"); on SQLite past 2^63."""
    body = assert_error(client.get(path.format(number), headers=auth), 400, "request.invalid")
    assert body["detail"].startswith("path/")


@pytest.mark.parametrize("number", [PAST_INTEGER, PAST_BIGINT])
def test_an_id_out_of_range_in_a_body_or_an_applicants_path_is_400(
        client: TestClient, state: IssuerState, session: Session, number: int) -> None:
    token = applicants.issue_session(session, "v.bhagavatula@example.org",
                                     policy=state.sign_in_policy, now=NOW).token
    session.commit()
    professional = {"Authorization": f"Bearer {token}"}
    applied = client.post("/me/applications", headers=professional,
                          json={"registration_id": number, "kind": "good-standing"})
    assert assert_error(applied, 400, "request.invalid")["problems"][0]["field"] == \
        "registration_id"
    assert_error(client.get(f"/me/applications/{number}", headers=professional), 400,
                 "request.invalid")


@pytest.mark.parametrize("url", [
    "/c/%00", "/credentials/HMC-RC%00-1", "/audit?subject=%00", "/review/queue?council=%00",
    "/review/queue?council=hmc%0A", "/c/HMC%1F/status"])
def test_a_control_character_in_the_url_is_400(client: TestClient, auth: dict[str, str],
                                               url: str) -> None:
    """PostgreSQL refuses NUL in any text: these were 500s there."""
    body = assert_error(client.get(url, headers=auth), 400, "request.invalid")
    assert "control character" in body["detail"]


def test_a_control_character_in_a_body_is_400_naming_the_field(client: TestClient,
                                                               auth: dict[str, str]) -> None:
    link = client.post("/d/request", json={"certificate_number": "HMC-RC\u0000-1",
                                           "email": "a@example.org"})
    assert assert_error(link, 400, "request.invalid")["problems"] == [{
        "field": "certificate_number",
        "problem": "Value error, the text holds the control character U+0000"}]
    data = registrant_data()
    data["professional"]["father_name"] = "Rao\u0000"
    data["registration"]["qualifications"][0]["degree"] = "MBBS\u0007"
    registered = client.post("/registrations", json=data, headers=auth)
    assert {p["field"] for p in assert_error(registered, 400, "request.invalid")["problems"]} \
        == {"professional/father_name", "registration/qualifications/0/degree"}
    issued = client.post("/credentials/issue", headers=auth, json={
        "credential": {"credentialSubject": {"name": ["Rao\u0000"]}}})
    assert "credentialSubject/name/0 holds the control character U+0000" in \
        assert_error(issued, 400, "request.invalid")["detail"]


def test_free_text_keeps_its_line_breaks_but_not_nul(client: TestClient,
                                                     auth: dict[str, str]) -> None:
    """A note may run over lines; NUL is refused there too."""
    number = "HMC-RC-0000-0000"  # no such certificate: a note that passes gets as far as the lookup
    assert_error(client.post(f"/credentials/{number}/revoke", headers=auth,
                             json={"reason": "fraud", "note": "line one\nline two"}),
                 404, "not_found")
    assert_error(client.post(f"/credentials/{number}/revoke", headers=auth,
                             json={"reason": "fraud", "note": "a\u0000"}),
                 400, "request.invalid")


def test_deeply_nested_json_is_400(client: TestClient, auth: dict[str, str]) -> None:
    body = b'{"professional": ' + b"[" * 32_000 + b"]" * 32_000 + b"}"
    response = client.post("/registrations", content=body,
                           headers=auth | {"Content-Type": "application/json"})
    assert_error(response, 400, "request.invalid")
