"""The verifier page in a real headless Chromium, against a real issuer and a real verifier.

The issuer publishes status lists with a 1 s ttl and prints the verifier's page URL in its QR
codes; the browser opens what a phone camera reads from the certificate PDF, uploads the PDF and a
phone-like photo of it, switches to Hindi, and sees a revocation and a forgery. A screenshot of
each state is saved under ``test-artifacts/verifier-page/``.
"""

from __future__ import annotations

import base64
import io
import json
import random
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image, ImageFilter
from playwright.sync_api import Browser, Page, Request, ViewportSize

from issuer.app import create_app as create_issuer
from issuer.delivery.qr import qr_image
from issuer.state import build_state
from schemas.qr_payload import encode_qr_text
from tests.clock import NOW, TestClock
from tests.conftest import make_settings
from tests.e2e.browsers import launched_chromium
from tests.live import free_port, fresh_database, seed_issuer, serve
from tests.pdfsig import edit_printed_glyph
from tests.photos import Conditions, photograph, render_page
from verifier.api import create_app as create_verifier
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.web import page_policy

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "verifier-page"
TTL_SECONDS = 1
PHONE: ViewportSize = {"width": 360, "height": 780}


@dataclass
class Services:
    issuer: str
    verifier: str
    staff: dict[str, str]
    registration_id: int
    paths: list[str] = field(default_factory=list)
    bodies: list[int] = field(default_factory=list)
    """The declared size of each request body the verifier was sent (``Content-Length``)."""

    def issue(self, type_id: str = "registration", **extra: str) -> tuple[str, str]:
        """(certificate number, token) of a fresh certificate."""
        response = httpx.post(f"{self.issuer}/registrations/{self.registration_id}/certificates",
                              json={"type": type_id, **extra}, headers=self.staff)
        assert response.status_code == 201, response.text
        return response.json()["certificate_number"], response.json()["token"]

    def pdf(self, number: str) -> bytes:
        response = httpx.get(f"{self.issuer}/c/{number}", params={"format": "pdf"})
        assert response.status_code == 200, response.text
        return response.content


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    issuer_port, verifier_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{issuer_port}"
    verifier = f"http://127.0.0.1:{verifier_port}"
    with fresh_database("sqlite", tmp_path_factory.mktemp("page")) as engine:
        settings = make_settings(engine.url.render_as_string(hide_password=False),
                                 public_base_url=issuer, verify_page_url=f"{verifier}/v",
                                 status_list_ttl_seconds=TTL_SECONDS)
        state = build_state(settings, engine=engine, clock=TestClock(NOW))
        token, registration_id = seed_issuer(state)
        trusted = TrustedIssuer(issuer=issuer, jwks_uri=f"{issuer}/.well-known/jwks.json",
                                name="Haryana (test)")
        verifier_app = create_verifier(VerifierSettings(trusted_issuers=[trusted],
                                                        page_url=f"{verifier}/v"),
                                       clock=TestClock(NOW))
        services = Services(issuer, verifier, {"Authorization": f"Bearer {token}"},
                            registration_id)

        async def record_paths(scope: dict[str, object], receive: object, send: object) -> None:
            if scope["type"] == "http":  # what an access log would hold: method, path, query
                services.paths.append(f"{scope['path']}?{scope['query_string']!r}")
                length = dict(scope["headers"]).get(b"content-length")  # type: ignore[call-overload]
                services.bodies.append(int(length or 0))
            await verifier_app(scope, receive, send)  # type: ignore[arg-type]

        with serve(create_issuer(settings, state=state), port=issuer_port), \
                serve(record_paths, port=verifier_port):
            yield services


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium(ARTIFACTS) as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, services: Services) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="en-IN")
    page = context.new_page()
    foreign: list[str] = []
    violations: list[str] = []

    def on_request(request: Request) -> None:
        if not request.url.startswith((services.verifier + "/", "data:", "blob:")):
            foreign.append(request.url)

    page.on("request", on_request)
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert not foreign, f"the page made third-party requests: {foreign}"
    assert not violations, f"the page broke its own CSP: {violations}"


def verdict(page: Page) -> str:
    """The state the page shows, once it shows one."""
    page.wait_for_selector("#result [data-state]", timeout=15_000)
    state = page.get_attribute("#result [data-state]", "data-state")
    assert state is not None
    return state


def qr_text_of(pdf: bytes) -> str:
    """What a phone camera reads from the printed certificate's QR code."""
    barcodes = zxingcpp.read_barcodes(render_page(pdf),
                                      formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    assert len(barcodes) == 1
    return str(barcodes[0].text)


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_qr_link_shows_valid_and_the_certificate_never_reaches_a_log(
        page: Page, services: Services) -> None:
    number, _token = services.issue("good-standing",
                                     addressee="General Medical Council, United Kingdom",
                                     purpose="Registration abroad")
    link = qr_text_of(services.pdf(number))
    assert link.startswith(f"{services.verifier}/v#1")
    digits = link.split("#", 1)[1]
    page.goto(link)
    assert verdict(page) == "valid"
    result = page.locator("#result")
    assert result.locator(".verdict__word").inner_text() == "Valid"
    text = result.inner_text()
    for expected in ("Dr. Venkata Lakshmi Narasimha Rao Bhagavatula", "वेंकट",
                     "Haryana Medical Council",
                     "Modern medicine", "MBBS", "Good Standing Certificate",
                     "General Medical Council, United Kingdom", "Registration abroad",
                     "photo ID"):
        assert expected in text, expected
    checked = result.locator(".verdict__checked").inner_text()  # India time, to the minute
    host = services.verifier.removeprefix("http://")  # which service checked: its address
    assert re.fullmatch(rf"Checked \d{{1,2}} [A-Z][a-z]{{2}} \d{{4}}, \d\d:\d\d IST by {host}",
                        checked), checked
    assert "#" not in page.url  # dropped from the address bar and the history once read
    assert not any(digits[:40] in path for path in services.paths), "a path held the credential"
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the page scrolls sideways on a 360 px wide phone"
    shot(page, "valid-phone")


def test_a_revocation_shows_within_the_ttl(page: Page, services: Services) -> None:
    number, token = services.issue()
    link = encode_qr_text(token, page_url=f"{services.verifier}/v")
    page.goto(link)
    assert verdict(page) == "valid"
    response = httpx.post(f"{services.issuer}/credentials/{number}/revoke",
                          json={"reason": "disciplinary_action"}, headers=services.staff)
    assert response.status_code == 200, response.text
    revoked_at = time.monotonic()
    time.sleep(TTL_SECONDS)
    while True:
        page.goto("about:blank")
        page.goto(link)
        if verdict(page) == "revoked":
            break
        assert time.monotonic() - revoked_at < TTL_SECONDS + 5, "never saw the revocation"
        time.sleep(0.2)
    assert page.locator(".verdict__word").inner_text() == "Revoked"
    assert "Do not accept" in page.locator("#result").inner_text()
    shot(page, "revoked-phone")


def test_uploading_the_pdf(page: Page, services: Services, tmp_path: Path) -> None:
    number, _token = services.issue("noc", purpose="Employment in another state",
                                    destination="Karnataka Medical Council")
    pdf = tmp_path / f"{number}.pdf"
    pdf.write_bytes(services.pdf(number))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{services.verifier}/v")
    page.set_input_files("#file", str(pdf))
    page.click("#upload-form button[type=submit]")
    assert verdict(page) == "valid"
    assert "Karnataka Medical Council" in page.locator("#result").inner_text()
    shot(page, "valid-pdf-desktop")


def test_uploading_a_phone_photo(page: Page, services: Services, tmp_path: Path) -> None:
    number, _token = services.issue()
    rng = random.Random(7)
    how = Conditions(rotation=-17, tilt=0.12, blur=1.0, light=0.7, shadow=0.35, noise=6,
                     quality=65, width=2400)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(photograph(render_page(services.pdf(number)), how, rng))
    shutil.copy(photo, ARTIFACTS / "phone-photo-input.jpg")
    page.goto(f"{services.verifier}/v")
    page.set_input_files("#file", str(photo))
    page.click("#upload-form button[type=submit]")
    assert verdict(page) == "valid"
    shot(page, "valid-photo")


def test_hindi(page: Page, services: Services) -> None:
    _number, token = services.issue()
    page.goto(encode_qr_text(token, page_url=f"{services.verifier}/v"))
    assert verdict(page) == "valid"
    page.click("#lang")
    assert page.get_attribute("html", "lang") == "hi"
    assert page.locator(".verdict__word").inner_text() == "वैध"
    text = page.locator("#result").inner_text()
    assert "हरियाणा मेडिकल काउंसिल" in text and "पंजीकरण संख्या" in text
    assert page.locator("#lang").inner_text() == "English"
    shot(page, "valid-hindi")
    page.reload()  # the choice is remembered
    page.wait_for_selector("body[data-ready]")
    assert page.get_attribute("html", "lang") == "hi"


def test_a_forged_certificate_is_not_genuine(page: Page, services: Services) -> None:
    _number, token = services.issue()
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["name"] = "Dr. Somebody Else"
    forged_payload = base64.urlsafe_b64encode(
        json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()).rstrip(b"=")
    forged = f"{head}.{forged_payload.decode()}.{signature}"
    page.goto(encode_qr_text(forged, page_url=f"{services.verifier}/v"))
    assert verdict(page) == "not_genuine"
    result = page.locator("#result").inner_text()
    assert "Not genuine" in result and "Somebody Else" not in result and "null" not in result
    assert page.locator(".holder").count() == 0
    shot(page, "not-genuine")


def test_pasted_garbage_is_explained(page: Page, services: Services) -> None:
    page.goto(f"{services.verifier}/v")
    page.fill("#paste", "hello")
    page.click("#paste-form button[type=submit]")
    assert verdict(page) == "error"
    assert "not a council certificate" in page.locator("#result").inner_text()


def test_the_page_is_served_with_a_strict_policy(services: Services) -> None:
    response = httpx.get(f"{services.verifier}/v")
    assert response.headers["content-security-policy"] == page_policy()
    assert "unsafe-inline" not in page_policy()
    assert response.text.count("<script>") == 1 and "style=" not in response.text  # boot.js


def test_the_vendored_decoder_reads_a_certificate_qr(page: Page, services: Services) -> None:
    """What the camera scan relies on: jsQR, as served, reads a certificate's dense QR code
    from a slightly soft, turned frame."""
    _number, token = services.issue()
    text = encode_qr_text(token, page_url=f"{services.verifier}/v")
    image = qr_image(text).convert("L")
    image = image.resize((image.width * 5, image.height * 5), Image.Resampling.NEAREST)
    image = image.rotate(8, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    frame = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(1)).save(frame, "PNG")
    page.goto(f"{services.verifier}/v")
    page.wait_for_selector("body[data-ready]")
    decoded = page.evaluate("""async (src) => {
        await new Promise((ok, fail) => { const s = document.createElement("script");
            s.src = "v/assets/vendor/jsQR.js"; s.onload = ok; s.onerror = fail;
            document.head.append(s); });
        const img = new Image(); img.src = src; await img.decode();
        const canvas = document.createElement("canvas");
        canvas.width = img.width; canvas.height = img.height;
        const context = canvas.getContext("2d"); context.drawImage(img, 0, 0);
        const data = context.getImageData(0, 0, img.width, img.height);
        const found = window.jsQR(data.data, data.width, data.height);
        return found ? found.data : null; }""",
        "data:image/png;base64," + base64.b64encode(frame.getvalue()).decode())
    assert decoded == text


@pytest.mark.parametrize("width", [PHONE["width"], 1280])
def test_the_pdfs_own_signature_is_shown_and_an_edited_page_flagged(
        page: Page, services: Services, tmp_path: Path, width: int) -> None:
    """The issuer's signed PDF: the page says who signed it; the same PDF with one printed glyph
    changed stays Valid (its QR is genuine) but says to trust the QR, not the page, in English
    and in Hindi."""
    number, _token = services.issue()
    signed = services.pdf(number)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{services.verifier}/v")
    for name, data, state in (("signed", signed, "valid"),
                              ("edited", edit_printed_glyph(signed), "altered")):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        page.set_input_files("#file", str(path))
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector(f"#result [data-pdf-state={state}]", timeout=15_000)
        assert verdict(page) == "valid"
        text = page.locator("#result .pdfsig").inner_text()
        if state == "valid":
            assert "Signed by Haryana Medical Council" in text
        else:
            assert "trust the QR details, not the page" in text
        shot(page, f"pdf-signature-{name}-{width}")
    page.click("#lang")
    assert "पृष्ठ पर नहीं, QR के विवरण पर भरोसा करें" in page.locator(
        "#result .pdfsig").inner_text()
    shot(page, f"pdf-signature-edited-{width}-hi")
    page.click("#lang")  # leave the page in English for the next test
