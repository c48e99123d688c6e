"""The professional's pages as a person meets them (issue 14): the council's question beside the
answer, answer and document in one Send, errors in the form in the page's language with what
was typed kept, a sign-in that says what went wrong, post/redirect/get, an apply form asking
only what the certificate needs, and mail when the council asks or rejects."""

from __future__ import annotations

import mailbox
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from issuer.outbox.runner import run_once
from issuer.registry.models import Registration
from issuer.settings import IssuerSettings
from issuer.state import IssuerState
from tests.clock import NOW, TestClock
from tests.issuer.applications.conftest import PDF, Person, gsc, mailed_code, mails_to
from tests.issuer.applications.test_pages import _form_csrf, _page_sign_in

MakePerson = Callable[..., Person]
Staff = Callable[..., dict[str, str]]


@pytest.fixture
def browser(client: TestClient) -> TestClient:
    return TestClient(client.app, base_url="https://testserver")


def _queried(client: TestClient, someone: Person, staff: Staff, question: str) -> int:
    application: int = client.post("/me/applications", json=gsc(someone),
                                   headers=someone.headers).json()["id"]
    asked = client.post(f"/review/applications/{application}/query",
                        json={"question": question}, headers=staff("reviewer"))
    assert asked.status_code == 200, asked.text
    return application


def _page_csrf(browser: TestClient, url: str) -> str:
    return _form_csrf(browser.get(url).text)


def test_the_question_stands_in_the_answer_form_and_one_send_answers_and_uploads(
        client: TestClient, browser: TestClient, settings: IssuerSettings, person: MakePerson,
        staff: Staff) -> None:
    someone = person()
    application = _queried(client, someone, staff, "Please send the GMC's request letter.")
    _page_sign_in(browser, settings, someone.email)
    url = f"/p/applications/{application}"
    page = browser.get(url).text
    form = page[page.index('<form method="post" action="' + url + '/answer"'):]
    form = form[:form.index("</form>")]
    assert "Please send the GMC&#39;s request letter." in form  # the question, in the form
    assert 'id="message"' in form and 'id="file"' in form and form.count("<button") == 1
    sent = browser.post(f"{url}/answer", data={"csrf": _form_csrf(page),
                                               "message": "Attached, as asked."},
                        files={"file": ("gmc-request.pdf", PDF, "application/pdf")},
                        follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == url
    seen = client.get(f"/me/applications/{application}", headers=someone.headers).json()
    assert seen["state"] == "answered"
    assert [d["label"] for d in seen["documents"]] == ["gmc-request.pdf"]
    assert seen["history"][-1]["message"] == "Attached, as asked."


def test_a_refused_upload_keeps_the_typed_answer_and_says_why_in_hindi(
        client: TestClient, browser: TestClient, settings: IssuerSettings, person: MakePerson,
        staff: Staff) -> None:
    someone = person()
    application = _queried(client, someone, staff, "Which regulator?")
    _page_sign_in(browser, settings, someone.email)
    url = f"/p/applications/{application}"
    csrf = _page_csrf(browser, url)
    browser.get(f"{url}?lang=hi")
    refused = browser.post(f"{url}/answer", data={"csrf": csrf, "message": "GMC, Manchester"},
                           files={"file": ("notes.txt", b"just text", "text/plain")})
    assert refused.status_code == 415, refused.text
    assert ">GMC, Manchester</textarea>" in refused.text
    assert 'data-error="input.unsupported_type"' in refused.text
    assert "यह फ़ाइल PDF, JPEG या PNG नहीं है" in refused.text
    assert "not one of" not in refused.text and "Something was not right" not in refused.text
    seen = client.get(f"/me/applications/{application}", headers=someone.headers).json()
    assert seen["state"] == "queried" and seen["documents"] == []
    # the language links of the answer point at the page, not at the form's POST-only address
    assert f'href="{url}?lang=en"' in refused.text
    assert browser.get(f"{url}?lang=en").status_code == 200
    empty = browser.post(f"{url}/answer", data={"csrf": csrf, "message": "  "})
    assert empty.status_code == 422 and 'data-error="data.invalid"' in empty.text
    assert "Please type your answer" in empty.text


def test_the_council_s_question_and_rejection_are_mailed_in_english_and_hindi(
        client: TestClient, state: IssuerState, settings: IssuerSettings, person: MakePerson,
        staff: Staff) -> None:
    someone = person()
    application = _queried(client, someone, staff, "Which regulator exactly?")
    client.post(f"/me/applications/{application}/answer", json={"message": "GMC"},
                headers=someone.headers)
    client.post(f"/review/applications/{application}/reject",
                json={"reason": "Registration under inquiry"}, headers=staff("reviewer"))
    from issuer.mail.transport import MaildirTransport

    maildir = settings.maildir.parent / "council-mail"
    assert run_once(state, now=NOW, transport=MaildirTransport(maildir)).sent == 2
    mails = {str(m["Subject"]): m for m in mailbox.Maildir(maildir, create=False)
             if m["To"].endswith(f"<{someone.email}>") or m["To"] == someone.email}
    [asked] = [m for s, m in mails.items() if "question" in s]
    [rejected] = [m for s, m in mails.items() if "not approved" in s]
    for mail, words in ((asked, "Which regulator exactly?"),
                        (rejected, "Registration under inquiry")):
        text = _part(mail, "text/plain")
        assert words in text and f"/p/applications/{application}" in text
        assert "प्रिय" in text
        html = _part(mail, "text/html")
        assert re.search(r'<html lang="en">.*<title>.+</title>', html, re.S)
        assert '<div lang="hi">' in html


def _part(mail: mailbox.MaildirMessage, content_type: str) -> str:
    for part in mail.walk():
        if part.get_content_type() == content_type:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no {content_type} part")


def test_sign_in_says_how_many_tries_are_left_and_when_a_code_has_expired(
        browser: TestClient, settings: IssuerSettings, clock: TestClock,
        make_registration: Callable[..., Registration]) -> None:
    email = "tries@example.org"
    make_registration(professional={"email": email})
    sent = browser.post("/p/sign-in", data={"email": email, "csrf": _page_csrf(browser, "/p")},
                        follow_redirects=False)
    assert (sent.status_code, sent.headers["location"]) == (303, "/p/code")
    page = browser.get("/p/code")
    assert email in page.text and 'href="/p"' in page.text and 'id="resend"' in page.text
    # reloading the code page, or switching its language, sends no new code
    assert browser.get("/p/code?lang=hi").status_code == 200
    assert browser.get("/p/code?lang=en").status_code == 200
    assert mails_to(settings.maildir, email) == 1
    code = mailed_code(settings.maildir, email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    csrf = _form_csrf(page.text)
    bad = browser.post("/p/verify", data={"email": email, "code": wrong, "csrf": csrf})
    assert bad.status_code == 401 and 'data-tries-left="4"' in bad.text
    assert "Tries left: 4" in bad.text and email in bad.text
    hindi = browser.get("/p/code?wrong=1&lang=hi")
    assert "शेष प्रयास: 4" in hindi.text
    browser.get("/p/code?lang=en")
    clock.advance(timedelta(minutes=11))
    late = browser.post("/p/verify", data={"email": email, "code": code, "csrf": csrf})
    assert late.status_code == 401 and "has expired" in late.text
    clock.advance(timedelta(hours=1))
    again = browser.post("/p/sign-in", data={"email": email, "csrf": csrf},
                         follow_redirects=False)  # "Send a new code"
    assert again.status_code == 303
    fresh = mailed_code(settings.maildir, email)
    ok = browser.post("/p/verify", data={"email": email, "code": fresh, "csrf": csrf},
                      follow_redirects=False)
    assert (ok.status_code, ok.headers["location"]) == (303, "/p/applications")


def test_the_first_code_still_works_after_the_code_page_is_reloaded(
        browser: TestClient, settings: IssuerSettings,
        make_registration: Callable[..., Registration]) -> None:
    email = "reload@example.org"
    make_registration(professional={"email": email})
    browser.post("/p/sign-in", data={"email": email, "csrf": _page_csrf(browser, "/p")})
    page = browser.get("/p/code")  # the reload
    code = mailed_code(settings.maildir, email)
    ok = browser.post("/p/verify", data={"email": email, "code": code,
                                         "csrf": _form_csrf(page.text)},
                      follow_redirects=False)
    assert ok.status_code == 303 and "pramaan_applicant=" in ok.headers["set-cookie"]


def test_a_mistyped_address_comes_back_in_the_form(browser: TestClient) -> None:
    csrf = _page_csrf(browser, "/p?lang=hi")
    answer = browser.post("/p/sign-in", data={"email": "asha@@example", "csrf": csrf})
    assert answer.status_code == 422
    assert 'value="asha@@example"' in answer.text
    assert "यह ई-मेल पता नहीं है" in answer.text
    assert 'href="/p?lang=en"' in answer.text


def test_the_apply_form_asks_only_what_the_certificate_needs(
        browser: TestClient, settings: IssuerSettings, person: MakePerson) -> None:
    someone = person()
    _page_sign_in(browser, settings, someone.email)
    listing = browser.get("/p/applications").text
    for kind in ("good-standing", "noc", "duplicate", "renewal"):
        assert f'href="/p/applications/new?kind={kind}"' in listing
    good_standing = browser.get("/p/applications/new?kind=good-standing").text
    assert 'id="addressee"' in good_standing and 'id="purpose"' in good_standing
    assert 'id="destination"' not in good_standing
    assert good_standing.count("(required)") == 3  # registration, addressee, purpose
    assert "The letter or form of the body that asked for the certificate" in good_standing
    duplicate = browser.get("/p/applications/new?kind=duplicate&lang=hi").text
    assert not re.search(r'id="(addressee|purpose|destination)"', duplicate)
    assert "पुलिस रिपोर्ट" in duplicate
    csrf = _form_csrf(good_standing)
    missing = browser.post("/p/applications", data={
        "csrf": csrf, "kind": "good-standing", "registration_id": str(someone.registration.id),
        "addressee": "General Medical Council", "purpose": ""})
    assert missing.status_code == 422 and 'data-error="data.invalid"' in missing.text
    assert 'value="General Medical Council"' in missing.text
    assert "कृपया &#39;आवश्यक&#39; चिह्नित हर खाना भरें" in missing.text
    assert 'href="/p/applications/new?kind=good-standing&amp;lang=en"' in missing.text


def test_the_application_page_shows_what_was_submitted_in_words_and_india_time(
        client: TestClient, browser: TestClient, settings: IssuerSettings,
        person: MakePerson) -> None:
    someone = person()
    application = client.post("/me/applications", json=gsc(someone),
                              headers=someone.headers).json()["id"]
    client.post(f"/me/applications/{application}/documents", headers=someone.headers,
                files={"file": ("letter.pdf", PDF, "application/pdf")})
    _page_sign_in(browser, settings, someone.email)
    page = browser.get(f"/p/applications/{application}").text
    assert "General Medical Council, United Kingdom" in page and "Registration abroad" in page
    assert "What you submitted" in page and 'id="next"' in page
    assert "Document added" in page and "document_added" not in page
    assert "good-standing" not in page.split("<main>")[1].replace("kind=good-standing", "")
    assert not re.search(r"\(\d+ B\)", page) and "1 KB" in page
    assert "IST" in page and "UTC" not in page


def test_a_board_s_applicant_reads_board_not_council(
        client: TestClient, browser: TestClient, settings: IssuerSettings, person: MakePerson,
        staff: Staff) -> None:
    someone = person(council_id="hhom", registration_number="HHB/2016/0000042")
    application = client.post("/me/applications", json=gsc(someone),
                              headers=someone.headers).json()["id"]
    asked = client.post(f"/review/applications/{application}/query",
                        json={"question": "Which regulator?"},
                        headers=staff("reviewer", councils=("hhom",)))
    assert asked.status_code == 200, asked.text
    _page_sign_in(browser, settings, someone.email)
    page = browser.get(f"/p/applications/{application}?lang=hi").text
    main = page.split("<main>")[1]
    assert "हरियाणा होम्योपैथिक चिकित्सा बोर्ड का प्रश्न" in main
    assert "परिषद" not in main


def test_too_many_codes_keep_the_code_step(
        browser: TestClient, settings: IssuerSettings,
        make_registration: Callable[..., Registration]) -> None:
    email = "eager@example.org"
    make_registration(professional={"email": email})
    csrf = _page_csrf(browser, "/p")
    for _ in range(5):
        assert browser.post("/p/sign-in", data={"email": email, "csrf": csrf},
                            follow_redirects=False).status_code == 303
    browser.get("/p/code?lang=hi")
    limited = browser.post("/p/sign-in", data={"email": email, "csrf": csrf})
    assert limited.status_code == 429 and 'data-error="request.rate_limited"' in limited.text
    assert 'id="code"' in limited.text and email in limited.text
    assert "मिला हुआ नवीनतम कोड उपयोग करें" in limited.text
    assert mails_to(settings.maildir, email) == 5, "the refused request mailed nothing"


def test_a_correction_is_asked_for_on_its_own_form_with_a_choice_of_particular(
        browser: TestClient, settings: IssuerSettings, person: MakePerson) -> None:
    someone = person()
    _page_sign_in(browser, settings, someone.email)
    assert 'href="/p/applications/new?kind=correction"' in browser.get("/p/applications").text
    form = browser.get("/p/applications/new?kind=correction").text
    assert re.search(r'<select id="field" name="field" required', form)
    assert '<option value="name"' in form and '<option value="father_name"' in form
    assert 'id="value"' in form and "gazette notification" in form
    assert not re.search(r'id="(addressee|purpose|destination)"', form)
    wrong = browser.post("/p/applications", data={
        "csrf": _form_csrf(form), "kind": "correction",
        "registration_id": str(someone.registration.id), "field": "gender", "value": "F"})
    assert wrong.status_code == 422 and 'data-error="data.invalid"' in wrong.text
    assert 'value="F"' in wrong.text  # what was typed is kept
    sent = browser.post("/p/applications", data={
        "csrf": _form_csrf(form), "kind": "correction",
        "registration_id": str(someone.registration.id), "field": "name",
        "value": "Asha Rani Verma"}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    page = browser.get(sent.headers["location"]).text
    assert "Asha Rani Verma" in page and "As it should read" in page
