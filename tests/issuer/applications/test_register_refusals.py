"""Applications and the register: refused at submission, flagged in the queue when the register
changes after it, shown as a block in the page's language with approval disabled."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from issuer.settings import IssuerSettings
from schemas.errors import ProceedingsOpen, RegistrationSuspended
from tests.issuer.applications.conftest import PDF, Person, gsc
from tests.issuer.applications.test_pages import _form_csrf, _page_sign_in

MakePerson = Callable[..., Person]


@pytest.fixture
def browser(client: TestClient) -> TestClient:
    """Over https, as in production: the session cookies are Secure."""
    return TestClient(client.app, base_url="https://testserver")


def _staff_sign_in(client: TestClient, token: str) -> None:
    signed = client.post("/s/sign-in", data={"token": token,
                                             "csrf": _form_csrf(client.get("/s").text)},
                         follow_redirects=False)
    assert signed.status_code == 303


def test_an_application_the_register_refuses_is_refused_at_once(
        client: TestClient, person: MakePerson, staff: Callable[..., dict[str, str]]) -> None:
    someone = person()
    registrar = staff()
    opened = client.post(f"/registrations/{someone.registration.id}/proceedings",
                         headers=registrar, json={"opened_on": "2026-11-20", "reference": "D-1"})
    assert opened.status_code == 201
    refused = client.post("/me/applications", json=gsc(someone), headers=someone.headers)
    assert (refused.status_code, refused.json()["error"]) == (409, ProceedingsOpen.code)


def test_the_queue_flags_only_the_application_whose_registration_has_proceedings_open(
        client: TestClient, browser: TestClient, person: MakePerson,
        staff: Callable[..., dict[str, str]]) -> None:
    accused, clear = person(), person()
    flagged, fine = (client.post("/me/applications", json=gsc(p), headers=p.headers).json()["id"]
                     for p in (accused, clear))
    registrar = staff()
    opened = client.post(f"/registrations/{accused.registration.id}/proceedings",
                         headers=registrar, json={"opened_on": "2026-11-20", "reference": "D-2"})
    assert opened.status_code == 201
    _staff_sign_in(browser, registrar["Authorization"].removeprefix("Bearer "))
    queue = browser.get("/s/queue?council=hmc").text
    assert f'data-ineligible="{flagged}"' in queue
    assert f'data-ineligible="{fine}"' not in queue and f'id="open-{fine}"' in queue


def test_the_desk_blocks_approval_when_the_register_changed_after_submission(
        client: TestClient, browser: TestClient, settings: IssuerSettings,
        person: MakePerson, staff: Callable[..., dict[str, str]]) -> None:
    someone = person()
    application = client.post("/me/applications", json=gsc(someone),
                              headers=someone.headers).json()["id"]
    registrar = staff()
    suspended = client.post(f"/registrations/{someone.registration.id}/suspend",
                            headers=registrar, json={"reason": "disciplinary_inquiry"})
    assert suspended.status_code == 200, suspended.text
    _staff_sign_in(browser, registrar["Authorization"].removeprefix("Bearer "))
    queue = browser.get("/s/queue?council=hmc").text
    assert f'data-ineligible="{application}"' in queue
    page = browser.get(f"/s/applications/{application}").text
    assert 'id="refusals"' in page and f'data-code="{RegistrationSuspended.code}"' in page
    assert "is suspended" in page
    assert re.search(r'id="approve"[^>]* disabled', page)
    confirm = browser.get(f"/s/applications/{application}/approve", follow_redirects=False)
    assert (confirm.status_code, confirm.headers["location"]) == (
        303, f"/s/applications/{application}")  # no confirmation page for what the register refuses
    hindi = browser.get(f"/s/applications/{application}?lang=hi").text
    assert "निलंबित है" in hindi and "रजिस्टर अभी यह प्रमाणपत्र" in hindi
    csrf = _form_csrf(page)
    forced = browser.post(f"/s/applications/{application}/approve", data={"csrf": csrf})
    assert forced.status_code == 409 and RegistrationSuspended.code in forced.text
    api = client.post(f"/review/applications/{application}/approve", headers=registrar,
                      json={})
    assert (api.status_code, api.json()["error"]) == (409, RegistrationSuspended.code)
    assert client.get(f"/review/applications/{application}",
                      headers=registrar).json()["state"] == "submitted"

    _page_sign_in(browser, settings, someone.email)
    mine = browser.get(f"/p/applications/{application}?lang=hi").text
    assert "यह आवेदन आगे नहीं बढ़ सकता" in mine and "निलंबित" in mine

    restored = client.post(f"/registrations/{someone.registration.id}/restore",
                           headers=registrar, json={})
    assert restored.status_code == 200
    assert f'data-ineligible="{application}"' not in browser.get("/s/queue?council=hmc").text


def test_a_correction_is_an_application_with_a_supporting_document(
        client: TestClient, person: MakePerson, staff: Callable[..., dict[str, str]]) -> None:
    someone = person()
    registrar = staff()
    rc = client.post(f"/registrations/{someone.registration.id}/certificates",
                     headers=registrar, json={"type": "registration"}).json()
    asked = {"registration_id": someone.registration.id, "kind": "correction",
             "field": "father_name", "value": "Sri Rama Chandra Murthy Bhagavatula Garu"}
    bad = client.post("/me/applications", json=asked | {"field": "gender"},
                      headers=someone.headers)
    assert bad.status_code == 422
    application = client.post("/me/applications", json=asked, headers=someone.headers)
    assert application.status_code == 201, application.text
    number = application.json()["id"]
    without = client.post(f"/review/applications/{number}/approve", headers=registrar, json={})
    assert without.status_code == 422 and "supporting document" in without.json()["detail"]
    uploaded = client.post(f"/me/applications/{number}/documents", headers=someone.headers,
                           files={"file": ("affidavit.pdf", PDF, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    approved = client.post(f"/review/applications/{number}/approve", headers=registrar,
                           json={})
    assert approved.status_code == 200, approved.text
    record = client.get(f"/review/applications/{number}", headers=registrar).json()
    assert record["registry_record"]["father_name"] == asked["value"]
    old = client.get(f"/c/{rc['certificate_number']}/status").json()
    assert (old["state"], old["reason"]) == ("revoked", "superseded")
    history = client.get(f"/registrations/{someone.registration.id}/history",
                         headers=registrar).json()
    assert history[-1]["action"] == "corrected"
    assert history[-1]["order_reference"] == f"application {number}"
    certificate = client.get(f"/me/applications/{number}/certificate", headers=someone.headers)
    assert certificate.status_code == 200
