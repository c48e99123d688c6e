"""The register's life over the staff API: thin routes over the services, 4xx for bad input."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from issuer.registry.models import Registration
from schemas.errors import ProceedingsOpen, RegisterTransition, RegistrationSuspended

EXTRA = {"registration": {},
         "good-standing": {"addressee": "GMC, London", "purpose": "registration abroad"}}


def _issue(client: TestClient, auth: dict[str, str], registration_id: int,
           certificate_type: str = "registration") -> dict[str, object]:
    response = client.post(f"/registrations/{registration_id}/certificates", headers=auth,
                           json={"type": certificate_type} | EXTRA[certificate_type])
    return {"status": response.status_code, **response.json()}


def test_suspend_and_restore_over_http(client: TestClient, auth: dict[str, str],
                                       make_registration: Callable[..., Registration]) -> None:
    registration = make_registration()
    issued = _issue(client, auth, registration.id)
    assert issued["status"] == 201, issued
    base = f"/registrations/{registration.id}"
    response = client.post(f"{base}/suspend", headers=auth, json={
        "reason": "disciplinary_inquiry", "until": "2027-01-31", "order": "HMC/DC/2026/17"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["registration"]["state"] == "suspended"
    assert body["certificates"]["suspended"] == [issued["certificate_number"]]
    refused = _issue(client, auth, registration.id, "good-standing")
    assert (refused["status"], refused["error"]) == (409, RegistrationSuspended.code)
    eligibility = client.get(f"{base}/eligibility", headers=auth,
                             params={"certificate_type": "good-standing"}).json()
    assert [r["error"] for r in eligibility] == [RegistrationSuspended.code]
    assert "निलंबित" in eligibility[0]["detail_hi"]
    response = client.post(f"{base}/restore", headers=auth, json={})
    assert response.json()["certificates"]["reinstated"] == [issued["certificate_number"]]
    again = client.post(f"{base}/restore", headers=auth, json={})
    assert (again.status_code, again.json()["error"]) == (409, RegisterTransition.code)
    history = client.get(f"{base}/history", headers=auth).json()
    assert [h["action"] for h in history] == ["suspended", "restored"]


def test_proceedings_and_corrections_over_http(
        client: TestClient, auth: dict[str, str],
        make_registration: Callable[..., Registration]) -> None:
    registration = make_registration()
    base = f"/registrations/{registration.id}"
    opened = client.post(f"{base}/proceedings", headers=auth,
                         json={"opened_on": "2026-11-20", "reference": "HMC/DC/9"})
    assert opened.status_code == 201, opened.text
    refused = _issue(client, auth, registration.id, "good-standing")
    assert refused["error"] == ProceedingsOpen.code
    closed = client.post(f"/proceedings/{opened.json()['id']}/close", headers=auth,
                         json={"closed_on": "2026-11-25", "outcome": "no case"})
    assert closed.json()["closed_on"] == "2026-11-25"
    issued = _issue(client, auth, registration.id, "good-standing")
    assert issued["status"] == 201
    corrected = client.post(f"{base}/correct", headers=auth,
                            json={"field": "name", "value": "Asha Rani Verma"})
    assert corrected.status_code == 200, corrected.text
    [[old, new]] = corrected.json()["certificates"]["reissued"]
    assert old == issued["certificate_number"] and new != old
    status = client.get(f"/c/{old}/status").json()
    assert status["state"] == "revoked" and status["reason"] == "superseded"


def test_bad_input_is_a_4xx(client: TestClient, auth: dict[str, str],
                            make_registration: Callable[..., Registration]) -> None:
    registration = make_registration()
    base = f"/registrations/{registration.id}"
    for path, body in [("suspend", {"reason": "whim"}), ("remove", {"reason": "bored"}),
                       ("correct", {"field": "gender", "value": "F"}),
                       ("suspend", {"reason": "other", "until": "2020-01-01"})]:
        response = client.post(f"{base}/{path}", headers=auth, json=body)
        assert 400 <= response.status_code < 500, (path, response.text)
    other = client.post("/registrations/999999/suspend", headers=auth, json={"reason": "other"})
    assert other.status_code == 404
    due = client.get("/councils/hmc/due-for-renewal", headers=auth)
    assert due.status_code == 200 and due.json() == []


def test_the_api_offers_exactly_the_services_reasons_and_fields() -> None:
    from typing import get_args

    from issuer.registry import api, corrections, lifecycle

    def choices(model: type, name: str) -> set[str]:
        return set(get_args(model.model_fields[name].annotation))  # type: ignore[attr-defined]

    assert choices(api.SuspendRegistrationIn, "reason") == set(lifecycle.SUSPENSION_REASONS)
    assert choices(api.RemoveIn, "reason") == set(lifecycle.REMOVAL_REASONS)
    assert choices(api.CorrectIn, "field") == set(corrections.FIELDS)
