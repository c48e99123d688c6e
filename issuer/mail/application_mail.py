"""Mail the professional when the council acts on their application: it asked a question, or it
rejected the application (an approval sends the certificate mail instead).

The council's action only enqueues (a row insert in its transaction, ``notify``); the outbox
worker calls ``prepare``, which reads the application and composes the mail then, in English
and Hindi, with a link to the application page where the answer is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage

from sqlalchemy.orm import Session

from issuer.applications.models import Application
from issuer.mail.compose import bilingual_message, html_document, link, paragraphs
from issuer.outbox import service as outbox
from schemas.registry import Registry

APPLICATION_MAIL = "mail.application"
QUERIED, REJECTED = "queried", "rejected"
KIND_TITLES: dict[str, tuple[str, str]] = {
    # the application kinds that are not certificate types of their own
    "duplicate": ("Duplicate Registration Certificate", "डुप्लिकेट पंजीकरण प्रमाणपत्र"),
    "renewal": ("Renewed Registration Certificate", "नवीनीकृत पंजीकरण प्रमाणपत्र"),
}


def kind_title(application: Application, registry: Registry) -> tuple[str, str]:
    """What the application asks for, in English and Hindi: its certificate type's title, or
    the kind's own (a duplicate, a renewal)."""
    if application.kind in KIND_TITLES:
        return KIND_TITLES[application.kind]
    cert_type = registry.certificate_type(application.certificate_type)
    return cert_type.title, cert_type.title_hi


def notify(session: Session, application: Application, *, event: str, message: str,
           now: datetime) -> None:
    """Enqueue the mail for ``event`` (``queried`` or ``rejected``) in the caller's transaction,
    with the council's words as they were when it acted."""
    if application.registration.professional.email:
        outbox.enqueue(session, APPLICATION_MAIL, {"application": application.id,
                                                   "event": event, "message": message},
                       now=now)


@dataclass(frozen=True)
class ApplicationMail:
    to: str
    name: str
    name_hi: str
    council: str
    council_hi: str
    title: str
    title_hi: str
    application_id: int
    event: str
    message: str
    link: str


def application_message(mail: ApplicationMail, *, sender: str, message_id: str,
                        now: datetime) -> EmailMessage:
    n = mail.application_id
    if mail.event == QUERIED:
        subject = (f"{mail.council} has a question about application #{n} / "
                   f"{mail.council_hi} का प्रश्न")
        en = (f"Dear {mail.name},\n\n{mail.council} has a question about your application #{n} "
              f"for a {mail.title}:\n\n“{mail.message}”\n\nPlease answer it (and add a document "
              "if asked) on your application page:")
        hi = (f"प्रिय {mail.name_hi},\n\n{mail.council_hi} का आपके {mail.title_hi} के आवेदन "
              f"#{n} के बारे में एक प्रश्न है:\n\n“{mail.message}”\n\nकृपया अपने आवेदन के पृष्ठ "
              "पर इसका उत्तर दें (और माँगा गया दस्तावेज़ जोड़ें):")
    else:
        subject = f"Application #{n} was not approved / आवेदन #{n} अस्वीकृत"
        en = (f"Dear {mail.name},\n\n{mail.council} has rejected your application #{n} for a "
              f"{mail.title}. The reason given:\n\n“{mail.message}”\n\nYou can apply again once "
              "the reason no longer applies. Your application page:")
        hi = (f"प्रिय {mail.name_hi},\n\n{mail.council_hi} ने आपके {mail.title_hi} के आवेदन "
              f"#{n} को अस्वीकार कर दिया है। बताया गया कारण:\n\n“{mail.message}”\n\nकारण दूर "
              "होने पर आप फिर से आवेदन कर सकते हैं। आपके आवेदन का पृष्ठ:")
    hindi_link = f"{mail.link}?lang=hi"
    return bilingual_message(
        subject=subject, sender=sender, to=Address(display_name=mail.name, addr_spec=mail.to),
        now=now, message_id=message_id,
        text=f"{en}\n{mail.link}\n\n— — —\n\n{hi}\n{hindi_link}\n",
        html=html_document(subject, f"{paragraphs(en)}<p>{link(mail.link)}</p>",
                           f"{paragraphs(hi)}<p>{link(hindi_link)}</p>"))


def compose(session: Session, job: outbox.Job, *, registry: Registry,
            public_base: str) -> ApplicationMail | None:
    """The mail an outbox row stands for; None when there is no one to send it to."""
    application = session.get(Application, job.payload["application"])
    if application is None:
        return None
    professional = application.registration.professional
    if not professional.email:
        return None
    council = registry.council(application.council_id)
    title, title_hi = kind_title(application, registry)
    return ApplicationMail(
        to=professional.email, name=professional.name,
        name_hi=professional.name_hi or professional.name, council=council.name,
        council_hi=council.name_hi, title=title, title_hi=title_hi,
        application_id=application.id, event=str(job.payload["event"]),
        message=str(job.payload["message"]),
        link=f"{public_base.rstrip('/')}/p/applications/{application.id}")
