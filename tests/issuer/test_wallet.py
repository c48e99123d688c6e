"""A professional's own certificates (``issuer.applicants.certificates``) and what ``/p`` hands
their device to keep: only their own, each with its state now, and nothing cached by accident."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from issuer.applicants import certificates
from issuer.applicants import service as applicants
from issuer.applicants.service import Applicant
from issuer.credentials import service as credentials
from issuer.state import IssuerState
from issuer.web.common import APPLICANT_COOKIE
from issuer.web.wallet import SIGN_OUT_CLEARS
from schemas.credential import format_time
from schemas.errors import NotFound
from schemas.qr_payload import decode_qr_text
from tests.conftest import registrant_data

ASHA, RAVI = "asha@example.org", "ravi@example.org"


def _issue(client: TestClient, auth: dict[str, str], email: str, registration_number: str,
           *types: str) -> list[str]:
    response = client.post("/registrations", headers=auth, json=registrant_data(
        registration_number=registration_number, professional={"email": email}))
    assert response.status_code == 201, response.text
    numbers = []
    for type_id in types:
        extra = {"addressee": "GMC", "purpose": "Work"} if type_id == "good-standing" else {}
        issued = client.post(f"/registrations/{response.json()['id']}/certificates",
                             json={"type": type_id, **extra}, headers=auth)
        assert issued.status_code == 201, issued.text
        numbers.append(issued.json()["certificate_number"])
    return numbers


@pytest.fixture
def issued(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    mine = _issue(client, auth, ASHA, "HMC/2016/0045217", "registration", "good-standing")
    theirs = _issue(client, auth, RAVI, "HMC/2018/0000042", "registration")
    revoked = client.post(f"/credentials/{mine[1]}/revoke", headers=auth,
                          json={"reason": "disciplinary_action"})
    assert revoked.status_code == 200, revoked.text
    return {"active": mine[0], "revoked": mine[1], "theirs": theirs[0]}


def test_only_ones_own_certificates_are_listed_with_their_state(
        state: IssuerState, issued: dict[str, Any]) -> None:
    now = state.clock()
    with state.sessions() as session:
        own = certificates.list_own(session, Applicant(ASHA), registry=state.registry, now=now)
        assert {(c.number, c.state) for c in own} == {(issued["active"], "active"),
                                                      (issued["revoked"], "revoked")}
        later = max(c.valid_until for c in own) + timedelta(seconds=1)
        aged = certificates.list_own(session, Applicant(ASHA), registry=state.registry,
                                     now=later)
        assert {c.state for c in aged} == {"expired", "revoked"}  # a revocation stays one
        assert certificates.list_own(session, Applicant("nobody@example.org"),
                                     registry=state.registry, now=now) == []


def test_another_professionals_certificate_is_as_absent_as_a_missing_one(
        state: IssuerState, issued: dict[str, Any]) -> None:
    with state.sessions() as session:
        with pytest.raises(NotFound) as theirs:
            certificates.get_own(session, Applicant(ASHA), issued["theirs"])
        with pytest.raises(NotFound) as missing:
            certificates.get_own(session, Applicant(ASHA), "HMC-RC-0000-0000")
    assert theirs.value.code == missing.value.code == "not_found"
    assert theirs.value.detail.replace(issued["theirs"], "X") == missing.value.detail.replace(
        "HMC-RC-0000-0000", "X")


def test_the_saved_record_carries_the_printed_qr_and_when_it_was_checked(
        state: IssuerState, issued: dict[str, Any]) -> None:
    now = state.clock()
    with state.sessions() as session:
        row = certificates.get_own(session, Applicant(ASHA), issued["active"].lower())
        record = certificates.saved_record(row, registry=state.registry,
                                           page_url="https://verify.example/v", now=now)
        token = credentials.get(session, issued["active"]).token
        [listed] = [c for c in certificates.list_own(session, Applicant(ASHA),
                                                     registry=state.registry, now=now)
                    if c.number == issued["active"]]
    assert record["qrText"].startswith("https://verify.example/v#1")
    assert decode_qr_text(record["qrText"]) == token
    assert record["checkedAt"] == format_time(now) and record["state"] == "active"
    assert record["registrationNumber"] == listed.registration_number and record["name"]


def _signed_in(client: TestClient, state: IssuerState, email: str) -> None:
    with state.sessions.begin() as session:
        token = applicants.issue_session(session, email, policy=state.sign_in_policy,
                                         now=state.clock()).token
    client.cookies.set(APPLICANT_COOKIE, token)


def test_the_device_gets_only_its_owners_certificates_never_cached(
        client: TestClient, state: IssuerState, issued: dict[str, Any]) -> None:
    signed_out = client.get(f"/p/certificates/{issued['active']}/saved", follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/p"
    _signed_in(client, state, ASHA)
    page = client.get("/p/certificates")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert issued["active"] in page.text and issued["theirs"] not in page.text
    for suffix in ("saved", "qr.png", "certificate.pdf"):
        mine = client.get(f"/p/certificates/{issued['active']}/{suffix}")
        assert mine.status_code == 200 and mine.headers["cache-control"] == "no-store", suffix
        theirs = client.get(f"/p/certificates/{issued['theirs']}/{suffix}")
        assert theirs.status_code == 404 and "not_found" in theirs.text, suffix  # an HTML page
    assert client.get(f"/p/certificates/{issued['active']}/certificate.pdf").content[:5] == \
        b"%PDF-"


def test_the_wallet_page_is_the_same_for_everyone_and_sign_out_clears_the_device(
        client: TestClient, state: IssuerState, issued: dict[str, Any]) -> None:
    anonymous = client.get("/p/wallet")
    _signed_in(client, state, ASHA)
    signed_in = client.get("/p/wallet")
    assert anonymous.status_code == signed_in.status_code == 200
    assert anonymous.text == signed_in.text and ASHA not in signed_in.text
    worker = client.get("/p/wallet/sw.js")
    assert worker.headers["service-worker-allowed"] == "/p/wallet"
    assert client.get("/p/wallet/other.js").status_code == 404
    out = client.post("/p/sign-out", follow_redirects=False)
    assert out.status_code == 303 and out.headers["clear-site-data"] == SIGN_OUT_CLEARS
