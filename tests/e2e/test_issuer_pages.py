"""The professional's and the registrar's pages in headless Chromium (issue 14), at a phone's
360 px and a desktop's 1366 px, in English and Hindi: the question beside the answer, a refused
file that keeps the typed answer, a language switch after a form post, staff signing in as a
person by a mailed code, the approval confirmation, tap targets and visible focus. Screenshots
go to ``test-artifacts/issuer-pages/``."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from issuer.auth import accounts
from issuer.state import IssuerState
from tests.clock import NOW
from tests.e2e.browsers import MailingIssuer, mailing_issuer
from tests.issuer.applications.conftest import PDF
from tests.issuer.mail.conftest import SmtpServer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "issuer-pages"
EMAIL, STAFF_EMAIL = "asha.rani@example.org", "meera@hmc.example.org"
PHONE: Any = {"width": 360, "height": 740}
DESKTOP: Any = {"width": 1366, "height": 768}
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium "
                                "(scripts/setup installs it)")


Live = MailingIssuer


def _staff_account(state: IssuerState) -> None:
    with state.sessions.begin() as session:
        accounts.create_account(session, email=STAFF_EMAIL, name="Meera Sharma",
                                role="registrar", councils=["hmc"], now=NOW,
                                known_councils=set(state.registry.councils))


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with mailing_issuer(tmp_path, email=EMAIL, prepare=_staff_account) as issuer:
        yield issuer


def _mail(smtp: SmtpServer, subject: str, to: str, timeout: float = 20) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(smtp.inbox.messages):
            if subject in str(message["Subject"]) and to in str(message["To"]):
                found: EmailMessage = message
                return found
        time.sleep(0.1)
    raise AssertionError(f"no mail {subject!r} to {to}; got "
                         f"{[str(m['Subject']) for m in smtp.inbox.messages]}")


def _code(smtp: SmtpServer, to: str) -> str:
    found = re.search(r"sign-in code (\d{6})", str(_mail(smtp, "sign-in code", to)["Subject"]))
    assert found is not None
    smtp.inbox.messages[:] = [m for m in smtp.inbox.messages if to not in str(m["To"])]
    return found.group(1)


def _shots(page: Any, name: str) -> None:
    """``name`` at 360 px and 1366 px, in English and Hindi (the page is reloaded by its
    language link, so it must be a GET page)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url = re.sub(r"[?&]lang=\w+", "", page.url)
    sep = "&" if "?" in url else "?"
    for lang in ("en", "hi"):
        page.goto(f"{url}{sep}lang={lang}")
        for label, size in (("360", PHONE), ("1366", DESKTOP)):
            page.set_viewport_size(size)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{label}-{lang}.png"), full_page=True)
    page.goto(f"{url}{sep}lang=en")
    page.set_viewport_size(PHONE)


def _sign_in(page: Any, live: Live, path: str, email: str, name: str | None = None) -> None:
    page.goto(f"{live.base}{path}?lang=en")
    if name:
        _shots(page, f"{name}-email")
    page.fill("#email", email)
    page.click("form[action$='code'] button[type=submit], form[action$='sign-in'] "
               "button[type=submit] >> nth=0")
    page.wait_for_url(f"**{path}/code")
    assert email in (page.text_content("#sent-to") or "")
    if name:
        _shots(page, f"{name}-code")
    page.fill("#code", _code(live.smtp, email))
    page.click("form[action$='verify'] button[type=submit]")


def test_professional_and_registrar_pages_in_the_browser(live: Live, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    letter, notes = tmp_path / "gmc-letter.pdf", tmp_path / "notes.txt"
    letter.write_bytes(PDF)
    notes.write_text("not a document")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox"])
        try:
            page = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
            _sign_in(page, live, "/p", EMAIL, name="p-sign-in")
            page.wait_for_url("**/p/applications")
            _shots(page, "p-applications")
            page.click("#apply-good-standing")
            assert page.locator("#destination").count() == 0
            _shots(page, "p-apply-good-standing")
            page.fill("#addressee", "General Medical Council, United Kingdom")
            page.fill("#purpose", "Registration abroad")
            page.click("form[action='/p/applications'] button[type=submit]")
            page.wait_for_url(re.compile(r".*/p/applications/\d+$"))
            application_url = page.url
            application = application_url.rsplit("/", 1)[1]

            # the registrar signs in as a person, opens it from the phone queue and asks
            desk = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
            _sign_in(desk, live, "/s", STAFF_EMAIL, name="s-sign-in")
            desk.wait_for_url("**/s/queue")
            assert "Meera Sharma" in (desk.text_content(".bar") or "")
            link = desk.locator(f"#open-{application}")
            box = link.bounding_box()
            assert box is not None and box["height"] >= 44 and box["width"] >= 300
            _shots(desk, "s-queue")
            desk.keyboard.press("Tab")
            outline = desk.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in ("none", ""), "the focused element shows where focus is"
            link.click()
            desk.fill("#question", "Please upload the GMC's request letter.")
            desk.click("form[action$='/query'] button[type=submit]")
            desk.wait_for_selector("#state[data-state=queried]")
            text = _mail(live.smtp, "has a question", EMAIL).get_body(("plain",))
            assert text is not None and "Please upload the GMC" in str(text.get_content())

            # the professional sees the question in the answer form; a refused file keeps
            # the typed answer, in Hindi; the language switch after the post still works
            page.goto(f"{application_url}?lang=hi")
            assert "GMC's request letter" in (page.text_content("#question") or "")
            _shots(page, "p-application-queried")
            page.goto(f"{application_url}?lang=hi")
            page.fill("#message", "पत्र संलग्न है।")
            page.set_input_files("#file", str(notes))
            page.click("form[enctype] button[type=submit]")
            assert page.input_value("#message") == "पत्र संलग्न है।"
            assert "PDF, JPEG या PNG" in (page.text_content(".problem") or "")
            page.screenshot(path=str(ARTIFACTS / "p-answer-refused-360-hi.png"), full_page=True)
            page.click("header a[lang=en]")
            assert "Method Not Allowed" not in page.content()
            assert page.get_attribute("#state", "data-state") == "queried"
            page.fill("#message", "The letter is attached.")
            page.set_input_files("#file", str(letter))
            page.click("form[enctype] button[type=submit]")
            page.wait_for_selector("#state[data-state=answered]")
            assert "gmc-letter.pdf" in page.content()
            _shots(page, "p-application-answered")

            # the registrar confirms what will be issued to whom, then issues
            desk.goto(f"{live.base}/s/applications/{application}?lang=en")
            _shots(desk, "s-application")
            desk.click("#approve")
            summary = desk.text_content("#summary") or ""
            assert "General Medical Council" in summary and EMAIL in summary
            _shots(desk, "s-approve")
            desk.click("#confirm-approve")
            desk.wait_for_selector("#state[data-state=approved]")
            assert "Meera Sharma" in (desk.text_content(".history") or "")
        finally:
            browser.close()
