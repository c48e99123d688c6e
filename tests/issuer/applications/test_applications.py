"""Applying, reviewing and approving over the API, with who may see and do what."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.outbox import service as outbox
from issuer.state import IssuerState
from tests.issuer.applications.conftest import PDF, Person, gsc

Staff = Callable[..., dict[str, str]]
MakePerson = Callable[..., Person]


def _apply(client: TestClient, someone: Person, **body: object) -> int:
    response = client.post("/me/applications", json=gsc(someone) | body,
                           headers=someone.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_apply_review_approve_issues_and_enqueues_delivery(
        client: TestClient, session: Session, person: MakePerson, staff: Staff) -> None:
    someone = person()
    application = _apply(client, someone)
    mine = client.get("/me/applications", headers=someone.headers).json()
    assert [(a["id"], a["state"]) for a in mine] == [(application, "submitted")]

    registrar = staff("registrar")
    queue = client.get("/review/queue?council=hmc&type=good-standing", headers=registrar).json()
    assert application in [a["id"] for a in queue]
    review = client.get(f"/review/applications/{application}", headers=registrar).json()
    record = review["registry_record"]
    assert record["registration"]["registration_number"] == \
        someone.registration.registration_number
    assert record["email"] == someone.email and record["qualifications"]

    approved = client.post(f"/review/applications/{application}/approve", json={},
                           headers=registrar)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["state"] == "approved" and body["certificate_number"].startswith("HMC-GS-")
    assert [e["action"] for e in body["history"]] == ["submitted", "approved"]
    row = credentials.get(session, body["certificate_number"])
    assert credentials.credential_of(row)["credentialSubject"]["addressee"] == \
        "General Medical Council, United Kingdom"
    assert {"credential": row.id} in [m.payload for m in outbox.pending(session)
                                      if m.kind == "mail.certificate"]
    pdf = client.get(f"/me/applications/{application}/certificate", headers=someone.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    jwt = client.get(f"/me/applications/{application}/certificate?format=jwt",
                     headers=someone.headers)
    assert jwt.text == row.token
    assert application not in [a["id"] for a in client.get("/review/queue",
                                                            headers=registrar).json()]


def test_query_answer_then_reject_with_a_reason(client: TestClient, person: MakePerson,
                                                staff: Staff) -> None:
    someone = person()
    application = _apply(client, someone)
    reviewer = staff("reviewer")
    asked = client.post(f"/review/applications/{application}/query",
                        json={"question": "Which regulator exactly?"}, headers=reviewer)
    assert asked.json()["state"] == "queried"
    queue = client.get("/review/queue", headers=reviewer).json()
    assert application not in [a["id"] for a in queue], "the applicant has the move"
    answered = client.post(f"/me/applications/{application}/answer",
                           json={"message": "GMC, Manchester"}, headers=someone.headers)
    assert answered.json()["state"] == "answered"
    rejected = client.post(f"/review/applications/{application}/reject",
                           json={"reason": "Registration under inquiry"}, headers=reviewer)
    assert rejected.status_code == 200
    seen = client.get(f"/me/applications/{application}", headers=someone.headers).json()
    assert seen["state"] == "rejected" and seen["decision_reason"] == "Registration under inquiry"
    assert [(e["action"], e["message"]) for e in seen["history"]] == [
        ("submitted", None), ("queried", "Which regulator exactly?"),
        ("answered", "GMC, Manchester"), ("rejected", "Registration under inquiry")]
    again = client.post(f"/review/applications/{application}/approve", json={},
                        headers=staff("registrar"))
    assert (again.status_code, again.json()["error"]) == (409, "application.invalid_transition")
    late = client.post(f"/me/applications/{application}/answer", json={"message": "more"},
                       headers=someone.headers)
    assert late.json()["error"] == "application.invalid_transition"


def test_a_reviewer_cannot_approve(client: TestClient, person: MakePerson, staff: Staff) -> None:
    application = _apply(client, person())
    refused = client.post(f"/review/applications/{application}/approve", json={},
                          headers=staff("reviewer"))
    assert (refused.status_code, refused.json()["error"]) == (403, "auth.forbidden")
    assert client.get(f"/review/applications/{application}",
                      headers=staff("reviewer")).json()["state"] == "submitted"
    viewer = client.get(f"/review/applications/{application}", headers=staff("viewer"))
    assert viewer.status_code == 403, "a viewer does not review applications"


def test_staff_of_another_council_are_refused(client: TestClient, person: MakePerson,
                                              staff: Staff) -> None:
    someone = person()
    application = _apply(client, someone)
    document = client.post(f"/me/applications/{application}/documents",
                           files={"file": ("letter.pdf", PDF, "application/pdf")},
                           headers=someone.headers).json()["id"]
    other = staff("registrar", ("hdc",))
    for method, url, body in [
            ("GET", f"/review/applications/{application}", None),
            ("GET", f"/review/applications/{application}/documents/{document}", None),
            ("POST", f"/review/applications/{application}/approve", {}),
            ("POST", f"/review/applications/{application}/reject", {"reason": "no"}),
            ("POST", f"/review/applications/{application}/query", {"question": "?"}),
            ("GET", "/review/queue?council=hmc", None)]:
        response = client.request(method, url, json=body, headers=other)
        # the council named in the request: 403; a record by id: 404, as if it did not exist
        expected = (403, "auth.forbidden") if "council=" in url else (404, "not_found")
        assert (response.status_code, response.json()["error"]) == expected, url
    assert application not in [a["id"] for a in client.get("/review/queue",
                                                           headers=other).json()]


def test_a_professional_cannot_see_anothers_application_or_documents(
        client: TestClient, person: MakePerson) -> None:
    owner, intruder = person(), person()
    application = _apply(client, owner)
    document = client.post(f"/me/applications/{application}/documents",
                           files={"file": ("letter.pdf", PDF, "application/pdf")},
                           headers=owner.headers).json()["id"]
    for method, url, body in [
            ("GET", f"/me/applications/{application}", None),
            ("GET", f"/me/applications/{application}/documents/{document}", None),
            ("GET", f"/me/applications/{application}/certificate", None),
            ("POST", f"/me/applications/{application}/answer", {"message": "x"}),
            ("POST", f"/me/applications/{application}/documents", None)]:
        kwargs: dict[str, object] = {"json": body} if body is not None else {}
        if url.endswith("/documents"):
            kwargs = {"files": {"file": ("x.pdf", PDF, "application/pdf")}}
        response = client.request(method, url, headers=intruder.headers, **kwargs)  # type: ignore[arg-type]
        assert (response.status_code, response.json()["error"]) == (404, "not_found"), url
    assert client.get("/me/applications", headers=intruder.headers).json() == []
    foreign = client.post("/me/applications", json=gsc(owner), headers=intruder.headers)
    assert foreign.status_code == 404, "cannot apply on someone else's registration"
    own = client.get(f"/me/applications/{application}/documents/{document}",
                     headers=owner.headers)
    assert own.status_code == 200 and own.content == PDF
    assert own.headers["x-content-type-options"] == "nosniff"
    assert own.headers["content-disposition"].startswith("attachment")


def test_application_rules(client: TestClient, person: MakePerson) -> None:
    someone = person()
    missing = client.post("/me/applications", json=gsc(someone) | {"addressee": None},
                          headers=someone.headers)
    assert (missing.status_code, missing.json()["error"]) == (422, "data.invalid")
    stray = client.post("/me/applications", json=gsc(someone) | {"destination": "Punjab"},
                        headers=someone.headers)
    assert stray.status_code == 422
    _apply(client, someone)
    twice = client.post("/me/applications", json=gsc(someone), headers=someone.headers)
    assert (twice.status_code, twice.json()["error"]) == (409, "application.duplicate")
    provisional = person(registration_type="provisional")
    noc = client.post("/me/applications", headers=provisional.headers, json={
        "registration_id": provisional.registration.id, "kind": "noc",
        "purpose": "Transfer", "destination": "Punjab Medical Council"})
    assert (noc.status_code, noc.json()["error"]) == (409, "registration.not_permanent")
    lapsed = person(valid_from="2015-01-01", valid_until="2020-01-01")
    old = client.post("/me/applications", json=gsc(lapsed), headers=lapsed.headers)
    assert (old.status_code, old.json()["error"]) == (409, "registration.not_current")


def test_duplicate_replaces_the_current_certificate(
        client: TestClient, session: Session, person: MakePerson, staff: Staff,
        state: IssuerState) -> None:
    someone = person()
    registrar = staff("registrar")
    first = client.post(f"/registrations/{someone.registration.id}/certificates",
                        json={"type": "registration"}, headers=registrar).json()
    application = _apply(client, someone, kind="duplicate", addressee=None, purpose=None)
    body = client.post(f"/review/applications/{application}/approve", json={},
                       headers=registrar).json()
    new = credentials.get(session, body["certificate_number"])
    old = credentials.get(session, first["certificate_number"])
    session.refresh(old)
    assert (old.state, old.state_reason, old.replaced_by_id) == ("revoked", "superseded", new.id)
    assert new.valid_until == old.valid_until


def test_renewal_extends_the_register_and_supersedes(
        client: TestClient, session: Session, person: MakePerson, staff: Staff) -> None:
    someone = person()
    registrar = staff("registrar")
    first = client.post(f"/registrations/{someone.registration.id}/certificates",
                        json={"type": "registration"}, headers=registrar).json()
    application = _apply(client, someone, kind="renewal", addressee=None, purpose=None)
    without = client.post(f"/review/applications/{application}/approve", json={},
                          headers=registrar)
    assert (without.status_code, without.json()["error"]) == (422, "data.invalid")
    body = client.post(f"/review/applications/{application}/approve",
                       json={"renewed_until": "2034-07-13"}, headers=registrar).json()
    assert body["state"] == "approved", body
    new: IssuedCredential = credentials.get(session, body["certificate_number"])
    session.refresh(someone.registration)
    assert someone.registration.valid_until == date(2034, 7, 13)
    assert new.valid_until.date() >= date(2034, 7, 13)
    old = credentials.get(session, first["certificate_number"])
    session.refresh(old)
    assert (old.state, old.replaced_by_id) == ("revoked", new.id)


def test_sla_and_public_stats(client: TestClient, person: MakePerson, staff: Staff) -> None:
    registrar = staff("registrar")
    waiting = _apply(client, person())
    done = _apply(client, person())
    client.post(f"/review/applications/{done}/approve", json={}, headers=registrar)
    [hmc] = client.get("/review/sla", headers=registrar).json()
    assert hmc["council"] == "hmc" and hmc["waiting"] >= 1 and hmc["decided_30_days"] >= 1
    assert hmc["oldest_wait_hours"] is not None
    assert waiting
    stats = client.get("/stats")
    assert stats.status_code == 200 and "public" in stats.headers["cache-control"]
    body = stats.json()
    assert any(row["council"] == "hmc" and row["type"] == "good-standing" and row["count"] >= 1
               for row in body["certificates_issued"])
    assert body["processing"]["approved"] >= 1
    assert body["processing"]["by_council"]["hmc"]["median_hours"] is not None
    assert "@" not in stats.text, "no personal data in public statistics"


def test_details_the_certificate_cannot_print_are_refused_on_submission(
        client: TestClient, person: MakePerson) -> None:
    someone = person()
    response = client.post("/me/applications", headers=someone.headers,
                           json=gsc(someone) | {"purpose": "Registration abroad 王"})
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["error"], set(body)) == ("data.invalid", {"error", "detail", "hint"})
    assert body["detail"].startswith("purpose: U+738B")  # a NUL is refused sooner, as a 400
    assert client.get("/me/applications", headers=someone.headers).json() == []
