"""Every 4xx of the issuer in the one shape of ``docs/errors.md``: its own errors, an unknown route,
a wrong method and a request that does not fit the route's schema; HTML on the pages."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response  # what the TestClient answers with

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
