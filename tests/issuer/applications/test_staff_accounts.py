"""Staff sign in as people (issue 14): an account per person with a role and councils, a code
mailed to their address (the professionals' machinery, kept apart from it), every action in the
audit trail and the history naming the person; API tokens still work for machines; a CLI adds
accounts and ``issuer demo`` makes one."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.audit.models import AuditEvent
from issuer.auth import accounts
from issuer.auth.models import StaffAccount
from issuer.demo.load import DEMO_STAFF_EMAIL, ensure_demo_staff
from issuer.settings import IssuerSettings
from schemas.errors import Conflict, InvalidData
from schemas.registry import Registry
from tests.clock import NOW, TestClock
from tests.issuer.applications.conftest import Person, gsc, mailed_code, mails_to
from tests.issuer.applications.test_pages import _form_csrf
from tests.issuer.test_cli import run  # noqa: F401 (the fixture)

MakePerson = Callable[..., Person]
REVIEWER = "meera.reviewer@hmc.example.org"


@pytest.fixture
def account(session: Session, registry: Registry) -> StaffAccount:
    row = accounts.create_account(session, email=REVIEWER, name="Meera Sharma", role="reviewer",
                                  councils=["hmc"], now=NOW,
                                  known_councils=set(registry.councils))
    session.commit()
    return row


def _browser(client: TestClient) -> TestClient:
    return TestClient(client.app, base_url="https://testserver")


def _sign_in(browser: TestClient, settings: IssuerSettings, email: str) -> None:
    csrf = _form_csrf(browser.get("/s").text)
    sent = browser.post("/s/code", data={"email": email, "csrf": csrf}, follow_redirects=False)
    assert (sent.status_code, sent.headers["location"]) == (303, "/s/code")
    page = browser.get("/s/code")
    assert email in page.text
    signed = browser.post("/s/verify", data={"email": email, "csrf": _form_csrf(page.text),
                                             "code": mailed_code(settings.maildir, email)},
                          follow_redirects=False)
    assert (signed.status_code, signed.headers["location"]) == (303, "/s/queue")
    assert "SameSite=strict" in signed.headers["set-cookie"]


def test_a_person_signs_in_with_a_mailed_code_and_the_trail_names_them(
        client: TestClient, session: Session, settings: IssuerSettings, person: MakePerson,
        account: StaffAccount) -> None:
    someone = person()
    application = client.post("/me/applications", json=gsc(someone),
                              headers=someone.headers).json()["id"]
    desk = _browser(client)
    _sign_in(desk, settings, REVIEWER)
    queue = desk.get("/s/queue")
    assert "Meera Sharma" in queue.text and "(reviewer)" in queue.text
    page = desk.get(f"/s/applications/{application}")
    assert 'id="approve"' not in page.text, "a reviewer's account cannot approve"
    asked = desk.post(f"/s/applications/{application}/query",
                      data={"csrf": _form_csrf(page.text), "question": "Which regulator?"},
                      follow_redirects=False)
    assert asked.status_code == 303
    session.expire_all()
    actors = session.scalars(select(AuditEvent.actor).where(
        AuditEvent.action == "application.queried")).all()
    assert actors == [f"staff:{account.token_id}:Meera Sharma <{REVIEWER}>"]
    assert "Meera Sharma" in desk.get(f"/s/applications/{application}").text
    seen = client.get(f"/me/applications/{application}", headers=someone.headers).json()
    assert seen["history"][-1]["actor"].endswith(f"<{REVIEWER}>")


def test_unknown_addresses_get_the_same_answer_and_no_mail(
        client: TestClient, settings: IssuerSettings) -> None:
    browser = _browser(client)
    sent = browser.post("/s/code", data={"email": "nobody@hmc.example.org",
                                         "csrf": _form_csrf(browser.get("/s").text)},
                        follow_redirects=False)
    assert (sent.status_code, sent.headers["location"]) == (303, "/s/code")
    assert mails_to(settings.maildir, "nobody@hmc.example.org") == 0


def test_a_professional_s_code_does_not_open_the_staff_pages(
        client: TestClient, settings: IssuerSettings, session: Session, registry: Registry,
        make_registration: Callable[..., object]) -> None:
    both = "both@example.org"  # a registrant who is also on the council's staff
    make_registration(professional={"email": both})
    accounts.create_account(session, email=both, name="Dr Both", role="reviewer",
                            councils=["hmc"], now=NOW, known_councils=set(registry.councils))
    session.commit()
    browser = _browser(client)
    csrf = _form_csrf(browser.get("/p").text)
    browser.post("/p/sign-in", data={"email": both, "csrf": csrf})
    professional_code = mailed_code(settings.maildir, both)
    refused = browser.post("/s/verify", data={"email": both, "code": professional_code,
                                              "csrf": csrf})
    assert refused.status_code == 401 and 'data-error="auth.code_invalid"' in refused.text


def test_wrong_codes_are_counted_and_disabling_ends_the_session(
        client: TestClient, session: Session, settings: IssuerSettings, clock: TestClock,
        account: StaffAccount) -> None:
    desk = _browser(client)
    _sign_in(desk, settings, REVIEWER)
    assert desk.get("/s/queue", follow_redirects=False).status_code == 200
    accounts.disable_account(session, email=REVIEWER, now=NOW + timedelta(minutes=1))
    session.commit()
    assert desk.get("/s/queue", follow_redirects=False).status_code == 303
    other = _browser(client)
    csrf = _form_csrf(other.get("/s").text)
    other.post("/s/code", data={"email": REVIEWER, "csrf": csrf})
    assert mails_to(settings.maildir, REVIEWER) == 0, "a disabled account gets no code"
    wrong = other.post("/s/verify", data={"email": REVIEWER, "code": "000000", "csrf": csrf})
    assert wrong.status_code == 401 and 'data-tries-left="4"' in wrong.text


def test_accounts_are_checked_when_made(session: Session, registry: Registry,
                                        account: StaffAccount) -> None:
    known = set(registry.councils)
    with pytest.raises(Conflict):
        accounts.create_account(session, email=REVIEWER.upper(), name="Again", role="reviewer",
                                councils=["hmc"], now=NOW, known_councils=known)
    for bad in ({"role": "boss"}, {"councils": ["xyz"]}, {"email": "not-an-address"}):
        kwargs = {"email": "new@example.org", "role": "reviewer", "councils": ["hmc"]} | bad
        with pytest.raises(InvalidData) as caught:
            accounts.create_account(session, name="New", now=NOW, known_councils=known,
                                    **kwargs)  # type: ignore[arg-type]
        assert caught.value.code == InvalidData.code


def test_the_demo_makes_one_staff_account(session: Session, registry: Registry) -> None:
    assert ensure_demo_staff(session, registry=registry, now=NOW)
    assert not ensure_demo_staff(session, registry=registry, now=NOW)
    row = accounts.find_account(session, email=DEMO_STAFF_EMAIL)
    assert row is not None
    assert accounts.staff_of(session, row).can("approve", "hhom")


def test_the_cli_adds_lists_and_disables_accounts(
        run: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path) -> None:  # noqa: F811
    run("init")
    added = run("staff", "add", "asha@hmc.example.org", "--name", "Asha Rani",
                "--role", "registrar", "--council", "hmc").stdout
    assert "Asha Rani <asha@hmc.example.org>" in added
    failed = run("staff", "add", "asha@hmc.example.org", "--role", "viewer",
                 "--council", "hmc", ok=False)
    assert "has a staff account already" in failed.stderr
    listing = run("staff", "list").stdout
    assert "asha@hmc.example.org" in listing and "registrar" in listing and "active" in listing
    run("staff", "disable", "asha@hmc.example.org")
    assert "DISABLED" in run("staff", "list").stdout
