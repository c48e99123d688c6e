"""The review desk as a registrar meets it (issue 14): "Approve and issue" first shows what will
be issued to whom and is not a button above the question box; each page has its own title; the
queue is a labelled list of links; a refused question comes back with what was typed."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.issuer.applications.conftest import Person, gsc
from tests.issuer.applications.test_pages import _form_csrf

MakePerson = Callable[..., Person]
Staff = Callable[..., dict[str, str]]


@pytest.fixture
def desk(client: TestClient, staff: Staff) -> TestClient:
    """A browser signed in on the staff pages as a registrar of the HMC."""
    browser = TestClient(client.app, base_url="https://testserver")
    token = staff("registrar")["Authorization"].removeprefix("Bearer ")
    signed = browser.post("/s/sign-in", data={"token": token,
                                              "csrf": _form_csrf(browser.get("/s").text)},
                          follow_redirects=False)
    assert signed.status_code == 303
    return browser


def _title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found is not None
    return found.group(1)


def test_approve_asks_for_confirmation_with_a_summary_first(
        client: TestClient, desk: TestClient, person: MakePerson) -> None:
    someone = person()
    application = client.post("/me/applications", json=gsc(someone),
                              headers=someone.headers).json()["id"]
    page = desk.get(f"/s/applications/{application}").text
    approve = re.search(r'<a class="button" id="approve" href="([^"]+)"', page)
    assert approve is not None, "approve is a link to a confirmation, not a submit button"
    assert page.index('id="approve"') < page.index('id="ask-title"')
    assert "{% block" not in page
    confirm = desk.get(approve.group(1))
    assert confirm.status_code == 200
    summary = confirm.text[confirm.text.index('id="summary"'):]
    summary = summary[:summary.index("</dl>")]
    for fact in ("Good Standing Certificate", someone.registration.professional.name,
                 someone.registration.registration_number, "Haryana Medical Council",
                 "General Medical Council, United Kingdom", someone.email):
        assert fact in summary, fact
    seen = client.get(f"/me/applications/{application}", headers=someone.headers).json()
    assert seen["state"] == "submitted", "looking at the confirmation issues nothing"
    done = desk.post(f"/s/applications/{application}/approve",
                     data={"csrf": _form_csrf(confirm.text)}, follow_redirects=False)
    assert done.status_code == 303
    seen = client.get(f"/me/applications/{application}", headers=someone.headers).json()
    assert seen["state"] == "approved" and seen["certificate_number"]
    again = desk.get(approve.group(1), follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (
        303, f"/s/applications/{application}"), "a decided application has nothing to confirm"


def test_a_renewal_without_a_date_comes_back_to_the_confirmation(
        client: TestClient, desk: TestClient, person: MakePerson) -> None:
    someone = person()
    application = client.post("/me/applications", headers=someone.headers, json={
        "registration_id": someone.registration.id, "kind": "renewal"}).json()["id"]
    confirm = desk.get(f"/s/applications/{application}/approve?lang=hi")
    assert 'id="renewed_until"' in confirm.text
    refused = desk.post(f"/s/applications/{application}/approve",
                        data={"csrf": _form_csrf(confirm.text), "renewed_until": "31-12-2030"})
    assert refused.status_code == 422 and 'data-error="data.invalid"' in refused.text
    assert "लाइसेंस की नई अंतिम तिथि दें" in refused.text
    assert client.get(f"/me/applications/{application}",
                      headers=someone.headers).json()["state"] == "submitted"


def test_every_staff_page_has_its_own_title_and_the_queue_is_a_labelled_list(
        client: TestClient, desk: TestClient, person: MakePerson) -> None:
    someone = person()
    application = client.post("/me/applications", json=gsc(someone),
                              headers=someone.headers).json()["id"]
    pages = ["/s/queue", "/s/sla", f"/s/applications/{application}",
             f"/s/applications/{application}/approve"]
    titles = [_title(desk.get(url).text) for url in pages]
    assert len(set(titles)) == len(pages), titles
    queue = desk.get("/s/queue").text
    assert '<ul class="queue" aria-label="Review queue">' in queue
    item = queue[queue.index(f'id="open-{application}"'):]
    item = item[:item.index("</a>")]
    assert someone.registration.professional.name in item
    assert "<dt>Waiting since</dt>" in item and "IST" in item
    assert "Good Standing Certificate" in queue and ">good-standing<" not in queue


def test_an_empty_question_comes_back_in_its_form_and_the_language_link_works(
        client: TestClient, desk: TestClient, person: MakePerson) -> None:
    someone = person()
    application = client.post("/me/applications", json=gsc(someone),
                              headers=someone.headers).json()["id"]
    csrf = _form_csrf(desk.get(f"/s/applications/{application}").text)
    refused = desk.post(f"/s/applications/{application}/reject",
                        data={"csrf": csrf, "reason": " "})
    assert refused.status_code == 422 and "Please type the reason" in refused.text
    assert f'href="/s/applications/{application}?lang=hi"' in refused.text
    assert desk.get(f"/s/applications/{application}?lang=hi").status_code == 200
