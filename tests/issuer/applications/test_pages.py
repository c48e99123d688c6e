"""The server-rendered pages: cookie sessions, CSRF on every acting form, bilingual, no leaks."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from issuer.registry.models import Registration
from issuer.settings import IssuerSettings
from tests.issuer.applications.conftest import Person, gsc, mailed_code

MakePerson = Callable[..., Person]


@pytest.fixture
def browser(client: TestClient) -> TestClient:
    """Over https, as in production: the session cookies are Secure."""
    return TestClient(client.app, base_url="https://testserver")


def _form_csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found is not None
    return found.group(1)


def _page_sign_in(client: TestClient, settings: IssuerSettings, email: str) -> str:
    start = _form_csrf(client.get("/p").text)
    sent = client.post("/p/sign-in", data={"email": email, "csrf": start})
    assert sent.status_code == 200 and "6" in sent.text
    verified = client.post("/p/verify", data={"email": email, "csrf": _form_csrf(sent.text),
                                              "code": mailed_code(settings.maildir, email)},
                           follow_redirects=False)
    assert verified.status_code == 303
    cookie = verified.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    page = client.get("/p/applications/new?kind=good-standing")
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_professional_pages_apply_with_csrf(browser: TestClient, settings: IssuerSettings,
                                            make_registration: Callable[..., Registration]
                                            ) -> None:
    client = browser
    registration = make_registration(professional={"email": "page@example.org"})
    csrf = _page_sign_in(client, settings, "page@example.org")
    form = {"registration_id": str(registration.id), "kind": "good-standing",
            "addressee": "GMC", "purpose": "Work"}
    forged = client.post("/p/applications", data=form | {"csrf": "0" * 32})
    assert forged.status_code == 403 and "auth.csrf" in forged.text
    made = client.post("/p/applications", data=form | {"csrf": csrf}, follow_redirects=False)
    assert made.status_code == 303
    detail = client.get(made.headers["location"])
    assert 'data-state="submitted"' in detail.text
    hindi = client.get(made.headers["location"] + "?lang=hi")
    assert "जमा किया गया" in hindi.text and 'lang="hi"' in hindi.text
    assert "<script" not in hindi.text


def test_a_wrong_code_on_the_page_is_counted_and_refused(
        browser: TestClient, settings: IssuerSettings,
        make_registration: Callable[..., Registration]) -> None:
    client = browser
    make_registration(professional={"email": "wrong@example.org"})
    csrf = _form_csrf(client.get("/p").text)
    client.post("/p/sign-in", data={"email": "wrong@example.org", "csrf": csrf})
    code = mailed_code(settings.maildir, "wrong@example.org")
    bad = client.post("/p/verify", data={"email": "wrong@example.org", "csrf": csrf,
                                          "code": f"{(int(code) + 1) % 10**6:06d}"})
    assert bad.status_code == 401 and "auth.code_invalid" in bad.text


def test_pages_refuse_other_peoples_applications(client: TestClient, browser: TestClient,
                                                 settings: IssuerSettings,
                                                 person: MakePerson) -> None:
    owner = person()
    application = client.post("/me/applications", json=gsc(owner),
                              headers=owner.headers).json()["id"]
    other = person()
    _page_sign_in(browser, settings, other.email)
    response = browser.get(f"/p/applications/{application}")
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]
    assert browser.get("/p/applications").status_code == 200
    anonymous = TestClient(client.app, base_url="https://testserver")
    assert anonymous.get("/p/applications", follow_redirects=False).status_code == 303


def test_staff_pages_hide_approve_from_reviewers(client: TestClient, browser: TestClient,
                                                 person: MakePerson,
                                                 staff: Callable[..., dict[str, str]]) -> None:
    someone = person()
    application = client.post("/me/applications", json=gsc(someone),
                              headers=someone.headers).json()["id"]
    reviewer = staff("reviewer")["Authorization"].removeprefix("Bearer ")
    client = browser
    signed = client.post("/s/sign-in", data={"token": reviewer,
                                             "csrf": _form_csrf(client.get("/s").text)},
                         follow_redirects=False)
    assert signed.status_code == 303 and "SameSite=strict" in signed.headers["set-cookie"]
    queue = client.get("/s/queue?council=hmc")
    assert f"/s/applications/{application}" in queue.text
    page = client.get(f"/s/applications/{application}")
    assert someone.registration.registration_number in page.text
    assert 'id="approve"' not in page.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert csrf is not None
    refused = client.post(f"/s/applications/{application}/approve",
                          data={"csrf": csrf.group(1)})
    assert refused.status_code == 403
    assert client.get("/s/sla").status_code == 200
    bad = client.post("/s/sign-in", data={"token": "prm_not-a-token",
                                          "csrf": _form_csrf(client.get("/s").text)})
    assert bad.status_code == 401
