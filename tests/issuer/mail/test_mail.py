"""The certificate mail through the outbox to a real SMTP server, outages, the maildir default."""

from __future__ import annotations

import mailbox
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from issuer.credentials.models import IssuedCredential
from issuer.mail.links import read_link
from issuer.mail.transport import MaildirTransport, SmtpTransport, transport_for
from issuer.outbox import service as outbox
from issuer.outbox.models import OutboxMessage
from issuer.outbox.runner import policy, run_once
from issuer.state import IssuerState
from tests.clock import NOW, TestClock
from tests.conftest import make_settings
from tests.issuer.mail.conftest import SMTP_PASSWORD, SMTP_USER, SmtpServer
from tests.pdfsig import pdfsig

Issue = Callable[..., IssuedCredential]


def _smtp(server: SmtpServer, **kwargs: object) -> SmtpTransport:
    return SmtpTransport(host="127.0.0.1", port=server.port, security="none", timeout=5,
                         **kwargs)  # type: ignore[arg-type]


def test_issuance_only_enqueues_the_mail(session: Session, issue_for: Issue,
                                         smtp_server: SmtpServer) -> None:
    row = issue_for()
    [message] = outbox.pending(session)
    assert (message.kind, message.payload, message.attempts) == (
        "mail.certificate", {"credential": row.id}, 0)
    assert smtp_server.inbox.messages == []


def test_certificate_mail_with_pdf_reaches_a_real_smtp_server(
        session: Session, state: IssuerState, issue_for: Issue, smtp_server: SmtpServer,
        client: TestClient, tmp_path: Path) -> None:
    row = issue_for(email="asha.rani@example.org", name="Dr. Asha Rani")
    report = run_once(state, now=NOW, transport=_smtp(smtp_server))
    assert (report.sent, report.retried) == (1, 0)
    [mail] = smtp_server.inbox.messages
    assert smtp_server.inbox.envelopes[0][1] == ["asha.rani@example.org"]
    assert row.certificate_number in str(mail["Subject"])
    assert "पंजीकरण प्रमाणपत्र" in str(mail["Subject"])
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    plain = text.get_content()
    assert "Dear Dr. Asha Rani" in plain and "प्रिय" in plain
    assert "<a href=\"https://pramaan.hr.gov.in/d/" in html.get_content()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{row.certificate_number}.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF") and row.token.encode() in pdf
    signature = pdfsig(pdf, tmp_path)  # the attachment is the council-signed PDF
    assert "Signature is Valid." in signature and "Total document signed" in signature
    link = next(w for w in plain.split() if w.startswith("https://pramaan.hr.gov.in/d/"))
    downloaded = client.get(link.removeprefix("https://pramaan.hr.gov.in"))
    assert downloaded.status_code == 200
    assert downloaded.headers["content-type"] == "application/pdf"
    assert row.token.encode() in downloaded.content
    [done] = session.query(OutboxMessage).all()
    assert (done.outcome, done.due_at) == ("sent", None)


class _Killed(BaseException):
    """The worker's process dying: nothing the outbox catches, so nothing is recorded."""


@dataclass(frozen=True)
class _DiesAfterSending:
    """A real SMTP transport in a worker that is killed once the server has the message and
    before the outbox records it as sent."""

    inner: SmtpTransport

    def send(self, message: EmailMessage) -> None:
        self.inner.send(message)
        raise _Killed


def test_a_mail_sent_again_after_a_crash_keeps_its_message_id(
        session: Session, state: IssuerState, issue_for: Issue, smtp_server: SmtpServer) -> None:
    issue_for(email="asha.rani@example.org")
    with pytest.raises(_Killed):
        run_once(state, now=NOW, transport=_DiesAfterSending(_smtp(smtp_server)))
    assert len(smtp_server.inbox.messages) == 1
    [row] = outbox.pending(session)

    # the claim's lease keeps other workers off the row for a few SMTP timeouts, not minutes
    assert run_once(state, now=NOW + timedelta(seconds=30),
                    transport=_smtp(smtp_server)).processed == 0
    assert run_once(state, now=NOW + timedelta(minutes=2), transport=_smtp(smtp_server)).sent == 1

    first, second = smtp_server.inbox.messages
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"] == (f"<outbox-{row.id}.{NOW:%Y%m%d%H%M%S}.mail.certificate"
                                   "@pramaan.hr.gov.in>")
    session.refresh(row)
    assert (row.outcome, row.attempts) == ("sent", 2)


def test_each_lease_runs_from_its_own_claim_not_from_the_start_of_the_pass(
        session: Session, state: IssuerState, clock: TestClock, issue_for: Issue,
        smtp_server: SmtpServer) -> None:
    issue_for()
    issue_for()
    sent: list[EmailMessage] = []

    @dataclass(frozen=True)
    class SlowThenKilled:  # each send takes 100 s on the service's clock; the second kills
        def send(self, message: EmailMessage) -> None:
            clock.advance(timedelta(seconds=100))
            _smtp(smtp_server).send(message)
            sent.append(message)
            if len(sent) == 2:
                raise _Killed

    with pytest.raises(_Killed):
        run_once(state, now=NOW, transport=SlowThenKilled())
    [second] = outbox.pending(session)
    session.refresh(second)
    lease = timedelta(seconds=policy(state).lease_seconds)
    assert second.due_at == NOW + timedelta(seconds=100) + lease  # claimed after the first send


def test_the_outbox_survives_an_smtp_outage(session: Session, state: IssuerState,
                                            issue_for: Issue, smtp_server: SmtpServer) -> None:
    issue_for()
    transport = _smtp(smtp_server)
    smtp_server.stop()

    report = run_once(state, now=NOW, transport=transport)
    assert (report.sent, report.retried) == (0, 1)
    [waiting] = outbox.pending(session)
    session.refresh(waiting)
    assert waiting.attempts == 1 and "127.0.0.1" in (waiting.last_error or "")
    retry_at = NOW + timedelta(seconds=state.settings.outbox_retry_seconds)
    assert run_once(state, now=retry_at - timedelta(seconds=1), transport=transport).processed == 0
    assert run_once(state, now=retry_at, transport=transport).retried == 1  # still down: backoff
    session.refresh(waiting)
    assert waiting.attempts == 2

    smtp_server.start()
    later = retry_at + timedelta(seconds=2 * state.settings.outbox_retry_seconds)
    assert run_once(state, now=later, transport=transport).sent == 1
    assert len(smtp_server.inbox.messages) == 1
    assert outbox.pending(session) == []


def test_backoff_doubles_up_to_the_cap_and_the_row_is_given_up_at_the_limit(
        session: Session, state: IssuerState, issue_for: Issue, smtp_server: SmtpServer) -> None:
    policy = outbox.RetryPolicy(first_delay_seconds=10, max_delay_seconds=30, max_attempts=3)
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 30, 30]
    issue_for()
    smtp_server.stop()
    from issuer.outbox.runner import handlers

    table = handlers(state, transport=_smtp(smtp_server))
    moment = NOW
    for _ in range(3):
        outbox.process_due(state.sessions, table, now=moment, policy=policy)
        moment += timedelta(seconds=60)
    [row] = session.query(OutboxMessage).all()
    session.refresh(row)
    assert (row.outcome, row.attempts, row.due_at) == ("failed", 3, None)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtp_login_with_the_configured_user_and_password(
        state: IssuerState, issue_for: Issue) -> None:
    server = SmtpServer(auth=True)
    server.start()
    try:
        issue_for()
        wrong = run_once(state, now=NOW, transport=_smtp(server, user=SMTP_USER,
                                                         password="wrong"))
        assert wrong.retried == 1 and server.inbox.messages == []
        right = run_once(state, now=NOW + timedelta(hours=1),
                         transport=_smtp(server, user=SMTP_USER, password=SMTP_PASSWORD))
        assert right.sent == 1 and len(server.inbox.messages) == 1
    finally:
        server.stop()


def test_the_password_is_never_shown() -> None:
    settings = make_settings(smtp_host="smtp.example.org", smtp_user="u",
                             smtp_password="hunter2-hunter2")
    transport = transport_for(settings)
    assert "hunter2" not in repr(transport) and "hunter2" not in repr(settings)


def test_without_an_smtp_host_mail_goes_to_a_local_maildir(
        state: IssuerState, issue_for: Issue, tmp_path: Path) -> None:
    settings = make_settings(maildir=tmp_path / "mail")
    transport = transport_for(settings)
    assert isinstance(transport, MaildirTransport)
    row = issue_for()
    assert run_once(state, now=NOW, transport=transport).sent == 1
    [mail] = list(mailbox.Maildir(tmp_path / "mail", create=False))
    assert row.certificate_number in mail["Subject"]


def test_no_address_no_mail(session: Session, issue_for: Issue) -> None:
    issue_for(email=None)
    assert outbox.pending(session) == []


def test_a_fresh_link_mail_carries_a_link_and_no_attachment(
        session: Session, state: IssuerState, issue_for: Issue, smtp_server: SmtpServer,
        client: TestClient) -> None:
    row = issue_for(email="asha.rani@example.org")
    run_once(state, now=NOW, transport=_smtp(smtp_server))
    client.post("/d/request", json={"certificate_number": row.certificate_number,
                                    "email": "asha.rani@example.org"})
    later = NOW + timedelta(days=10)  # the first link has expired by now
    assert run_once(state, now=later, transport=_smtp(smtp_server)).sent == 1
    certificate_mail, fresh = smtp_server.inbox.messages
    assert fresh["Message-ID"] != certificate_mail["Message-ID"]  # one id per outbox message
    assert list(fresh.iter_attachments()) == []
    body = fresh.get_body(("plain",))
    assert body is not None
    link = next(w for w in body.get_content().split() if "/d/" in w)
    assert read_link(link.rsplit("/d/", 1)[1], secrets=["dev-only-link-secret-change-me"],
                     now=later) == row.certificate_number
