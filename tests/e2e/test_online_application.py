"""End to end in headless Chromium: a professional applies online, a registrar approves, the
certificate arrives by e-mail through a real SMTP server, and it verifies against the live
issuer's keys and status lists."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.clock import NOW
from tests.e2e.browsers import MailingIssuer, mailing_issuer
from tests.issuer.applications.conftest import PDF
from tests.issuer.mail.conftest import SmtpServer
from verifier.inputs import token_from_pdf
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.verify import Verifier

CHROMIUM = Path("/usr/bin/chromium")
EMAIL = "asha.rani@example.org"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium "
                                "(scripts/setup installs it)")


Live = MailingIssuer


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with mailing_issuer(tmp_path, email=EMAIL) as issuer:
        yield issuer


def _wait_for_mail(smtp: SmtpServer, subject: str, timeout: float = 20) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in smtp.inbox.messages:
            if subject in str(message["Subject"]):
                return message
        time.sleep(0.1)
    raise AssertionError(f"no mail with {subject!r} arrived; got "
                         f"{[str(m['Subject']) for m in smtp.inbox.messages]}")


def test_apply_approve_mail_and_verify(live: Live, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    document = tmp_path / "gmc-letter.pdf"
    document.write_bytes(PDF)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox"])
        try:
            phone = browser.new_context(viewport={"width": 390, "height": 844},
                                        is_mobile=True)
            page = phone.new_page()
            # the professional signs in with the code mailed to the registered address
            page.goto(f"{live.base}/p?lang=hi")
            assert "पेशेवरों के लिए" in page.content()
            page.goto(f"{live.base}/p?lang=en")
            page.fill("#email", EMAIL)
            page.click("button[type=submit]")
            mail = _wait_for_mail(live.smtp, "sign-in code")
            code = re.search(r"sign-in code (\d{6})", str(mail["Subject"]))
            assert code is not None
            page.fill("#code", code.group(1))
            page.click("button[type=submit]")
            page.wait_for_url("**/p/applications")
            # applies for a Good Standing Certificate and uploads a letter
            page.click("#apply-good-standing")
            page.fill("#addressee", "General Medical Council, United Kingdom")
            page.fill("#purpose", "Registration abroad")
            page.click("form[action='/p/applications'] button[type=submit]")
            page.wait_for_url(re.compile(r".*/p/applications/\d+$"))
            application_url = page.url
            assert page.get_attribute("#state", "data-state") == "submitted"
            page.set_input_files("#file", str(document))
            page.click("form[enctype] button[type=submit]")
            assert "gmc-letter.pdf" in page.content()

            # a registrar finds it in the queue, with the register entry beside it, and approves
            desk = browser.new_context().new_page()
            desk.goto(f"{live.base}/s")  # people sign in by mailed code; a token still works
            desk.click("details.token-sign-in summary")
            desk.fill("#token", live.registrar_token)
            desk.click("form[action='/s/sign-in'] button[type=submit]")
            desk.wait_for_url("**/s/queue")
            desk.click("ul.queue a")
            assert "Bhagavatula" in (desk.text_content("aside") or "")
            desk.click("#approve")  # a summary of what will be issued to whom, then confirm
            assert "General Medical Council" in (desk.text_content("#summary") or "")
            desk.click("#confirm-approve")
            desk.wait_for_selector("#state[data-state=approved]")
            desk.goto(f"{live.base}/s/sla")
            assert "HMC" in desk.content()

            # the certificate arrives by e-mail and verifies against the live issuer
            certificate_mail = _wait_for_mail(live.smtp, "Good Standing Certificate")
            assert certificate_mail["To"].addresses[0].addr_spec == EMAIL
            [attachment] = list(certificate_mail.iter_attachments())
            pdf = attachment.get_content()
            token = token_from_pdf(pdf)
            verifier = Verifier.from_settings(VerifierSettings(trusted_issuers=[TrustedIssuer(
                issuer=live.base, jwks_uri=f"{live.base}/.well-known/jwks.json",
                name="Haryana (test)")]))
            try:
                result = verifier.verify(token, now=NOW)
            finally:
                verifier.close()
            assert result.verified, result.failures
            subject = result.credential["credentialSubject"] if result.credential else {}
            assert subject.get("addressee") == "General Medical Council, United Kingdom"

            # and the professional sees the decision and downloads the same certificate
            page.goto(application_url)
            assert page.get_attribute("#state", "data-state") == "approved"
            with page.expect_download() as download:
                page.click("#download")
            downloaded = Path(download.value.path()).read_bytes()
            assert token_from_pdf(downloaded) == token
        finally:
            browser.close()
