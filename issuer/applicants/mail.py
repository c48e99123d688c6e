"""The sign-in code mail, in English and Hindi."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


def sign_in_message(*, to: str, code: str, sender: str, now: datetime,
                    minutes: int) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"Pramaan sign-in code {code} / साइन-इन कोड"
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain="pramaan")
    message["Content-Language"] = "en, hi"
    message.set_content(
        f"Your sign-in code is {code}. It works once, for {minutes} minutes.\n"
        "If you did not ask for it, ignore this e-mail; nobody can sign in without it.\n\n"
        "— — —\n\n"
        f"आपका साइन-इन कोड {code} है। यह केवल एक बार, {minutes} मिनट तक मान्य है।\n"
        "यदि आपने इसे नहीं माँगा, तो इस ई-मेल को अनदेखा करें; इसके बिना कोई साइन इन नहीं कर "
        "सकता।\n")
    return message
