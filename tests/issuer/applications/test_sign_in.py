"""Professionals sign in with a one-time code mailed to their registered address."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from issuer.applicants import service as applicants
from issuer.applicants.models import SignInCode
from issuer.applicants.service import SignInPolicy
from issuer.registry.models import Registration
from issuer.settings import IssuerSettings
from schemas.errors import RateLimited, Unauthenticated
from tests.clock import NOW
from tests.issuer.applications.conftest import Person, mailed_code, mails_to

POLICY = SignInPolicy(secrets=["a-test-session-secret-0123"])


def test_the_mailed_code_signs_in_once(client: TestClient, settings: IssuerSettings,
                                       make_registration: Callable[..., Registration]) -> None:
    make_registration(professional={"email": "Asha.Rani@Example.org"})
    assert client.post("/me/sign-in", json={"email": "asha.rani@example.org"}).status_code == 202
    code = mailed_code(settings.maildir, "asha.rani@example.org")
    first = client.post("/me/sign-in/verify", json={"email": "ASHA.RANI@example.org",
                                                    "code": code})
    assert first.status_code == 200, first.text
    token = first.json()["token"]
    assert token.startswith("aps_")
    mine = client.get("/me/registrations", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200 and len(mine.json()) == 1
    again = client.post("/me/sign-in/verify", json={"email": "asha.rani@example.org",
                                                    "code": code})
    assert (again.status_code, again.json()["error"]) == (401, "auth.code_invalid")


def test_an_unregistered_address_gets_the_same_answer_and_no_mail(
        client: TestClient, settings: IssuerSettings, session: Session) -> None:
    response = client.post("/me/sign-in", json={"email": "nobody@example.org"})
    assert response.status_code == 202
    assert response.json()["detail"].startswith("if this address")
    assert mails_to(settings.maildir, "nobody@example.org") == 0
    # the same row as for a registered address: the rate limit cannot tell them apart either
    assert session.query(SignInCode).filter_by(email="nobody@example.org").count() == 1


def test_wrong_guesses_are_counted_and_the_code_dies(
        client: TestClient, settings: IssuerSettings,
        make_registration: Callable[..., Registration]) -> None:
    make_registration(professional={"email": "guess@example.org"})
    client.post("/me/sign-in", json={"email": "guess@example.org"})
    code = mailed_code(settings.maildir, "guess@example.org")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(settings.sign_in_max_attempts):
        bad = client.post("/me/sign-in/verify", json={"email": "guess@example.org",
                                                      "code": wrong})
        assert bad.status_code == 401
    right = client.post("/me/sign-in/verify", json={"email": "guess@example.org", "code": code})
    assert right.status_code == 401, "the right code must not work after the attempt limit"


def test_codes_expire_and_a_new_code_replaces_the_old(session: Session,
                                                      make_registration: Callable[..., Registration]
                                                      ) -> None:
    make_registration(professional={"email": "late@example.org"})
    code = applicants.request_code(session, email="late@example.org", client="1.2.3.4",
                                   policy=POLICY, now=NOW)
    assert code is not None
    late = NOW + POLICY.code_ttl + timedelta(seconds=1)
    assert applicants.verify_code(session, email="late@example.org", code=code, policy=POLICY,
                                  now=late) is None
    old = applicants.request_code(session, email="late@example.org", client="1.2.3.4",
                                  policy=POLICY, now=NOW)
    new = applicants.request_code(session, email="late@example.org", client="1.2.3.4",
                                  policy=POLICY, now=NOW)
    assert old is not None and new is not None
    if old != new:
        assert applicants.verify_code(session, email="late@example.org", code=old,
                                      policy=POLICY, now=NOW) is None
    assert applicants.verify_code(session, email="late@example.org", code=new, policy=POLICY,
                                  now=NOW) is not None


def test_codes_are_stored_only_as_keyed_hashes(session: Session,
                                               make_registration: Callable[..., Registration]
                                               ) -> None:
    make_registration(professional={"email": "hash@example.org"})
    code = applicants.request_code(session, email="hash@example.org", client="c", policy=POLICY,
                                   now=NOW)
    [row] = session.query(SignInCode).filter_by(email="hash@example.org").all()
    assert code is not None and code not in row.code_hash and len(row.code_hash) == 64


def test_sign_in_is_rate_limited_per_address_and_per_client(session: Session) -> None:
    policy = SignInPolicy(secrets=POLICY.secrets, per_email_per_hour=3, per_client_per_hour=5)
    for _ in range(3):
        applicants.request_code(session, email="x@example.org", client="10.0.0.1",
                                policy=policy, now=NOW)
    with pytest.raises(RateLimited) as err:
        applicants.request_code(session, email="x@example.org", client="10.0.0.2",
                                policy=policy, now=NOW)
    assert err.value.code == "request.rate_limited"
    for n in range(2):
        applicants.request_code(session, email=f"y{n}@example.org", client="10.0.0.1",
                                policy=policy, now=NOW)
    with pytest.raises(RateLimited):
        applicants.request_code(session, email="z@example.org", client="10.0.0.1",
                                policy=policy, now=NOW)
    # an hour later both windows have passed
    applicants.request_code(session, email="x@example.org", client="10.0.0.1", policy=policy,
                            now=NOW + timedelta(hours=1, seconds=1))


def test_rate_limit_over_http_is_429(client: TestClient, settings: IssuerSettings) -> None:
    for _ in range(settings.sign_in_per_email_per_hour):
        assert client.post("/me/sign-in", json={"email": "spam@example.org"}).status_code == 202
    refused = client.post("/me/sign-in", json={"email": "spam@example.org"})
    assert (refused.status_code, refused.json()["error"]) == (429, "request.rate_limited")


def test_sessions_expire_end_and_cannot_be_forged(session: Session) -> None:
    signed = applicants.issue_session(session, "a@example.org", policy=POLICY, now=NOW)
    assert applicants.authenticate(session, signed.token, now=NOW).email == "a@example.org"
    ended = applicants.issue_session(session, "a@example.org", policy=POLICY, now=NOW)
    assert applicants.sign_out(session, ended.token, now=NOW)
    for token, now in [(signed.token, NOW + POLICY.session_ttl),
                       (signed.token[:-2] + "xx", NOW),
                       (ended.token, NOW),
                       ("prm_" + signed.token[4:], NOW)]:
        with pytest.raises(Unauthenticated) as err:
            applicants.authenticate(session, token, now=now)
        assert err.value.code == "auth.unauthenticated"
    assert applicants.authenticate(session, signed.token, now=NOW).email == "a@example.org"


def test_staff_and_applicant_tokens_do_not_cross(client: TestClient,
                                                 person: Callable[..., Person],
                                                 auth: dict[str, str]) -> None:
    someone = person()
    assert client.get("/me/applications", headers=auth).status_code == 401
    assert client.get("/review/queue", headers=someone.headers).status_code == 401


def test_sign_in_mail_is_bilingual(client: TestClient, settings: IssuerSettings,
                                   make_registration: Callable[..., Registration]) -> None:
    import mailbox

    make_registration(professional={"email": "hindi@example.org"})
    client.post("/me/sign-in", json={"email": "hindi@example.org"})
    [mail] = [m for m in mailbox.Maildir(settings.maildir) if m["To"] == "hindi@example.org"]
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode("utf-8")
    assert "sign-in code" in body and "साइन-इन कोड" in body
