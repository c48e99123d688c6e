"""Applications and the register: refused at submission, flagged in the queue when the register
changes after it, shown as a block in the page's language with approval disabled."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from issuer.settings import IssuerSettings
from schemas.errors import ProceedingsOpen, RegistrationSuspended
from tests.issuer.applications.conftest import Person, gsc
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
    assert re.search(r'id="approve" type="submit" disabled', page)
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
