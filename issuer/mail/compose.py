"""The mails, in English and Hindi: plain text and HTML alternatives, PDF attached when given.

Templates are plain Python with ``html.escape`` on every value put into HTML: the only inputs are
names from the register, certificate titles from registry data and our own links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

from schemas.credential import INDIA


@dataclass(frozen=True)
class CertificateMail:
    to: str
    name: str
    name_hi: str | None
    title: str
    title_hi: str
    council: str
    council_hi: str
    certificate_number: str
    link: str
    link_expires: datetime


def certificate_message(mail: CertificateMail, *, sender: str, message_id: str, now: datetime,
                        pdf: bytes | None) -> EmailMessage:
    """The certificate mail (``pdf`` attached) or, with ``pdf=None``, a fresh-link mail.
    ``message_id`` is the outbox message's (``outbox_message_id``), the same on every attempt."""
    expires = mail.link_expires.astimezone(INDIA).strftime("%d-%m-%Y %H:%M IST")
    name_hi = mail.name_hi or mail.name
    if pdf is not None:
        subject = (f"{mail.title} {mail.certificate_number} / {mail.title_hi}")
        en = (f"Dear {mail.name},\n\n{mail.council} has issued your {mail.title} "
              f"({mail.certificate_number}). It is attached to this e-mail as a PDF.")
        hi = (f"प्रिय {name_hi},\n\n{mail.council_hi} ने आपका {mail.title_hi} "
              f"({mail.certificate_number}) जारी किया है। यह इस ई-मेल के साथ PDF के रूप में संलग्न है।")
    else:
        subject = (f"Download link: {mail.certificate_number} / डाउनलोड लिंक")
        en = (f"Dear {mail.name},\n\nHere is a fresh download link for your {mail.title} "
              f"({mail.certificate_number}), as you asked.")
        hi = (f"प्रिय {name_hi},\n\nआपके अनुरोध पर आपके {mail.title_hi} "
              f"({mail.certificate_number}) का नया डाउनलोड लिंक।")
    en_link = (f"Download it again until {expires}:\n{mail.link}\n\nThe QR code on the "
               "certificate lets anyone check that it is genuine and still valid.")
    hi_link = (f"{expires} तक पुनः डाउनलोड करें:\n{mail.link}\n\nप्रमाणपत्र पर दिए गए QR "
               "कोड से कोई भी इसकी प्रामाणिकता और वैधता जाँच सकता है।")
    message = bilingual_message(
        subject=subject, sender=sender, to=Address(display_name=mail.name, addr_spec=mail.to),
        now=now, message_id=message_id, text=f"{en}\n{en_link}\n\n— — —\n\n{hi}\n{hi_link}\n",
        html=_html(subject, en, en_link, hi, hi_link, mail.link))
    if pdf is not None:
        message.add_attachment(pdf, maintype="application", subtype="pdf",
                               filename=f"{mail.certificate_number}.pdf")
    return message


def outbox_message_id(*, outbox_id: int, created_at: datetime, kind: str, host: str) -> str:
    """One ``Message-ID`` (RFC 5322 §3.6.4) per outbox row, identical on every attempt, so a mail
    sent again after a worker crashed mid-send can be recognised as the same message by the
    receiver. The creation time keeps ids apart when a rebuilt database numbers rows from 1
    again; ``host`` is the issuer's public host, the domain the ids are unique within."""
    return f"<outbox-{outbox_id}.{created_at.astimezone(UTC):%Y%m%d%H%M%S}.{kind}@{host}>"


def bilingual_message(*, subject: str, sender: str, to: str | Address, now: datetime,
                      message_id: str, text: str, html: str) -> EmailMessage:
    """Every mail the issuer sends: English then Hindi, as plain text and as HTML."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Content-Language"] = "en, hi"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def html_document(subject: str, en: str, hi: str) -> str:
    """The HTML alternative around two parts already in HTML: a ``lang`` on the document and on
    each language's part, and a ``<title>``."""
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(subject)}</title></head>"
            '<body style="font-family:sans-serif">'
            f'<div lang="en">{en}</div><hr><div lang="hi">{hi}</div></body></html>')


def paragraphs(text: str) -> str:
    """Plain text as HTML: a blank line starts a paragraph, a newline breaks the line."""
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))


def link(href: str) -> str:
    return f'<a href="{escape(href, quote=True)}">{escape(href)}</a>'


def _html(subject: str, en: str, en_link: str, hi: str, hi_link: str, href: str) -> str:
    """The certificate mail's HTML: the "download it again until …" line ends in its own link."""
    def link_part(text: str) -> str:
        until, _, rest = text.partition(f"\n{href}\n\n")
        return f"<p>{escape(until)} {link(href)}</p>{paragraphs(rest)}"

    return html_document(subject, paragraphs(en) + link_part(en_link),
                         paragraphs(hi) + link_part(hi_link))
