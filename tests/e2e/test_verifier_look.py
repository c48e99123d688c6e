"""The verifier page as a busy clerk meets it, in a real headless Chromium against a real issuer
and verifier (``test_verifier_page``'s services): a typed certificate number, colours that stay
apart for red-green colour blindness, Cannot check with Retry, phone photos, reflow at 320 px
with text at 200 %, Hindi all the way (``test_verifier_weight``: no jump when the verdict
arrives, and the page's weight on a slow phone). Screenshots of each state, 360 px and 1366 px,
English and Hindi, and the palette's ΔE (``metrics.json``) go to ``test-artifacts/verifier-page/``.
"""

from __future__ import annotations

import base64
import io
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from schemas.qr_payload import encode_qr_text
from tests.clock import NOW, TestClock
from tests.e2e.test_verifier_page import ARTIFACTS, PHONE, Services, verdict
from tests.live import free_port, serve
from tests.photos import Conditions, photograph, render_page
from tests.verifier.test_trust import closed_port
from verifier.api import create_app as create_verifier
from verifier.settings import TrustedIssuer, VerifierSettings

DESKTOP = {"width": 1366, "height": 768}
METRICS = ARTIFACTS / "metrics.json"
STATES = ("valid", "revoked", "suspended", "expired", "not_yet_valid", "not_genuine",
          "cannot_check")
REJECT = ("revoked", "suspended", "expired", "not_yet_valid", "not_genuine")
SLOW_4G = {"offline": False, "latency": 562.5, "downloadThroughput": 1.6e6 * 0.9 / 8,
           "uploadThroughput": 750e3 * 0.9 / 8}
"""Chrome DevTools' "Slow 4G" preset (Lighthouse's mobile throttling): 562.5 ms, 1.44 Mbit/s."""
MACHADO = {  # Machado, Oliveira & Fernandes 2009, severity 1.0, on linear RGB
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
}
MIN_DELTA_E = 20
"""CIE76 ΔE between colours that must not be mistaken (2.3 is a just-noticeable difference)."""


def record(name: str, value: Any) -> None:
    metrics = json.loads(METRICS.read_text()) if METRICS.exists() else {}
    metrics[name] = value
    METRICS.write_text(json.dumps(metrics, indent=1, sort_keys=True))


def shots(page: Page, name: str) -> None:
    """The state on screen at 360 px and 1366 px, in English and in Hindi."""
    start = page.get_attribute("html", "lang")
    for lang in (start, "hi" if start == "en" else "en"):
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)  # type: ignore[arg-type]
            page.screenshot(path=str(ARTIFACTS / f"{name}-{label}-{lang}.png"), full_page=True)
        page.click("#lang")
    page.set_viewport_size(PHONE)


def link(services: Services, token: str, verifier: str | None = None) -> str:
    return encode_qr_text(token, page_url=f"{verifier or services.verifier}/v")


def number_with_a_slip(services: Services) -> tuple[str, str]:
    """A fresh certificate number with a 0 or 1 in its random part, and that number as a person
    might type it: lower case, O for 0, l for 1."""
    for _ in range(40):
        number, _token = services.issue("good-standing", addressee="Karnataka Medical Council",
                                        purpose="Employment")
        head, code = number[:7], number[7:]
        if "0" in code or "1" in code:
            return number, (head + code.replace("0", "O").replace("1", "l")).lower()
    raise AssertionError("no certificate number with a 0 or 1 in 40 tries")


# -- 1. look up by what is printed --------------------------------------------------------------

def test_a_typed_number_with_a_slip_gets_the_verdict(page: Page, services: Services) -> None:
    number, typed = number_with_a_slip(services)
    page.goto(f"{services.verifier}/v")
    page.fill("#paste", typed)
    page.click("#paste-form button[type=submit]")
    assert verdict(page) == "valid"
    headline = page.locator(".verdict__headline").inner_text()
    assert re.fullmatch(r"Good Standing Certificate\s—\s*Valid", headline), headline
    assert number in page.locator(".holder").inner_text()
    shots(page, "number-valid")


def test_the_printed_url_gets_the_verdict(page: Page, services: Services) -> None:
    number, _token = services.issue()
    page.goto(f"{services.verifier}/v")
    page.fill("#paste", f"{services.issuer}/c/{number}")
    page.click("#paste-form button[type=submit]")
    assert verdict(page) == "valid"
    assert "Registration Certificate" in page.locator(".verdict__headline").inner_text()


def test_no_such_certificate_in_the_pages_language(page: Page, services: Services) -> None:
    number, _token = services.issue()
    wrong = number[:-1] + ("X" if number[-1] != "X" else "Y")  # one character misread
    page.goto(f"{services.verifier}/v")
    page.wait_for_selector("body[data-ready]")
    page.click("#lang")
    page.fill("#paste", wrong)
    page.click("#paste-form button[type=submit]")
    assert verdict(page) == "error"
    box = page.locator("#result .verdict")
    assert box.get_attribute("data-code") == "certificate_number.unknown"
    text = box.inner_text()
    assert "ऐसा कोई प्रमाणपत्र नहीं" in text and "{" not in text and "detail" not in text
    shots(page, "number-unknown")


# -- 2. colours ---------------------------------------------------------------------------------

def _linear(channel: float) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _lab(rgb: tuple[float, float, float], matrix: Any) -> tuple[float, float, float, float]:
    """CIELAB (D65) and relative luminance of sRGB ``rgb`` as seen through ``matrix``."""
    lin = [_linear(c) for c in rgb]
    r, g, b = (min(1.0, max(0.0, sum(m * c for m, c in zip(row, lin, strict=True))))
               for row in matrix)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)), y


def _delta_e(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return float(sum((p - q) ** 2 for p, q in zip(a[:3], b[:3], strict=True)) ** 0.5)


def _contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def _rgb(css: str) -> tuple[float, float, float]:
    r, g, b = (float(v) for v in re.findall(r"[\d.]+", css)[:3])
    return r, g, b


def test_three_colours_that_stay_apart_for_red_green_colour_blindness(
        page: Page, services: Services) -> None:
    page.goto(f"{services.verifier}/v")
    page.wait_for_selector("body[data-ready]")
    seen: dict[str, tuple[tuple[float, float, float], tuple[float, float, float], str, str]] = {}
    for state in STATES:
        page.evaluate("""(state) => window.pramaanPage.show({kind: "verdict", verdict: {
            state, reason: "unknown", checkedAt: "2026-11-26T15:30:00+05:30"}})""", state)
        box = page.locator("#result .verdict")
        colours = box.evaluate("(el) => [getComputedStyle(el).backgroundColor, "
                               "getComputedStyle(el).color]")
        seen[state] = (_rgb(colours[0]), _rgb(colours[1]),
                       box.locator(".verdict__icon").inner_text(),
                       box.locator(".verdict__word").inner_text())
    assert len({seen[s][0] for s in REJECT}) == 1, "every do-not-accept state has one colour"
    valid, reject, neutral = seen["valid"][0], seen["revoked"][0], seen["cannot_check"][0]
    assert len({valid, reject, neutral}) == 3
    assert len({(seen[s][2], seen[s][3]) for s in STATES}) == len(STATES)  # icon + word differ
    report = {}
    for vision, matrix in MACHADO.items():
        lab = {name: _lab(colour, matrix) for name, colour in
               (("valid", valid), ("reject", reject), ("neutral", neutral))}
        pairs = {"valid/reject": _delta_e(lab["valid"], lab["reject"]),
                 "valid/neutral": _delta_e(lab["valid"], lab["neutral"]),
                 "reject/neutral": _delta_e(lab["reject"], lab["neutral"])}
        report[vision] = {k: round(v, 1) for k, v in pairs.items()}
        for pair, delta in pairs.items():
            assert delta >= MIN_DELTA_E, f"{pair} under {vision}: ΔE {delta:.1f}"
    normal = MACHADO["normal"]
    for state in ("valid", "revoked", "cannot_check"):  # the words on each colour stay legible
        background, text = (_lab(c, normal)[3] for c in seen[state][:2])
        assert _contrast(background, text) >= 4.5, state
    record("palette_delta_e", report)


# -- 3, 4. headline, rejected details, Cannot check ---------------------------------------------

def test_a_revoked_certificate_looks_nothing_like_a_valid_one(
        page: Page, services: Services) -> None:
    number, token = services.issue("good-standing", addressee="General Medical Council",
                                   purpose="Registration abroad")
    response = httpx.post(f"{services.issuer}/credentials/{number}/revoke",
                          json={"reason": "disciplinary_action"}, headers=services.staff)
    assert response.status_code == 200, response.text
    for _ in range(50):  # the status list's ttl is 1 s
        page.goto("about:blank")
        page.goto(link(services, token))
        if verdict(page) == "revoked":
            break
        page.wait_for_timeout(200)
    headline = page.locator(".verdict__headline").inner_text()
    assert re.fullmatch(r"Good Standing Certificate\s—\s*Revoked", headline), headline
    holder = page.locator(".holder")
    assert "holder--rejected" in (holder.get_attribute("class") or "")
    assert "not valid" in holder.inner_text()
    assert page.locator(".photo-id").count() == 0
    assert "Valid\n" not in holder.inner_text()
    weight = holder.locator("dd").first.evaluate("(el) => getComputedStyle(el).fontWeight")
    assert weight == "400"
    page.click("#lang")  # the council's reason, by its code, in Hindi
    note = page.locator(".verdict__note").inner_text()
    assert "अनुशासनात्मक कार्रवाई" in note and "disciplinary" not in note
    page.click("#lang")
    shots(page, "revoked")


def test_a_suspension_in_hindi_names_the_councils_reason(page: Page, services: Services) -> None:
    number, token = services.issue()
    response = httpx.post(f"{services.issuer}/credentials/{number}/suspend",
                          json={"reason": "court_order"}, headers=services.staff)
    assert response.status_code == 200, response.text
    for _ in range(50):
        page.goto("about:blank")
        page.goto(link(services, token))
        if verdict(page) == "suspended":
            break
        page.wait_for_timeout(200)
    page.click("#lang")
    assert "न्यायालय के आदेश से निलंबित" in page.locator(".verdict__note").inner_text()
    page.click("#lang")
    shots(page, "suspended")


@pytest.fixture(scope="module")
def down_verifier(services: Services) -> Iterator[str]:
    """A verifier that trusts the issuer but cannot reach its keys: every check is Cannot
    check, as when the council's service is down."""
    port = free_port()
    closed = f"http://127.0.0.1:{closed_port()}"
    trusted = TrustedIssuer(issuer=services.issuer, jwks_uri=f"{closed}/jwks.json",
                            name="Haryana (unreachable)")
    app = create_verifier(VerifierSettings(trusted_issuers=[trusted], http_timeout_seconds=1,
                                           jwks_refresh_seconds=1,
                                           page_url=f"http://127.0.0.1:{port}/v"),
                          clock=TestClock(NOW))
    with serve(app, port=port) as url:
        yield url


def test_cannot_check_offers_retry_in_plain_words(
        browser: Browser, services: Services, down_verifier: str) -> None:
    _number, token = services.issue()
    context = browser.new_context(viewport=PHONE, locale="en-IN")
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(link(services, token, down_verifier))
    assert verdict(page) == "cannot_check"
    assert "#" not in page.url  # the credential is gone from the address bar ...
    box = page.locator("#result .verdict")
    for lang in ("en", "hi"):
        text = box.inner_text().lower()
        for word in ("key", "signature", "कुंजी", "हस्ताक्षर"):
            assert word not in text, (lang, word)
        page.click("#lang")
    assert "Try again" in box.inner_text()
    cdp = context.new_cdp_session(page)  # slow enough to see the progress state
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {**SLOW_4G, "latency": 1500})
    page.click("#retry")  # ... and Retry still has it, in memory
    page.wait_for_selector("#result .verdict--checking .progress__bar", timeout=1000)
    page.screenshot(path=str(ARTIFACTS / "checking-phone-en.png"))
    page.wait_for_selector("#result [data-state]", timeout=15_000)
    cdp.send("Network.emulateNetworkConditions", {**SLOW_4G, "latency": 0,
                                                  "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    assert verdict(page) == "cannot_check"
    assert len(posts) == 2, posts
    shots(page, "cannot-check")
    context.close()


def test_synthetic_states_for_the_record(page: Page, services: Services) -> None:
    """Expired and Not yet valid need another day than the services' fixed clock: the page is
    shown a real verdict with its state changed, to see them laid out."""
    _number, token = services.issue()
    answer = httpx.post(f"{services.verifier}/verify", json={"qr": link(services, token)}).json()
    page.goto(f"{services.verifier}/v")
    page.wait_for_selector("body[data-ready]")
    holder = answer["verdict"]["holder"]
    for state, date in (("expired", holder["validUntil"]), ("not_yet_valid", holder["validFrom"])):
        page.evaluate("""([verdict, state, date]) => window.pramaanPage.show({kind: "verdict",
            verdict: {...verdict, state, reason: state, date}})""",
                      [answer["verdict"], state, date])
        assert verdict(page) == state
        assert "IST" in page.locator(".verdict__reason").inner_text()  # the date is named
        assert page.locator(".photo-id").count() == 0
        shots(page, state.replace("_", "-"))


def test_a_forgery_for_the_record(page: Page, services: Services) -> None:
    _number, token = services.issue()
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["name"] = "Dr. Somebody Else"
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    page.goto(link(services, f"{head}.{changed}.{signature}"))
    assert verdict(page) == "not_genuine"
    shots(page, "not-genuine")


# -- 6. phone photos ----------------------------------------------------------------------------

def test_a_full_size_phone_photo_is_shrunk_before_upload(
        page: Page, services: Services, tmp_path: Path) -> None:
    number, _token = services.issue()
    how = Conditions(rotation=-4, tilt=0.05, blur=0.6, light=0.9, shadow=0.2, noise=4,
                     quality=97, width=4000)
    photo = photograph(render_page(services.pdf(number)), how, random.Random(11))
    image = Image.open(io.BytesIO(photo))
    assert image.width * image.height >= 11_000_000  # a 12-megapixel phone's photo
    path = tmp_path / "IMG_2026.jpg"
    path.write_bytes(photo)
    page.goto(f"{services.verifier}/v")
    page.wait_for_selector("body[data-ready]")
    page.set_input_files("#file", str(path))
    assert page.locator("#file-name").inner_text() == "IMG_2026.jpg"
    before = len(services.bodies)
    page.click("#upload-form button[type=submit]")
    assert verdict(page) == "valid"
    sent = [size for size in services.bodies[before:] if size > 0]
    record("phone_photo_bytes", {"chosen": len(photo), "sent": sent})
    assert len(sent) == 1 and sent[0] < 2_500_000 < len(photo), (len(photo), sent)


# -- 7. Hindi all the way: file chooser, a text file, the camera ---------------------------------

def test_the_file_chooser_speaks_hindi(page: Page, services: Services, tmp_path: Path) -> None:
    page.goto(f"{services.verifier}/v")
    page.wait_for_selector("body[data-ready]")
    page.click("#lang")
    assert page.locator("#file-choose").inner_text() == "फ़ाइल चुनें"
    assert page.locator("#file-name").inner_text() == "कोई फ़ाइल नहीं चुनी गई"
    assert page.locator("#file").is_hidden() or page.locator("#file").bounding_box() is not None
    notes = tmp_path / "notes.txt"
    notes.write_text("meeting at 4 pm")
    page.set_input_files("#file", str(notes))
    page.click("#upload-form button[type=submit]")
    assert verdict(page) == "error"
    text = page.locator("#result").inner_text()
    assert "इस फ़ाइल में परिषद का प्रमाणपत्र नहीं है" in text
    assert "QR कोड परिषद का प्रमाणपत्र नहीं" not in text  # the old message about a QR code
    page.click("#lang")
    assert "This file does not hold a council certificate" in page.locator("#result").inner_text()


def test_a_camera_failure_is_about_the_camera(page: Page, services: Services) -> None:
    page.goto(f"{services.verifier}/v")
    page.wait_for_selector("body[data-ready]")
    page.click("#camera")
    assert verdict(page) == "error"
    box = page.locator("#result .verdict")
    assert (box.get_attribute("data-code") or "").startswith("camera.")
    text = box.inner_text()
    assert "camera" in text.lower() and "certificate could not be read" not in text
    shots(page, "camera-failed")


# -- 8. reflow ----------------------------------------------------------------------------------

def test_320_px_with_text_at_200_percent(page: Page, services: Services) -> None:
    number, token = services.issue("good-standing", addressee="General Medical Council",
                                   purpose="Registration abroad")
    httpx.post(f"{services.issuer}/credentials/{number}/suspend", json={"reason": "other"},
               headers=services.staff).raise_for_status()
    page.set_viewport_size({"width": 320, "height": 700})
    for _ in range(50):
        page.goto("about:blank")
        page.goto(link(services, token))
        if verdict(page) == "suspended":
            break
        page.wait_for_timeout(200)
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    for lang in ("en", "hi"):
        fits = page.evaluate("""() => {
            const word = document.querySelector(".verdict__word");
            const lang = document.getElementById("lang").getBoundingClientRect();
            return {word: word.scrollWidth <= word.clientWidth + 1
                          && word.getBoundingClientRect().right <= innerWidth,
                    lang: lang.left >= 0 && lang.right <= innerWidth,
                    page: document.documentElement.scrollWidth <= innerWidth}; }""")
        assert fits == {"word": True, "lang": True, "page": True}, (lang, fits)
        page.screenshot(path=str(ARTIFACTS / f"reflow-320-200pct-{lang}.png"), full_page=True)
        page.click("#lang")
