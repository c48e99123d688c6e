"""Mail the certificate on issuance, serve signed download links, send fresh links on request.

Issuance only enqueues (``issuer.outbox.hooks``, a row insert in the issuing transaction);
the outbox worker calls ``prepare`` with the row's payload, which reads the certificate and
returns the I/O to do: render the PDF, sign a link, compose and send the mail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.delivery.service import certificate_pdf
from issuer.mail import application_mail
from issuer.mail.compose import CertificateMail, certificate_message, outbox_message_id
from issuer.mail.links import make_link, read_link
from issuer.mail.transport import MailTransport
from issuer.outbox import service as outbox
from issuer.outbox.hooks import MAIL_CERTIFICATE
from issuer.registry.models import Professional, Registration
from schemas.registry import Registry

if TYPE_CHECKING:
    from issuer.delivery.pdf import CertificatePdfRenderer

CERTIFICATE, LINK = MAIL_CERTIFICATE, "mail.link"


@dataclass(frozen=True)
class MailContext:
    transport: MailTransport
    registry: Registry
    renderer: Callable[[], CertificatePdfRenderer]
    page_url: str
    public_base: str
    link_secrets: Sequence[str]
    link_ttl: timedelta
    sender: str


def request_fresh_link(session: Session, *, certificate_number: str, email: str,
                       now: datetime) -> None:
    """Mail a fresh link to the certificate holder's registered address. Says nothing about
    whether the number and address matched, so it cannot be used to probe the register."""
    row = credentials.find(session, certificate_number)
    if row is None:
        return
    professional = _professional(session, row)
    if professional.email and professional.email.strip().lower() == email.strip().lower():
        outbox.enqueue(session, LINK, {"credential": row.id}, now=now)


def certificate_for_link(session: Session, token: str, *, secrets: Sequence[str],
                         now: datetime) -> IssuedCredential:
    return credentials.get(session, read_link(token, secrets=secrets, now=now))


def prepare(context: MailContext, session: Session, job: outbox.Job, now: datetime, *,
            attach: bool) -> outbox.Send | outbox.Skip:
    payload = job.payload
    row = session.get(IssuedCredential, payload["credential"])
    if row is None:
        return outbox.Skip(f"credential {payload['credential']} no longer exists")
    professional = _professional(session, row)
    if not professional.email:
        return outbox.Skip("the professional has no e-mail address on the register")
    cert_type = context.registry.certificate_type(row.certificate_type)
    council = context.registry.council(row.council_id)
    link = make_link(row.certificate_number, secrets=context.link_secrets,
                     public_base=context.public_base, now=now, ttl=context.link_ttl)
    mail = CertificateMail(
        to=professional.email, name=professional.name, name_hi=professional.name_hi,
        title=cert_type.title, title_hi=cert_type.title_hi, council=council.name,
        council_hi=council.name_hi, certificate_number=row.certificate_number, link=link.url,
        link_expires=link.expires_at)
    message_id = outbox_message_id(outbox_id=job.id, created_at=job.created_at, kind=job.kind,
                                   host=urlsplit(context.public_base).hostname or "localhost")

    def send() -> None:
        pdf = certificate_pdf(row, renderer=context.renderer(), registry=context.registry,
                              page_url=context.page_url) if attach else None
        context.transport.send(certificate_message(mail, sender=context.sender,
                                                   message_id=message_id, now=now, pdf=pdf))
    return send


def prepare_application_mail(context: MailContext, session: Session, job: outbox.Job,
                             now: datetime) -> outbox.Send | outbox.Skip:
    """The mail about a question or a rejection (``application_mail``)."""
    mail = application_mail.compose(session, job, registry=context.registry,
                                    public_base=context.public_base)
    if mail is None:
        return outbox.Skip("the application or the professional's address is gone")
    message_id = outbox_message_id(outbox_id=job.id, created_at=job.created_at, kind=job.kind,
                                   host=urlsplit(context.public_base).hostname or "localhost")
    message = application_mail.application_message(mail, sender=context.sender,
                                                   message_id=message_id, now=now)
    return lambda: context.transport.send(message)


def handlers(context: MailContext) -> dict[str, outbox.Handler]:
    return {
        CERTIFICATE: lambda s, job, now: prepare(context, s, job, now, attach=True),
        LINK: lambda s, job, now: prepare(context, s, job, now, attach=False),
        application_mail.APPLICATION_MAIL:
            lambda s, job, now: prepare_application_mail(context, s, job, now),
    }


def _professional(session: Session, row: IssuedCredential) -> Professional:
    return session.get_one(Registration, row.registration_id).professional
