"""Push URI through the outbox to the simulator's DigiLocker endpoint: add on issuance, delete on
revocation or suspension, re-add on reinstatement; retried while DigiLocker is away."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from issuer.credentials.models import IssuedCredential
from issuer.digilocker.push import FIELDS, push_hmac
from issuer.mail.transport import MaildirTransport
from issuer.outbox import service as outbox
from issuer.outbox.runner import run_once
from issuer.registry.models import Registration
from issuer.settings import IssuerSettings
from issuer.state import IssuerState
from issuer.status import service as status
from scripts import digilocker_sim as sim
from tests.clock import NOW
from tests.conftest import make_settings
from tests.issuer.digilocker.conftest import API_KEY, DL_ID, ISSUER_ID
from tests.live import free_port, serve

CLIENT_ID, CLIENT_SECRET = "PRAMAAN01", "push-client-secret-for-tests"
Issue = Callable[..., IssuedCredential]


@dataclass
class Receiver:
    port: int
    pushes: list[dict[str, str]]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/public/account/1/pushuri"


@pytest.fixture
def receiver_port() -> int:
    return free_port()


@pytest.fixture
def settings(engine: Engine, receiver_port: int) -> IssuerSettings:
    return make_settings(engine.url.render_as_string(hide_password=False),
                         digilocker_api_key=API_KEY, digilocker_issuer_id=ISSUER_ID,
                         digilocker_push_url=Receiver(receiver_port, []).url,
                         digilocker_client_id=CLIENT_ID, digilocker_client_secret=CLIENT_SECRET)


@pytest.fixture
def receiver(receiver_port: int) -> Iterator[Receiver]:
    app, pushes = sim.push_receiver(CLIENT_ID, CLIENT_SECRET, clock=NOW.timestamp)
    with serve(app, port=receiver_port):
        yield Receiver(receiver_port, pushes)


def _run(state: IssuerState, tmp_path: Path, now=NOW) -> outbox.OutboxReport:  # type: ignore[no-untyped-def]
    return run_once(state, now=now, transport=MaildirTransport(tmp_path / "mail"))


def test_issuance_pushes_the_document_to_the_known_account(
        session: Session, state: IssuerState, make_registration: Callable[..., Registration],
        issue: Issue, receiver: Receiver, tmp_path: Path) -> None:
    row = issue(make_registration())
    kinds = sorted(m.kind for m in outbox.pending(session))
    assert kinds == ["digilocker.push", "mail.certificate"]
    assert _run(state, tmp_path).sent == 2
    [push] = receiver.pushes
    doc_id = row.certificate_number.replace("-", "")
    assert push | {"ts": "", "hmac": ""} == {
        "clientid": CLIENT_ID, "digilockerid": DL_ID, "uri": f"{ISSUER_ID}-HMCRC-{doc_id}",
        "doctype": "HMCRC", "description": "Medical Registration Certificate", "docid": doc_id,
        "issuedate": "26112026", "validfrom": "14072024", "validto": "13072029",
        "action": "A", "ts": "", "hmac": ""}
    assert push["hmac"] == push_hmac(CLIENT_SECRET, {f: push[f] for f in FIELDS})


def test_revocation_and_suspension_delete_reinstatement_adds_back(
        session: Session, state: IssuerState, make_registration: Callable[..., Registration],
        issue: Issue, receiver: Receiver, tmp_path: Path) -> None:
    row = issue(make_registration())
    status.suspend(session, row, reason="court_order", actor="test", now=NOW)
    status.reinstate(session, row, actor="test", now=NOW)
    status.revoke(session, row, reason="fraud", actor="test", now=NOW)
    session.commit()
    _run(state, tmp_path)
    assert [p["action"] for p in receiver.pushes] == ["A", "D", "A", "D"]
    assert len({p["uri"] for p in receiver.pushes}) == 1


def test_pushes_wait_out_a_digilocker_outage(
        session: Session, state: IssuerState, make_registration: Callable[..., Registration],
        issue: Issue, receiver_port: int, tmp_path: Path) -> None:
    issue(make_registration())
    report = _run(state, tmp_path)
    assert (report.sent, report.retried) == (1, 1)  # the mail went, the push waits
    [waiting] = outbox.pending(session)
    session.refresh(waiting)
    assert "digilocker.push_unavailable" in (waiting.last_error or "")
    later = NOW + timedelta(hours=1)  # the retry signs a fresh ts
    app, pushes = sim.push_receiver(CLIENT_ID, CLIENT_SECRET, clock=later.timestamp)
    with serve(app, port=receiver_port):
        assert _run(state, tmp_path, now=later).sent == 1
    assert [p["action"] for p in pushes] == ["A"]


def test_a_refused_push_is_retried_not_lost(
        session: Session, state: IssuerState, make_registration: Callable[..., Registration],
        issue: Issue, receiver_port: int, tmp_path: Path) -> None:
    issue(make_registration())
    # DigiLocker knows another secret, so it rejects our HMAC.
    app, pushes = sim.push_receiver(CLIENT_ID, "another-secret", clock=NOW.timestamp)
    with serve(app, port=receiver_port):
        _run(state, tmp_path)
    [waiting] = outbox.pending(session)
    session.refresh(waiting)
    assert pushes == [] and "HTTP 400" in (waiting.last_error or "")


def test_nothing_is_pushed_without_a_digilocker_id_or_push_settings(
        session: Session, engine: Engine, state: IssuerState,
        make_registration: Callable[..., Registration], issue: Issue, tmp_path: Path) -> None:
    issue(make_registration(professional={"digilocker_id": None}))
    assert [m.kind for m in outbox.pending(session)] == ["mail.certificate"]
    issue(make_registration())
    state.settings = make_settings(engine.url.render_as_string(hide_password=False))
    report = _run(state, tmp_path)
    assert (report.sent, report.skipped) == (2, 1)


def test_the_pull_api_is_off_without_an_api_key(engine: Engine, state: IssuerState) -> None:
    from issuer.app import create_app

    plain = make_settings(engine.url.render_as_string(hide_password=False))
    with TestClient(create_app(plain, state=state)) as client:
        state.settings = plain
        response = client.post("/digilocker/pull-uri", content=b"<PullURIRequest/>")
    assert response.status_code == 404
