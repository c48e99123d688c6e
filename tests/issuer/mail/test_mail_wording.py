"""The mails' HTML and Hindi wording (issue 14): ``lang`` and a ``<title>``, the "download it
again until …" line next to its link, the fixed Hindi phrases, a board named as a board."""

from __future__ import annotations

import re
from datetime import timedelta

from issuer.applicants.mail import sign_in_message
from issuer.mail.application_mail import ApplicationMail, application_message
from issuer.mail.compose import CertificateMail, certificate_message
from schemas.registry import default_registry
from tests.clock import NOW

LINK = "https://pramaan.hr.gov.in/d/abc.def"


def _certificate_mail() -> CertificateMail:
    return CertificateMail(
        to="asha@example.org", name="Asha Rani", name_hi="आशा रानी",
        title="Good Standing Certificate", title_hi="सुस्थिति प्रमाणपत्र",
        council="Haryana Medical Council", council_hi="हरियाणा मेडिकल काउंसिल",
        certificate_number="HMC-GS-3TXE-5408", link=LINK, link_expires=NOW + timedelta(days=30))


def test_the_certificate_mail_html_has_lang_title_and_the_link_beside_its_line() -> None:
    message = certificate_message(_certificate_mail(), sender="noreply@example.org",
                                  message_id="<1@example.org>", now=NOW, pdf=b"%PDF-1.4")
    html_part = message.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert re.search(r'^<!doctype html><html lang="en"><head>.*<title>Good Standing '
                     r"Certificate HMC-GS-3TXE-5408 / .+</title>", html)
    anchor = f'<a href="{LINK}">{LINK}</a>'
    assert re.search(r"<p>Download it again until [^<]+ IST: " + re.escape(anchor) + "</p>", html)
    assert re.search(r"<p>[^<]+ IST तक पुनः डाउनलोड करें: " + re.escape(anchor) + "</p>", html)
    assert html.count(anchor) == 2
    text_part = message.get_body(("plain",))
    assert text_part is not None
    text = text_part.get_content()
    assert "प्रमाणपत्र पर दिए गए QR कोड से" in text and "दिया QR" not in text


def test_the_sign_in_mail_says_in_hindi_too_that_nobody_signs_in_without_the_code() -> None:
    text = sign_in_message(to="asha@example.org", code="123456", sender="noreply@example.org",
                           now=NOW, minutes=10).get_content()
    english, hindi = text.split("— — —")
    assert "nobody can sign in without it" in english
    assert "इसके बिना कोई साइन इन नहीं कर सकता" in hindi


def test_a_question_from_the_homoeopathic_board_names_it_a_board() -> None:
    board = default_registry().council("hhom")
    mail = ApplicationMail(
        to="h@example.org", name="H. Singh", name_hi="एच. सिंह", council=board.name,
        council_hi=board.name_hi, title="Good Standing Certificate",
        title_hi="सुस्थिति प्रमाणपत्र", application_id=7, event="queried",
        message="Which regulator?", link="https://pramaan.hr.gov.in/p/applications/7")
    message = application_message(mail, sender="noreply@example.org", message_id="<2@x>",
                                  now=NOW)
    assert "बोर्ड का प्रश्न" in str(message["Subject"]) and "परिषद" not in str(message["Subject"])
    text_part = message.get_body(("plain",))
    assert text_part is not None
    text = text_part.get_content()
    assert "परिषद" not in text and "हरियाणा होम्योपैथिक चिकित्सा बोर्ड" in text
    html_part = message.get_body(("html",))
    assert html_part is not None
    assert re.search(r'<html lang="en">.*<title>[^<]+</title>', html_part.get_content())
