"""What a staff token reaches (issue 11, item 5): the role's permission before any lookup, and a
record of another council answered exactly as one that does not exist; the audit trail read by
council. Tokens that expire and are revoked (item 6), over the API."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from issuer.state import IssuerState
from tests.clock import TestClock
from tests.conftest import registrant_data
from tests.issuer.test_api import VCALM_CREDENTIAL

Tokens = Callable[..., str]


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _register(client: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post("/registrations", json=registrant_data(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _same(a: Any, b: Any, *ids: str) -> bool:
    """Whether two answers are alike but for the identifiers they were asked about."""
    def blank(text: str) -> str:
        # whole identifiers only, longest first: an id "9" must not blank part of "987654"
        for i in sorted(ids, key=len, reverse=True):
            text = re.sub(rf"(?<![0-9A-Za-z]){re.escape(i)}(?![0-9A-Za-z])", "ID", text)
        return text
    return bool(a.status_code == b.status_code and blank(a.text) == blank(b.text))


def test_a_record_of_another_council_answers_as_one_that_does_not_exist(
        client: TestClient, auth: dict[str, str], token_factory: Tokens) -> None:
    registration = _register(client, auth)
    issued = client.post(f"/registrations/{registration['id']}/certificates",
                         json={"type": "registration"}, headers=auth).json()
    number, absent_number = issued["certificate_number"], "HMC-RC-0000-0000"
    rid, absent_id = str(registration["id"]), "987654"
    dental = _headers(token_factory(councils=("hdc",)))
    revoke = {"reason": "error_in_data"}
    pairs = [
        (client.get(f"/registrations/{rid}", headers=dental),
         client.get(f"/registrations/{absent_id}", headers=dental), rid, absent_id),
        (client.post(f"/registrations/{rid}/certificates", json={"type": "registration"},
                     headers=dental),
         client.post(f"/registrations/{absent_id}/certificates", json={"type": "registration"},
                     headers=dental), rid, absent_id),
        (client.get(f"/credentials/{number}", headers=dental),
         client.get(f"/credentials/{absent_number}", headers=dental), number, absent_number),
        (client.post(f"/credentials/{number}/revoke", json=revoke, headers=dental),
         client.post(f"/credentials/{absent_number}/revoke", json=revoke, headers=dental),
         number, absent_number),
    ]
    for existing, absent, *ids in pairs:
        assert existing.status_code == 404 and existing.json()["error"] == "not_found"
        assert _same(existing, absent, *ids), (existing.text, absent.text)
        assert set(existing.json()) == {"error", "detail", "hint"}
    viewer = _headers(token_factory(role="viewer"))
    for target in (rid, absent_id):  # a role without the permission: 403 for any id
        refused = client.post(f"/registrations/{target}/certificates",
                              json={"type": "registration"}, headers=viewer)
        assert refused.status_code == 403 and refused.json()["error"] == "auth.forbidden"
    assert client.get(f"/credentials/{number}", headers=auth).status_code == 200


def test_review_of_another_councils_application_answers_as_absent(
        client: TestClient, auth: dict[str, str], token_factory: Tokens,
        state: IssuerState) -> None:
    from issuer.applicants.service import Applicant
    from issuer.applications import service as applications

    registration = _register(client, auth, professional={"email": "rev@example.org"})
    with state.sessions() as session:
        row = applications.submit(
            session, Applicant("rev@example.org"),
            applications.ApplicationIn(registration["id"], "good-standing",
                                       {"addressee": "GMC", "purpose": "Work"}),
            registry=state.registry, now=state.clock())
        session.commit()
        application = str(row.id)
    dental = _headers(token_factory(role="reviewer", councils=("hdc",)))
    mine = client.get(f"/review/applications/{application}", headers=dental)
    absent = client.get("/review/applications/987654", headers=dental)
    assert mine.status_code == 404 and _same(mine, absent, application, "987654")


def _vcalm(registration_number: str, **subject: str) -> dict[str, Any]:
    credential = json.loads(json.dumps(VCALM_CREDENTIAL))
    credential["credentialSubject"] |= {"registrationNumber": registration_number, **subject}
    return {"credential": credential}


def test_vcalm_issue_checks_permission_before_reading_the_register(
        client: TestClient, auth: dict[str, str], token_factory: Tokens) -> None:
    """A registrar of another council, or a viewer, cannot tell from the answer whether a number
    is registered or whether a claim such as fatherName matches it."""
    number = _register(client, auth)["registration_number"]
    probes = [_vcalm(number), _vcalm(number, fatherName="Somebody Else"),
              _vcalm("HMC/1900/0000001")]
    for token in (token_factory(councils=("hdc",)), token_factory(role="viewer")):
        answers = [client.post("/credentials/issue", json=p, headers=_headers(token))
                   for p in probes]
        assert {a.status_code for a in answers} == {403}
        assert {a.json()["error"] for a in answers} == {"auth.forbidden"}
        assert len({a.text for a in answers}) == 1
    wrong = client.post("/credentials/issue", json=_vcalm(number, fatherName="Somebody Else"),
                        headers=auth)
    assert wrong.status_code == 422  # its own council's registrar is told


def test_audit_is_read_by_council(client: TestClient, auth: dict[str, str],
                                  token_factory: Tokens) -> None:
    hmc = _register(client, auth, professional={"email": "hmc.person@example.org"})
    client.post(f"/registrations/{hmc['id']}/certificates", json={"type": "registration"},
                headers=auth)
    dental = _headers(token_factory(councils=("hdc",)))
    hdc = _register(client, dental, registration={
        "council_id": "hdc", "registration_number": "HDC/2016/0000042"})
    dental_admin = _headers(token_factory(role="admin", councils=("hdc",)))
    seen = client.get("/audit", params={"limit": 1000}, headers=dental_admin).json()
    subjects = {e["subject"] for e in seen}
    assert f"registration:{hdc['id']}" in subjects
    assert f"registration:{hmc['id']}" not in subjects
    text = json.dumps(seen)
    assert hmc["registration_number"] not in text and "hmc.person@example.org" not in text
    by_subject = client.get("/audit", params={"subject": f"registration:{hmc['id']}"},
                            headers=dental_admin)
    assert by_subject.json() == []
    everyone = _headers(token_factory(role="admin", councils=("*",)))
    every = client.get("/audit", params={"limit": 1000}, headers=everyone).json()
    assert {f"registration:{hmc['id']}", f"registration:{hdc['id']}"} <= {
        e["subject"] for e in every}
    assert {e["council_id"] for e in seen} == {"hdc"}


def test_a_token_expires(client: TestClient, token_factory: Tokens, clock: TestClock,
                         state: IssuerState) -> None:
    from issuer.auth.service import create_token

    with state.sessions() as session:
        _row, secret = create_token(session, name="short", role="viewer", councils=["hmc"],
                                    now=clock(), days=1,
                                    known_councils=set(state.registry.councils))
        session.commit()
    assert client.get("/review/sla", headers=_headers(secret)).status_code == 403
    clock.advance(timedelta(days=1))
    expired = client.get("/review/sla", headers=_headers(secret))
    assert expired.status_code == 401 and expired.json()["error"] == "auth.unauthenticated"
    default = token_factory(role="reviewer")  # made at NOW: 90 days by default
    assert client.get("/review/sla", headers=_headers(default)).status_code == 200
    clock.advance(timedelta(days=89))
    assert client.get("/review/sla", headers=_headers(default)).status_code == 401


@pytest.mark.parametrize("days", [0, -1, 731])
def test_a_token_lifetime_is_bounded(state: IssuerState, days: int) -> None:
    from issuer.auth.service import create_token
    from schemas.errors import InvalidData

    with state.sessions() as session, pytest.raises(InvalidData) as raised:
        create_token(session, name="x", role="viewer", councils=["hmc"], now=state.clock(),
                     days=days, known_councils=set(state.registry.councils))
    assert raised.value.code == "data.invalid"


def test_headers_nosniff_everywhere_and_a_csp_on_the_docs(client: TestClient) -> None:
    import base64
    import hashlib

    for path in ("/openapi.json", "/no-such-route", "/.well-known/jwks.json", "/p", "/s"):
        assert client.get(path).headers["x-content-type-options"] == "nosniff", path
    docs = client.get("/docs")
    policy = docs.headers["content-security-policy"]
    assert docs.headers["x-content-type-options"] == "nosniff"
    [inline] = re.findall(r"<script>(.*?)</script>", docs.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    scripts = re.search(r"script-src ([^;]*)", policy)
    assert scripts is not None
    assert scripts.group(1).split() == ["https://cdn.jsdelivr.net", f"'sha256-{digest}'"]
    assert "default-src 'none'" in policy and "'unsafe-eval'" not in policy
    assert int(docs.headers["content-length"]) == len(docs.content)
    redoc = client.get("/redoc").headers["content-security-policy"]
    assert "script-src https://cdn.jsdelivr.net;" in redoc and "default-src 'none'" in redoc
