"""Status lists, revocation, suspension, correction and key compromise on the issuer's side."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, func, select, update
from sqlalchemy.orm import Session

from issuer.audit import service as audit
from issuer.audit.models import AuditEvent
from issuer.auth.service import authenticate
from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.keystore import service as keystore
from issuer.mail.transport import MaildirTransport
from issuer.outbox.runner import lift_ended_suspensions, run_once
from issuer.registry.models import Registration
from issuer.state import IssuerState
from issuer.status import reissue
from issuer.status import service as status
from issuer.status.allocation import permute
from issuer.status.models import StatusList
from keys.jwk import parse_jwks
from keys.signing import parse_payload, verify_jws
from schemas import status_list as sl
from schemas.errors import ExpiredNotReissued, InvalidData, InvalidTransition
from tests.clock import NOW, TestClock
from tests.conftest import PASSPHRASE

BASE = "https://pramaan.hr.gov.in"


@pytest.fixture
def issue_one(session: Session, state: IssuerState, token_factory: Callable[..., str],
              make_registration: Callable[..., Registration]
              ) -> Callable[..., IssuedCredential]:
    staff_token = token_factory()

    def _issue(registration: Registration | None = None, now=NOW) -> IssuedCredential:  # type: ignore[no-untyped-def]
        staff = authenticate(session, f"Bearer {staff_token}", now=NOW)
        request = credentials.IssueRequest((registration or make_registration()).id,
                                           "registration")
        row = credentials.issue_in(state.issue_context(session), session, request,
                                   staff=staff, now=now)
        session.commit()
        return row
    return _issue


def _payload(token: str) -> dict[str, Any]:
    segment = token.split(".")[1]
    return parse_payload(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _verified_list(client: TestClient, url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    response = client.get(url.removeprefix(BASE))
    assert response.status_code == 200, response.text
    keys = parse_jwks(client.get("/.well-known/jwks.json").json())
    verified = verify_jws(response.text, resolve_key=lambda h: keys[h["kid"]],
                          algorithms=["ES256"],
                          types=("vc+jwt", "statuslist+jwt"))
    return dict(response.headers), parse_payload(verified.payload)


def test_every_credential_carries_a_revocation_and_a_suspension_entry(
        issue_one: Callable[..., IssuedCredential]) -> None:
    row = issue_one()
    entries = _payload(row.token)["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    assert {e["statusListIndex"] for e in entries} == {str(row.status_index)}
    assert entries[0]["statusListCredential"] == f"{BASE}/status/revocation/{row.status_list_id}"
    assert entries[1]["id"] == f"{BASE}/status/suspension/{row.status_list_id}#{row.status_index}"
    assert all(e["type"] == "BitstringStatusListEntry" for e in entries)


def test_index_permutation_is_a_bijection_that_hides_issue_order() -> None:
    key, size = b"k" * 32, 4096
    indices = [permute(key, p, size) for p in range(size)]
    assert sorted(indices) == list(range(size))
    assert indices[:50] != sorted(indices[:50])
    assert [permute(b"x" * 32, p, size) for p in range(50)] != indices[:50]
    with pytest.raises(ValueError, match="outside the list"):
        permute(key, size, size)


def test_indices_are_never_reused_and_a_full_list_opens_a_new_one(
        issue_one: Callable[..., IssuedCredential], session: Session) -> None:
    first = issue_one()
    rows = [issue_one() for _ in range(5)]
    assert len({(r.status_list_id, r.status_index) for r in [first, *rows]}) == 6
    session.execute(update(StatusList).where(StatusList.id == first.status_list_id)
                    .values(allocated=StatusList.size - 1))
    session.commit()
    last_in_list, in_new_list = issue_one(), issue_one()
    assert last_in_list.status_list_id == first.status_list_id
    assert in_new_list.status_list_id != first.status_list_id
    full = session.get(StatusList, first.status_list_id)
    assert full is not None and full.allocated == full.size


def test_revoke_suspend_reinstate_and_the_invalid_transitions(
        client: TestClient, auth: dict[str, str], issue_one: Callable[..., IssuedCredential],
        session: Session) -> None:
    number = issue_one().certificate_number
    url = f"/credentials/{number}"
    suspended = client.post(f"{url}/suspend", json={"reason": "disciplinary_inquiry",
                                                     "note": "inquiry 12/2026"}, headers=auth)
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["state"] == "suspended"
    again = client.post(f"{url}/suspend", json={}, headers=auth)
    assert again.status_code == 409 and again.json()["error"] == "status.invalid_transition"
    assert client.post(f"{url}/reinstate", json={}, headers=auth).json()["state"] == "active"
    assert client.post(f"{url}/reinstate", json={}, headers=auth).status_code == 409
    revoked = client.post(f"{url}/revoke", json={"reason": "fraud"}, headers=auth)
    assert revoked.json()["state"] == "revoked" and revoked.json()["reason"] == "fraud"
    for action, body in (("reinstate", {}), ("suspend", {}), ("revoke", {"reason": "fraud"})):
        refused = client.post(f"{url}/{action}", json=body, headers=auth)
        assert refused.status_code == 409, action
    unknown = client.post(f"{url}/revoke", json={"reason": "bored"}, headers=auth)
    assert (unknown.status_code, unknown.json()["error"]) == (400, "request.invalid")
    actions = [(e.action, e.details.get("reason"), e.actor) for e in
               reversed(audit.list_events(session, subject=f"credential:{number}"))]
    assert [a for a, _, _ in actions] == ["credential.issued", "credential.suspended",
                                          "credential.reinstated", "credential.revoked"]
    assert actions[1][1] == "disciplinary_inquiry" and actions[3][1] == "fraud"
    assert all(actor.startswith("staff:") for _, _, actor in actions)


def test_only_a_registrar_of_the_council_may_change_status(
        client: TestClient, token_factory: Callable[..., str],
        issue_one: Callable[..., IssuedCredential]) -> None:
    number = issue_one().certificate_number
    for role, councils, refusal in (("viewer", ("hmc",), 403), ("registrar", ("hdc",), 404)):
        headers = {"Authorization": f"Bearer {token_factory(role=role, councils=councils)}"}
        response = client.post(f"/credentials/{number}/revoke", json={"reason": "fraud"},
                               headers=headers)
        assert response.status_code == refusal, role
    assert client.post(f"/credentials/{number}/revoke", json={"reason": "fraud"}).status_code \
        == 401


def test_published_lists_are_signed_cacheable_and_carry_the_bits(
        client: TestClient, auth: dict[str, str], issue_one: Callable[..., IssuedCredential],
        state: IssuerState) -> None:
    revoked, suspended, active = issue_one(), issue_one(), issue_one()
    client.post(f"/credentials/{revoked.certificate_number}/revoke",
                json={"reason": "deceased"}, headers=auth)
    client.post(f"/credentials/{suspended.certificate_number}/suspend", json={}, headers=auth)
    number = revoked.status_list_id
    headers, revocation = _verified_list(client, f"{BASE}/status/revocation/{number}")
    ttl = state.settings.status_list_ttl_seconds
    assert headers["cache-control"] == f"public, max-age={ttl}"
    assert headers["content-type"] == "application/vc+jwt"
    assert revocation["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert revocation["issuer"] == f"{BASE}/councils/hmc"
    assert revocation["credentialSubject"]["ttl"] == ttl * 1000
    for row, purpose in ((revoked, "revocation"), (suspended, "suspension")):
        _, listed = _verified_list(client, f"{BASE}/status/{purpose}/{number}")
        for other in (revoked, suspended, active):
            expected = other is row
            assert sl.read_list_bit(listed, purpose=purpose,
                                    index=other.status_index) is expected  # type: ignore[arg-type]
    headers, token_list = _verified_list(client, f"{BASE}/status/{number}/token")
    assert headers["content-type"] == "application/statuslist+jwt"
    assert token_list["sub"] == f"{BASE}/status/{number}/token" and token_list["ttl"] == ttl
    array = sl.decode_ietf_list(token_list["status_list"]["lst"])
    values = {r: sl.ietf_value(array, r.status_index, bits=2)  # type: ignore[arg-type]
              for r in (revoked, suspended, active)}
    assert values == {revoked: 1, suspended: 2, active: 0}
    index = client.get("/status").json()["statusLists"]
    assert f"{BASE}/status/revocation/{number}" in index


def test_a_change_republishes_the_list_at_once(
        client: TestClient, auth: dict[str, str], issue_one: Callable[..., IssuedCredential]
        ) -> None:
    row = issue_one()
    url = f"{BASE}/status/revocation/{row.status_list_id}"
    _, before = _verified_list(client, url)
    assert _verified_list(client, url)[1] == before  # cached, same signed list
    client.post(f"/credentials/{row.certificate_number}/revoke",
                json={"reason": "error_in_data"}, headers=auth)
    _, after = _verified_list(client, url)
    assert sl.read_list_bit(after, purpose="revocation", index=row.status_index)  # type: ignore[arg-type]


def test_a_suspension_with_an_end_date_lifts_itself(
        client: TestClient, auth: dict[str, str], issue_one: Callable[..., IssuedCredential],
        session: Session, state: IssuerState) -> None:
    row = issue_one()
    until = state.clock().replace(microsecond=0) + timedelta(hours=1)  # the API's clock
    response = client.post(f"/credentials/{row.certificate_number}/suspend",
                           json={"until": until.isoformat()}, headers=auth)
    assert response.json()["until"] == until.isoformat(), response.text
    public = client.get(f"/c/{row.certificate_number}/status").json()
    assert public["state"] == "suspended"
    later = until + timedelta(hours=1)
    session.refresh(row)
    assert status.effective_state(row, later).state == "active"
    token = state.publisher.token(session, row.status_list_id, "suspension",  # type: ignore[arg-type]
                                  keyring=state.keyring.current(session, now=later), now=later)
    assert not sl.read_list_bit(_payload(token), purpose="suspension",
                                index=row.status_index)  # type: ignore[arg-type]
    assert lift_ended_suspensions(state, now=later) == 1  # the background job records the end
    ended = audit.list_events(session, subject=f"credential:{row.certificate_number}",
                              action="credential.suspension_ended")
    assert ended and ended[0].actor == "system"
    past = client.post(f"/credentials/{row.certificate_number}/suspend",
                       json={"until": (until - timedelta(days=1)).isoformat()}, headers=auth)
    assert past.status_code == 422


@contextmanager
def _writes(connection: Connection) -> Iterator[list[str]]:
    """The INSERT, UPDATE and DELETE statements run on ``connection`` meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def _snapshot(session: Session) -> tuple[Any, ...]:
    return (session.scalar(select(func.count()).select_from(AuditEvent)),
            session.execute(select(IssuedCredential.id, IssuedCredential.state,
                                   IssuedCredential.state_since)
                            .order_by(IssuedCredential.id)).all(),
            session.execute(select(StatusList.id, StatusList.version)
                            .order_by(StatusList.id)).all())


def test_reading_status_writes_nothing_and_the_job_records_an_ended_suspension_once(
        client: TestClient, auth: dict[str, str], issue_one: Callable[..., IssuedCredential],
        session: Session, state: IssuerState, clock: TestClock, connection: Connection,
        tmp_path: Path) -> None:
    row, other = issue_one(), issue_one()
    number, n = row.certificate_number, row.status_list_id
    until = clock().replace(microsecond=0) + timedelta(hours=1)
    client.post(f"/credentials/{number}/suspend", json={"until": until.isoformat()},
                headers=auth)
    client.post(f"/credentials/{other.certificate_number}/suspend", json={}, headers=auth)
    _, listed = _verified_list(client, f"{BASE}/status/suspension/{n}")  # cached until `until`
    assert sl.read_list_bit(listed, purpose="suspension", index=row.status_index)  # type: ignore[arg-type]
    clock.advance(timedelta(hours=2))
    before = _snapshot(session)
    with _writes(connection) as writes:
        public = client.get(f"/c/{number}/status").json()
        _, suspension = _verified_list(client, f"{BASE}/status/suspension/{n}")
        _, token_list = _verified_list(client, f"{BASE}/status/{n}/token")
        _verified_list(client, f"{BASE}/status/revocation/{n}")
        assert client.get("/status").status_code == 200
    assert writes == [] and _snapshot(session) == before
    assert public["state"] == "active" and public["until"] is None
    assert not sl.read_list_bit(suspension, purpose="suspension", index=row.status_index)  # type: ignore[arg-type]
    assert sl.read_list_bit(suspension, purpose="suspension", index=other.status_index)  # type: ignore[arg-type]
    array = sl.decode_ietf_list(token_list["status_list"]["lst"])
    assert sl.ietf_value(array, row.status_index, bits=2) == 0  # type: ignore[arg-type]
    subject = f"credential:{number}"
    assert not audit.list_events(session, subject=subject, action="credential.suspension_ended")

    transport = MaildirTransport(tmp_path / "mail")
    for _ in range(2):  # the periodic job, twice: the end is recorded once
        run_once(state, now=clock(), transport=transport)
    ended = audit.list_events(session, subject=subject, action="credential.suspension_ended")
    assert [e.actor for e in ended] == ["system"]
    assert ended[0].details["ended_at"] == until.isoformat()
    session.refresh(row)
    session.refresh(other)
    assert (row.state, row.state_since) == ("active", until) and other.state == "suspended"
    assert client.get(f"/c/{number}/status").json()["state"] == "active"


def test_public_status_tells_the_reason_and_since_when(
        client: TestClient, auth: dict[str, str], issue_one: Callable[..., IssuedCredential]
        ) -> None:
    number = issue_one().certificate_number
    assert client.get(f"/c/{number}/status").json()["state"] == "active"
    client.post(f"/credentials/{number}/revoke", json={"reason": "disciplinary_action"},
                headers=auth)
    body = client.get(f"/c/{number}/status").json()
    assert body["state"] == "revoked" and body["reason"] == "disciplinary_action"
    assert body["reasonText"] and body["since"] is not None
    assert client.get("/c/HMC-RC-0000-0000/status").status_code == 404


def test_correction_issues_first_then_revokes_as_superseded(
        client: TestClient, auth: dict[str, str], issue_one: Callable[..., IssuedCredential],
        session: Session) -> None:
    old = issue_one()
    registration = session.get(Registration, old.registration_id)
    assert registration is not None
    registration.professional.name = "Dr. Corrected Name"
    session.commit()
    response = client.post(f"/credentials/{old.certificate_number}/reissue",
                           json={"note": "name misspelt"}, headers=auth)
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["credential"]["credentialSubject"]["name"] == "Dr. Corrected Name"
    assert new["valid_until"] == old.valid_until.isoformat() or \
        new["credential"]["validUntil"] == _payload(old.token)["validUntil"]
    old_status = client.get(f"/c/{old.certificate_number}/status").json()
    assert old_status["state"] == "revoked" and old_status["reason"] == "superseded"
    assert old_status["replacedBy"] == new["credential_id"]


def test_a_crash_between_reissue_and_revocation_keeps_the_old_certificate(
        issue_one: Callable[..., IssuedCredential], session: Session, state: IssuerState,
        token_factory: Callable[..., str], monkeypatch: pytest.MonkeyPatch) -> None:
    old = issue_one()
    count = session.scalar(select(func.count()).select_from(IssuedCredential))

    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(status, "revoke", crash)
    staff = authenticate(session, f"Bearer {token_factory()}", now=NOW)
    with pytest.raises(RuntimeError), session.begin_nested():
        reissue.reissue(session, old, staff=staff, context=state.issue_context(session),
                        now=NOW)
    session.refresh(old)
    assert old.state == "active"
    assert session.scalar(select(func.count()).select_from(IssuedCredential)) == count



def test_an_expired_certificate_is_not_reissued(
        issue_one: Callable[..., IssuedCredential], session: Session, state: IssuerState,
        token_factory: Callable[..., str]) -> None:
    old = issue_one()
    after = datetime.fromisoformat(_payload(old.token)["validUntil"]) + timedelta(days=1)
    staff = authenticate(session, f"Bearer {token_factory()}", now=NOW)
    with pytest.raises(ExpiredNotReissued, match="has expired") as refused:
        reissue.reissue(session, old, staff=staff, context=state.issue_context(session),
                        now=after)
    assert (refused.value.code, refused.value.http_status) == ("reissue.expired", 409)

def test_compromise_then_reissue_resigns_everything_still_valid_once(
        client: TestClient, issue_one: Callable[..., IssuedCredential], session: Session,
        state: IssuerState, signing_key: str, token_factory: Callable[..., str]) -> None:
    rows = [issue_one() for _ in range(3)]
    revoked = issue_one()
    status.revoke(session, revoked, reason="deceased", actor="test", now=NOW)
    session.commit()
    keystore.compromise(session, signing_key, now=NOW, passphrase=PASSPHRASE, alg="ES256",
                        kdf_cost=10)
    session.commit()
    published = {k["kid"]: k for k in client.get("/.well-known/jwks.json").json()["keys"]}
    assert published[signing_key]["revoked"]["reason"] == "compromised"
    new_kid = keystore.active_kid(session, now=NOW)
    assert new_kid != signing_key and "exp" not in published[new_kid]
    staff = authenticate(session, f"Bearer {token_factory()}", now=NOW)
    seen: list[str] = []

    def interrupt_after_first(done: int, _total: int, message: str) -> None:
        seen.append(message)
        if done == 1:
            raise KeyboardInterrupt  # Ctrl-C: the run stops, the first one is committed

    with pytest.raises(KeyboardInterrupt):
        reissue.reissue_signed_by(state.sessions, signing_key, staff=staff,
                                  context_of=state.issue_context, now=lambda: NOW,
                                  progress=interrupt_after_first)
    report = reissue.reissue_signed_by(state.sessions, signing_key, staff=staff,
                                       context_of=state.issue_context, now=lambda: NOW)
    assert (report.reissued, report.failed) == (2, 0)
    again = reissue.reissue_signed_by(state.sessions, signing_key, staff=staff,
                                      context_of=state.issue_context, now=lambda: NOW)
    assert again.reissued == 0
    for row in rows:
        session.refresh(row)
        assert row.state == "revoked" and row.state_reason == "superseded"
        replacement = session.get(IssuedCredential, row.replaced_by_id)
        assert replacement is not None and replacement.kid == new_kid
    assert session.scalar(select(func.count()).select_from(IssuedCredential)
                          .where(IssuedCredential.kid == new_kid)) == 3
    session.refresh(revoked)
    assert revoked.replaced_by_id is None  # a revoked certificate is not brought back


def test_key_windows_are_published(client: TestClient, session: Session, signing_key: str
                                   ) -> None:
    keystore.rotate(session, alg="ES256", passphrase=PASSPHRASE, now=NOW + timedelta(days=1),
                    prepublish=timedelta(0), kdf_cost=10)
    session.commit()
    published = {k["kid"]: k for k in client.get("/.well-known/jwks.json").json()["keys"]}
    old = published[signing_key]
    assert old["nbf"] == int(NOW.timestamp())
    assert old["exp"] == int((NOW + timedelta(days=1)).timestamp())
    assert "revoked" not in old


def test_reissue_refuses_a_revoked_certificate(
        issue_one: Callable[..., IssuedCredential], session: Session, state: IssuerState,
        token_factory: Callable[..., str]) -> None:
    row = issue_one()
    status.revoke(session, row, reason="fraud", actor="test", now=NOW)
    staff = authenticate(session, f"Bearer {token_factory()}", now=NOW)
    with pytest.raises(InvalidTransition):
        reissue.reissue(session, row, staff=staff, context=state.issue_context(session),
                        now=NOW)


def test_status_list_json_is_compact(issue_one: Callable[..., IssuedCredential],
                                     session: Session, state: IssuerState) -> None:
    row = issue_one()
    token = state.publisher.token(session, row.status_list_id, "revocation",  # type: ignore[arg-type]
                                  keyring=state.keyring.current(session, now=NOW), now=NOW)
    encoded = _payload(token)["credentialSubject"]["encodedList"]
    assert len(encoded) < 200  # an almost empty list of 131,072 entries gzips to ~50 bytes
    assert len(sl.decode_list(encoded)) * 8 == 131_072
    assert json.dumps(_payload(token))  # plain JSON


def test_a_suspension_end_needs_a_time_zone(
        client: TestClient, auth: dict[str, str], issue_one: Callable[..., IssuedCredential],
        session: Session) -> None:
    row = issue_one()
    naive = client.post(f"/credentials/{row.certificate_number}/suspend",
                        json={"until": "2099-01-31T23:59:59"}, headers=auth)
    assert naive.status_code == 422 and naive.json()["error"] == "data.invalid"
    assert "time zone" in naive.json()["detail"]
    with pytest.raises(InvalidData, match="time zone"):
        status.suspend(session, row, reason="other", actor="test", now=NOW,
                       until=datetime(2099, 1, 31))
    session.refresh(row)
    assert row.state == "active"
