"""What the professional is told about their registration, in English and Hindi, by e-mail
through the outbox: each register change (``MAIL_REGISTER``, with every certificate it touched)
and reminders before a renewal falls due or a Good Standing Certificate expires
(``MAIL_REMINDER``, enqueued by ``issuer.registry.reminders``).

The handlers read the rows when the outbox processes them and return the send; a retry of the
same row is the same message (one ``Message-ID`` per outbox row).
"""

from __future__ import annotations

from datetime import date, datetime
from email.headerregistry import Address
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from issuer.credentials.models import IssuedCredential
from issuer.mail.compose import bilingual_message, html_document, outbox_message_id, paragraphs
from issuer.mail.service import MailContext
from issuer.outbox import service as outbox
from issuer.outbox.hooks import MAIL_REGISTER, MAIL_REMINDER
from issuer.registry.models import Professional, RegisterAction, Registration

ACTIONS = {
    "suspended": ("has suspended your registration", "ने आपका पंजीकरण निलंबित किया है"),
    "removed": ("has removed your registration from the register",
                "ने आपका पंजीकरण रजिस्टर से हटाया है"),
    "restored": ("has restored your registration", "ने आपका पंजीकरण बहाल किया है"),
    "renewed": ("has renewed your registration", "ने आपके पंजीकरण का नवीनीकरण किया है"),
    "corrected": ("has corrected the particulars of your registration",
                  "ने आपके पंजीकरण के विवरण में सुधार किया है"),
    "made_permanent": ("has made your registration permanent",
                       "ने आपका पंजीकरण स्थायी किया है"),
    "proceedings_opened": ("has opened disciplinary proceedings on your registration",
                           "ने आपके पंजीकरण पर अनुशासनात्मक कार्यवाही आरंभ की है"),
    "proceedings_closed": ("has closed disciplinary proceedings on your registration",
                           "ने आपके पंजीकरण पर अनुशासनात्मक कार्यवाही समाप्त की है"),
}
EFFECTS = {
    "suspended": ("Certificates suspended", "निलंबित प्रमाणपत्र"),
    "revoked": ("Certificates revoked", "निरस्त प्रमाणपत्र"),
    "reinstated": ("Certificates valid again", "पुनः वैध प्रमाणपत्र"),
    "reissued": ("Certificates re-issued (old → new)", "पुनः जारी प्रमाणपत्र (पुराना → नया)"),
}


def register_change(context: MailContext, session: Session, job: outbox.Job, now: datetime
                    ) -> outbox.Send | outbox.Skip:
    action = session.get(RegisterAction, job.payload["action"])
    if action is None:
        return outbox.Skip(f"register action {job.payload['action']} no longer exists")
    registration = session.get_one(Registration, action.registration_id)
    person = registration.professional
    if not person.email:
        return outbox.Skip("the professional has no e-mail address on the register")
    council = context.registry.council(registration.council_id)
    en_did, hi_did = ACTIONS.get(action.action, (action.action, action.action))
    number = registration.registration_number
    en = [f"Dear {person.name},", "", f"{council.name} {en_did} ({number})."]
    hi = [f"प्रिय {person.name_hi or person.name},", "",
          f"{council.name_hi} {hi_did} ({number})।"]
    if action.order_reference:
        en.append(f"Order reference: {action.order_reference}")
        hi.append(f"आदेश संदर्भ: {action.order_reference}")
    for key, (en_label, hi_label) in EFFECTS.items():
        numbers = [" → ".join(n) if isinstance(n, list) else n
                   for n in action.certificates.get(key, [])]
        if numbers:
            en.append(f"{en_label}: {', '.join(numbers)}")
            hi.append(f"{hi_label}: {', '.join(numbers)}")
    subject = f"{council.name}: registration {number} / पंजीकरण {number}"
    return _send(context, job, now, person, subject, en, hi)


def reminder(context: MailContext, session: Session, job: outbox.Job, now: datetime
             ) -> outbox.Send | outbox.Skip:
    payload = job.payload
    registration = session.get(Registration, payload["registration"])
    if registration is None or not registration.professional.email:
        return outbox.Skip("no registration or no e-mail address on the register")
    person, number = registration.professional, registration.registration_number
    council = context.registry.council(registration.council_id)
    due = date.fromisoformat(payload["due"])
    if payload["what"] == "renewal":
        en_text = f"your registration {number} with {council.name} is due for renewal on {due}."
        hi_text = (f"{council.name_hi} में आपके पंजीकरण {number} का नवीनीकरण {due} को देय है।")
    else:
        row = session.get(IssuedCredential, payload["credential"])
        certificate = row.certificate_number if row else "?"
        en_text = f"your Good Standing Certificate {certificate} expires on {due}."
        hi_text = f"आपका सुस्थिति प्रमाणपत्र {certificate} {due} को समाप्त हो रहा है।"
    en = [f"Dear {person.name},", "", f"A reminder: {en_text}",
          "Apply to the council in good time."]
    hi = [f"प्रिय {person.name_hi or person.name},", "", f"अनुस्मारक: {hi_text}",
          "कृपया समय रहते परिषद में आवेदन करें।"]
    return _send(context, job, now, person, f"Reminder / अनुस्मारक: {number}", en, hi)


def _send(context: MailContext, job: outbox.Job, now: datetime, person: Professional,
          subject: str, en: list[str], hi: list[str]) -> outbox.Send:
    assert person.email is not None
    message = bilingual_message(
        subject=subject, sender=context.sender,
        to=Address(display_name=person.name, addr_spec=person.email), now=now,
        message_id=outbox_message_id(outbox_id=job.id, created_at=job.created_at, kind=job.kind,
                                     host=urlsplit(context.public_base).hostname or "localhost"),
        text="\n".join(en) + "\n\n— — —\n\n" + "\n".join(hi) + "\n",
        html=html_document(subject, paragraphs("\n".join(en)), paragraphs("\n".join(hi))))

    def send() -> None:
        context.transport.send(message)
    return send


def handlers(context: MailContext) -> dict[str, outbox.Handler]:
    return {MAIL_REGISTER: lambda s, job, now: register_change(context, s, job, now),
            MAIL_REMINDER: lambda s, job, now: reminder(context, s, job, now)}
