"""A professional's saved certificates, in headless Chromium against a live issuer: "My
certificates" lists them with their state, "Save to this device" keeps each one, and with the
network cut ``/p/wallet`` still opens them: details, when the state was checked, a full-screen QR
code that decodes to the certificate, the PDF. Nothing else of the site opens offline, and signing
out clears every saved item and the service worker."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from issuer.app import create_app
from issuer.applicants import service as applicants
from issuer.state import build_state
from issuer.web.common import APPLICANT_COOKIE
from schemas.qr_payload import decode_qr_text
from tests.clock import NOW, TestClock
from tests.conftest import make_settings
from tests.e2e.browsers import launched_chromium
from tests.live import free_port, fresh_database, seed_issuer, serve

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "wallet"
EMAIL = "asha.rani@example.org"


@dataclass
class Live:
    base: str
    new_session: Callable[[], str]
    """A fresh signed-in session of the professional (a test may sign out)."""
    numbers: dict[str, str]
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp_path = tmp_path_factory.mktemp("wallet")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with fresh_database("sqlite", tmp_path) as engine:
        settings = make_settings(engine.url.render_as_string(hide_password=False),
                                 public_base_url=base, data_dir=tmp_path / "data",
                                 verify_page_url="https://verify.example.org/v")
        state = build_state(settings, engine=engine, clock=TestClock(NOW))
        staff_token, registration_id = seed_issuer(
            state, professional={"email": EMAIL, "digilocker_id": None})

        def new_session() -> str:
            with state.sessions.begin() as session:
                return applicants.issue_session(session, EMAIL, policy=state.sign_in_policy,
                                                now=NOW).token
        with serve(create_app(settings, state=state), port=port):
            staff = {"Authorization": f"Bearer {staff_token}"}
            numbers, tokens = {}, {}
            for kind, body in (("registration", {"type": "registration"}),
                               ("good-standing", {"type": "good-standing",
                                                  "addressee": "General Medical Council",
                                                  "purpose": "Registration abroad"})):
                response = httpx.post(f"{base}/registrations/{registration_id}/certificates",
                                      json=body, headers=staff)
                assert response.status_code == 201, response.text
                numbers[kind] = response.json()["certificate_number"]
                tokens[kind] = response.json()["token"]
            revoked = httpx.post(f"{base}/credentials/{numbers['good-standing']}/revoke",
                                 json={"reason": "disciplinary_action"}, headers=staff)
            assert revoked.status_code == 200, revoked.text
            yield Live(base, new_session, numbers, tokens)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium(ARTIFACTS) as browser:
        yield browser


@pytest.fixture
def context(browser: Browser, live: Live) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-IN")
    context.add_cookies([{"name": APPLICANT_COOKIE, "value": live.new_session(),
                          "url": live.base}])
    yield context
    context.close()


def save_both(context: BrowserContext, live: Live) -> Page:
    page = context.new_page()
    page.goto(f"{live.base}/p/certificates")
    page.wait_for_selector("body[data-wallet-ready]")
    states = {n: page.get_attribute(f"li[data-number='{n}'] [data-state]", "data-state")
              for n in live.numbers.values()}
    assert states == {live.numbers["registration"]: "active",
                      live.numbers["good-standing"]: "revoked"}
    for number in live.numbers.values():
        page.click(f"button.save[data-number='{number}']")
        page.wait_for_selector(f"button.save[data-number='{number}'][data-state='saved']")
    page.screenshot(path=str(ARTIFACTS / "my-certificates.png"), full_page=True)
    page.goto(f"{live.base}/p/wallet")
    page.wait_for_selector("body[data-wallet-checked]")
    page.evaluate("""async () => {
        await navigator.serviceWorker.ready;
        while (!navigator.serviceWorker.controller) await new Promise(r => setTimeout(r, 20));
    }""")
    return page


def test_saved_certificates_open_offline(context: BrowserContext, live: Live) -> None:
    save_both(context, live).close()
    context.set_offline(True)
    page = context.new_page()
    page.goto(f"{live.base}/p/wallet")
    page.wait_for_selector("body[data-wallet-ready]")
    number = live.numbers["registration"]
    card = page.locator(f"li[data-number='{number}']")
    assert card.locator("[data-state]").get_attribute("data-state") == "active"
    assert "State last checked: 26 Nov 2026" in card.inner_text(), card.inner_text()
    revoked = page.locator(f"li[data-number='{live.numbers['good-standing']}'] [data-state]")
    assert revoked.get_attribute("data-state") == "revoked"
    card.locator("button.show-qr").click()
    # expect() polls from the test, not by eval in the page, which the page's CSP forbids
    expect(page.locator("#fullscreen img")).not_to_have_js_property("naturalWidth", 0)
    page.screenshot(path=str(ARTIFACTS / "offline-qr.png"))
    png = base64.b64decode(page.evaluate(f"""async () => {{
        const data = new Uint8Array(await (await fetch('/p/wallet/items/{number}/qr.png'))
            .arrayBuffer());
        return btoa(String.fromCharCode(...data));
    }}"""))
    (ARTIFACTS / "saved-qr.png").write_bytes(png)
    [barcode] = zxingcpp.read_barcodes(Image.open(ARTIFACTS / "saved-qr.png"))
    assert decode_qr_text(barcode.text) == live.tokens["registration"]
    pdf = page.evaluate(f"""async () => {{
        const response = await fetch('/p/wallet/items/{number}/certificate.pdf');
        const head = new Uint8Array(await response.arrayBuffer()).slice(0, 5);
        return [response.status, String.fromCharCode(...head)];
    }}""")
    assert pdf == [200, "%PDF-"]
    for path in ("/p/certificates", "/p/applications", "/s", "/"):
        with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED"):
            page.goto(f"{live.base}{path}")


def test_signing_out_clears_the_device(context: BrowserContext, live: Live) -> None:
    page = save_both(context, live)
    assert page.evaluate("caches.keys()") != []
    page.goto(f"{live.base}/p/certificates")
    page.click("form[action='/p/sign-out'] button")
    page.wait_for_url(f"{live.base}/p")
    assert page.evaluate("caches.keys()") == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations()"
                         ".then(found => found.length)") == 0
    context.set_offline(True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED"):
        page.goto(f"{live.base}/p/wallet")


@pytest.mark.parametrize(("lang", "width"), [("en", 360), ("hi", 360), ("en", 1280),
                                             ("hi", 1280)])
def test_the_pages_fit_in_english_and_hindi(context: BrowserContext, live: Live, lang: str,
                                            width: int) -> None:
    page = save_both(context, live)
    page.set_viewport_size({"width": width, "height": 900})
    for path in ("/p/certificates", "/p/wallet"):
        page.goto(f"{live.base}{path}?lang={lang}")
        page.wait_for_selector("body[data-wallet-ready]")
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        name = path.rsplit("/", 1)[-1]
        page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}-{width}.png"), full_page=True)
        assert fits, f"{path} scrolls sideways at {width} px in {lang}"
    assert ("सहेजे गए" if lang == "hi" else "Saved on this device") in page.inner_text("main")
