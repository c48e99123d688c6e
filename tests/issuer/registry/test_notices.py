"""The professional hears of register changes and of what falls due, in English and Hindi."""

from __future__ import annotations

import mailbox
import re
from datetime import date, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from sqlalchemy import select

from issuer.mail.transport import MaildirTransport
from issuer.outbox.hooks import MAIL_REMINDER
from issuer.outbox.models import OutboxMessage
from issuer.outbox.runner import run_once
from issuer.registry import lifecycle, reminders
from issuer.registry.lifecycle import Order
from tests.clock import NOW
from tests.issuer.registry.conftest import Desk


def _mails(path: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(path, create=False)
    return [mailbox_message_to_email(m) for m in box]


def mailbox_message_to_email(message: mailbox.MaildirMessage) -> EmailMessage:
    from email import message_from_bytes

    parsed = message_from_bytes(message.as_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_suspension_is_mailed_with_every_certificate_it_suspended(
        desk: Desk, tmp_path: Path) -> None:
    registration = desk.make_registration()
    rc = desk.issue(registration)
    lifecycle.suspend(desk.session, registration, staff=desk.staff,
                      reason="disciplinary_inquiry", until=None, now=NOW,
                      order=Order(reference="HMC/DC/2026/17"))
    desk.session.commit()
    run_once(desk.state, now=NOW, transport=MaildirTransport(tmp_path / "mail"))
    notice = [m for m in _mails(tmp_path / "mail") if ": registration " in str(m["Subject"])]
    assert len(notice) == 1
    text = _text(notice[0])
    assert "has suspended your registration" in text and "निलंबित किया है" in text
    assert "HMC/DC/2026/17" in text and rc.certificate_number in text
    assert notice[0]["To"].addresses[0].addr_spec == registration.professional.email
    html = next(p for p in notice[0].walk() if p.get_content_type() == "text/html").get_content()
    assert re.search(r'^<!doctype html><html lang="en"><head>.*<title>[^<]+</title>', html)
    assert '<div lang="hi">' in html and "HMC/DC/2026/17" in html


def test_reminders_are_enqueued_once_each_in_both_languages(desk: Desk, tmp_path: Path) -> None:
    due_soon = desk.make_registration(
        registration={"council_id": "hpc", "valid_from": "2022-01-10"})  # due 2027-01-10
    later = desk.make_registration(registration={"council_id": "hpc"})  # due 2029
    gs = desk.issue(desk.make_registration(), "good-standing")
    assert due_soon.renewal_due == date(2027, 1, 10)
    assert reminders.due_for_renewal(desk.session, "hpc", now=NOW) == [due_soon]
    assert later not in reminders.due_for_renewal(desk.session, "hpc", now=NOW)
    assert reminders.enqueue_reminders(desk.session, now=NOW) == 1  # GS not yet near expiry
    assert reminders.enqueue_reminders(desk.session, now=NOW) == 0
    near_expiry = gs.valid_until - timedelta(days=10)
    assert reminders.enqueue_reminders(desk.session, now=near_expiry) == 1
    assert reminders.enqueue_reminders(desk.session, now=near_expiry) == 0
    payloads = [m.payload for m in desk.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == MAIL_REMINDER))]
    assert {p["what"] for p in payloads} == {"renewal", "good-standing"}
    desk.session.commit()
    run_once(desk.state, now=near_expiry, transport=MaildirTransport(tmp_path / "mail"))
    texts = [_text(m) for m in _mails(tmp_path / "mail") if "Reminder" in str(m["Subject"])]
    assert len(texts) == 2
    assert any("due for renewal on 2027-01-10" in t and "नवीनीकरण" in t for t in texts)
    assert any(gs.certificate_number in t and "सुस्थिति प्रमाणपत्र" in t for t in texts)
