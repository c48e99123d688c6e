"""Sessions that end (issue 11, item 6): signing out ends a professional's session (cookie,
bearer copy and CSRF token) and a staff page session on the server; the staff cookie is never the
API token and dies with it; the sign-in forms refuse a post without this browser's CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from issuer.auth.service import find_tokens, revoke_token
from issuer.registry.models import Registration
from issuer.settings import IssuerSettings
from issuer.state import IssuerState
from tests.clock import TestClock
from tests.issuer.applications.conftest import mailed_code
from tests.issuer.applications.test_pages import _form_csrf, _page_sign_in


def _browser(client: TestClient, cookie: tuple[str, str] | None = None) -> TestClient:
    """A browser of its own; with ``cookie``, one holding a copy of that cookie."""
    headers = {"Cookie": f"{cookie[0]}={cookie[1]}"} if cookie else None
    return TestClient(client.app, base_url="https://testserver", headers=headers)


def test_signing_out_ends_the_professionals_session_everywhere(
        client: TestClient, settings: IssuerSettings,
        make_registration: Callable[..., Registration]) -> None:
    browser = _browser(client)
    registration = make_registration(professional={"email": "out@example.org"})
    csrf = _page_sign_in(browser, settings, "out@example.org")
    cookie = browser.cookies["pramaan_applicant"]
    bearer = {"Authorization": f"Bearer {cookie}"}
    assert client.get("/me/applications", headers=bearer).status_code == 200
    assert browser.post("/p/sign-out", follow_redirects=False).status_code == 303

    replay = _browser(client, ("pramaan_applicant", cookie))  # a kept copy, and the form
    assert replay.get("/p/applications", follow_redirects=False).status_code == 303
    form = {"registration_id": str(registration.id), "kind": "good-standing",
            "addressee": "GMC", "purpose": "Work", "csrf": csrf}
    refused = replay.post("/p/applications", data=form, follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/p"
    answer = client.get("/me/applications", headers=bearer)
    assert answer.status_code == 401 and answer.json()["error"] == "auth.unauthenticated"


def test_the_apis_sign_out_ends_the_bearer_token(
        client: TestClient, person: Callable[..., object]) -> None:
    someone = person()
    headers = someone.headers  # type: ignore[attr-defined]
    assert client.post("/me/sign-out", headers=headers).status_code == 204
    again = client.get("/me/applications", headers=headers)
    assert again.status_code == 401 and again.json()["error"] == "auth.unauthenticated"
    assert client.post("/me/sign-out", headers=headers).status_code == 401


def test_sign_in_forms_refuse_a_missing_or_foreign_csrf_token(
        client: TestClient, settings: IssuerSettings, token_factory: Callable[..., str],
        make_registration: Callable[..., Registration]) -> None:
    make_registration(professional={"email": "forced@example.org"})
    victim, attacker = _browser(client), _browser(client)
    victim.get("/p")
    foreign = _form_csrf(attacker.get("/p").text)  # the attacker's own, valid for their cookie
    token = token_factory(role="reviewer")
    posts = [("/p/sign-in", {"email": "forced@example.org"}),
             ("/p/verify", {"email": "forced@example.org", "code": "123456"}),
             ("/s/sign-in", {"token": token})]
    for path, form in posts:
        for csrf in ({}, {"csrf": ""}, {"csrf": foreign}):
            refused = victim.post(path, data=form | csrf, follow_redirects=False)
            assert refused.status_code == 403 and "auth.csrf" in refused.text, (path, csrf)
    no_cookie = _browser(client)  # a cross-site post carries no Strict cookie at all
    refused = no_cookie.post("/s/sign-in", data={"token": token, "csrf": foreign})
    assert refused.status_code == 403 and "auth.csrf" in refused.text
    assert "pramaan_staff" not in victim.cookies and "pramaan_applicant" not in victim.cookies
    ok = attacker.post("/p/sign-in", data={"email": "forced@example.org", "csrf": foreign})
    assert ok.status_code == 200
    code = mailed_code(settings.maildir, "forced@example.org")
    signed = attacker.post("/p/verify", data={"email": "forced@example.org", "code": code,
                                              "csrf": _form_csrf(ok.text)},
                           follow_redirects=False)
    assert signed.status_code == 303


def _staff_sign_in(browser: TestClient, token: str) -> None:
    csrf = _form_csrf(browser.get("/s").text)
    signed = browser.post("/s/sign-in", data={"token": token, "csrf": csrf},
                          follow_redirects=False)
    assert signed.status_code == 303


def test_the_staff_cookie_is_a_session_that_sign_out_and_revocation_end(
        client: TestClient, token_factory: Callable[..., str], state: IssuerState) -> None:
    token = token_factory(role="reviewer", name="desk")
    browser = _browser(client)
    _staff_sign_in(browser, token)
    cookie = browser.cookies["pramaan_staff"]
    assert token not in cookie and not cookie.startswith("prm_")
    assert browser.get("/s/queue").status_code == 200
    assert browser.post("/s/sign-out", follow_redirects=False).status_code == 303
    replay = _browser(client, ("pramaan_staff", cookie))
    assert replay.get("/s/queue", follow_redirects=False).headers["location"] == "/s"
    assert client.get("/review/queue", headers={"Authorization": f"Bearer {cookie}"}
                      ).status_code == 401

    _staff_sign_in(browser, token)
    assert browser.get("/s/queue").status_code == 200
    with state.sessions() as session:
        [row] = find_tokens(session, name_or_id="desk")
        revoke_token(session, row, now=state.clock())
        session.commit()
    assert browser.get("/s/queue", follow_redirects=False).status_code == 303
    assert client.get("/review/queue", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401


def test_a_staff_page_session_ends_when_it_or_its_token_expires(
        client: TestClient, token_factory: Callable[..., str], clock: TestClock) -> None:
    browser = _browser(client)
    _staff_sign_in(browser, token_factory(role="reviewer"))
    clock.advance(timedelta(hours=11))
    assert browser.get("/s/queue", follow_redirects=False).status_code == 200
    clock.advance(timedelta(hours=1))  # the session's 12 hours are over
    assert browser.get("/s/queue", follow_redirects=False).status_code == 303
    clock.advance(timedelta(days=90) - timedelta(hours=13))
    _staff_sign_in(browser, token_factory(role="reviewer"))  # a token made at NOW
    clock.advance(timedelta(hours=2))  # past the token's 90 days, inside the session's 12 h
    assert browser.get("/s/queue", follow_redirects=False).status_code == 303
