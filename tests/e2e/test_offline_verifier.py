"""The installable verifier page checking certificates in the browser, with and without a network.

A real issuer's public side (``tests.verifier.conftest.JwksServer``: JWKS, status index, signed
W3C status lists over HTTP), a real verifier and a real headless Chromium. The parity test feeds
the same credentials to ``POST /verify`` and to the page's in-browser check
(``static/offline/verify.js``) and requires the same verdict states; the offline tests install the
app, cut the network (``context.set_offline``) and check QR links from the cache alone, showing
the data's age, with no request reaching the verifier. The page's clock is Playwright's fixed
time at the suite's ``NOW`` (so ``faketime`` changes nothing).
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from keys.jwk import KeyWindow, public_jwk
from keys.signing import SigningKey
from keys.storage import generate_private_key
from schemas.errors import MalformedCredential
from schemas.qr_payload import decode_qr_text, encode_qr_text
from tests.clock import NOW, TestClock
from tests.e2e.browsers import launched_chromium
from tests.live import free_port, serve
from tests.verifier.conftest import JwksServer, _Handler, make_credential, sign
from tests.verifier.test_trust_list import LIST_PATH, entry, publish, signed_list
from verifier.api import create_app as create_verifier
from verifier.settings import TrustedIssuer, VerifierSettings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "offline-verifier"
def key(alg: str) -> SigningKey:
    return SigningKey.from_private_key(generate_private_key(alg))


@dataclass
class Services:
    issuer: JwksServer
    verifier: str
    es256: SigningKey
    eddsa: SigningKey
    rogue: SigningKey
    compromised: SigningKey
    """Published, and declared compromised."""
    retired: SigningKey
    """Published with a signing window that ended the day before ``NOW``."""
    listed: str = ""
    """A second verifier, trusting the anchor's signed list instead of configuration."""
    paths: list[str] = field(default_factory=list)

    def credential(self, index: int, *, signer: SigningKey | None = None,
                   public_base: str | None = None, valid_from: datetime | None = None,
                   valid_until: datetime | None = None, type_id: str = "registration") -> str:
        credential = make_credential(type_id, public_base=public_base or self.issuer.base_url,
                                     status=self.issuer.status_entries(index),
                                     valid_from=valid_from, valid_until=valid_until)
        return sign(credential, signer or self.es256)

    def link(self, token: str) -> str:
        return encode_qr_text(token, page_url=f"{self.verifier}/v")


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    es256, eddsa, rogue = key("ES256"), key("EdDSA"), key("ES256")
    compromised, retired = key("ES256"), key("EdDSA")
    issuer = JwksServer(list_signer=es256)
    issuer.publish(es256, eddsa, compromised, retired, windows={
        compromised.kid: KeyWindow(compromised_at=int(NOW.timestamp()) - 86_400),
        retired.kid: KeyWindow(not_after=int(NOW.timestamp()) - 86_400)})
    issuer.revoked, issuer.suspended = {2}, {3}
    issuer.ttl_seconds = 1  # the lists' ttl, and so how soon the offline data is refreshed
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"state": issuer}))
    server.daemon_threads = True
    issuer.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    port = free_port()
    verifier = f"http://127.0.0.1:{port}"
    trusted = TrustedIssuer(issuer=issuer.base_url, jwks_uri=issuer.jwks_uri,
                            name="Haryana councils (test)")
    app = create_verifier(VerifierSettings(trusted_issuers=[trusted], page_url=f"{verifier}/v"),
                          clock=TestClock(NOW))
    anchor = key("ES256")
    publish(issuer, signed_list(anchor, [entry(issuer, id=issuer.base_url,
                                               certificate_types=["registration",
                                                                  "good-standing"])]))
    listed_port = free_port()
    listed = create_verifier(VerifierSettings(
        trust_list_url=issuer.base_url + LIST_PATH,
        trust_anchor_jwks=json.dumps(public_jwk(anchor.key.public_key())),
        page_url=f"http://127.0.0.1:{listed_port}/v"), clock=TestClock(NOW))
    services = Services(issuer, verifier, es256, eddsa, rogue, compromised, retired,
                        listed=f"http://127.0.0.1:{listed_port}")

    async def record_paths(scope: dict[str, object], receive: object, send: object) -> None:
        if scope["type"] == "http":
            services.paths.append(str(scope["path"]))
        await app(scope, receive, send)  # type: ignore[arg-type]

    try:
        with serve(record_paths, port=port), serve(listed, port=listed_port):
            yield services
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium(ARTIFACTS) as browser:
        yield browser


@pytest.fixture
def context(browser: Browser, services: Services) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-IN")
    foreign: list[str] = []
    violations: list[str] = []
    context.on("request", lambda request: foreign.append(request.url) if not request.url
               .startswith((services.verifier + "/", services.listed + "/", "data:", "blob:"))
               else None)
    context.on("console", lambda message: violations.append(message.text)
               if "Content Security Policy" in message.text else None)
    yield context
    context.close()
    assert not foreign, f"the page made third-party requests: {foreign}"
    assert not violations, f"the page broke its own CSP: {violations}"


def at(page: Page, moment: datetime) -> None:
    """The page's clock (Date.now and new Date) stands at ``moment``."""
    page.clock.set_fixed_time(moment.timestamp())


def install(context: BrowserContext, services: Services, verifier: str | None = None) -> Page:
    """Open /v online once: the service worker caches the shell, the page the offline data."""
    page = context.new_page()
    at(page, NOW)
    page.goto(f"{verifier or services.verifier}/v")
    page.wait_for_selector("body[data-offline-ready]", timeout=15_000)
    page.evaluate("""async () => {
        const registration = await navigator.serviceWorker.ready;
        while (!navigator.serviceWorker.controller) await new Promise(r => setTimeout(r, 20));
        return registration.active.state;
    }""")
    return page


def shown(page: Page) -> tuple[str, str]:
    page.wait_for_selector("#result [data-state]", timeout=15_000)
    state = page.get_attribute("#result [data-state]", "data-state")
    assert state is not None
    return state, page.locator("#result").inner_text()


def in_browser(page: Page, text: str) -> dict[str, object]:
    verdict: dict[str, object] = page.evaluate(
        "text => window.pramaanOffline.check(text, {refresh: true})", text)
    return verdict


def the_parity_set(s: Services) -> dict[str, str]:
    valid = s.credential(1)
    revoked = s.credential(2)
    header, payload, _signature = valid.split(".")
    altered_payload = json.loads(_b64(payload))
    altered_payload["credentialSubject"]["name"] = "Dr. Someone Else"
    return {
        "valid": valid,
        "valid EdDSA": s.credential(4, signer=s.eddsa),
        "revoked": revoked,
        "suspended": s.credential(3),
        "expired": s.credential(5, valid_from=NOW - timedelta(days=400),
                                valid_until=NOW - timedelta(days=1)),
        "not yet valid": s.credential(6, valid_from=NOW + timedelta(days=1)),
        "forged": ".".join((header, payload, revoked.split(".")[2])),
        "altered": ".".join((header, _b64url(json.dumps(altered_payload).encode()),
                             _signature)),
        "unknown issuer": s.credential(7, signer=s.rogue,
                                       public_base="https://elsewhere.example.org"),
        "unknown key": s.credential(8, signer=s.rogue),
        "compromised key": s.credential(12, signer=s.compromised),
        "signed after its key retired": s.credential(13, signer=s.retired),
    }


EXPECTED = {"valid": "valid", "valid EdDSA": "valid", "revoked": "revoked",
            "suspended": "suspended", "expired": "expired", "not yet valid": "not_yet_valid",
            "forged": "not_genuine", "altered": "not_genuine", "unknown issuer": "not_genuine",
            "unknown key": "not_genuine", "compromised key": "not_genuine",
            "signed after its key retired": "not_genuine"}


def test_the_browser_and_the_server_agree(context: BrowserContext, services: Services) -> None:
    page = install(context, services)
    disagreements = []
    for name, token in the_parity_set(services).items():
        link = services.link(token)
        server = httpx.post(f"{services.verifier}/verify", json={"qr": link}).json()["verdict"]
        browser = in_browser(page, link)
        line = (f"PARITY {name}: server {server['state']}/{server['reason']}, "
                f"browser {browser['state']}/{browser['reason']}")
        print(line)  # noqa: T201 (pytest -s shows the comparison)
        assert server["state"] == EXPECTED[name], (name, server)
        if (browser["state"], browser["reason"]) != (server["state"], server["reason"]):
            disagreements.append((name, server["reason"], browser["reason"], browser.get("checks")))
    assert not disagreements, disagreements
    for text in (f"{services.verifier}/v#1123", f"{services.verifier}/v#2" + "0" * 17):
        server_error = httpx.post(f"{services.verifier}/verify", json={"qr": text})
        assert server_error.status_code == 422, server_error.text
        assert in_browser(page, text)["error"] == server_error.json()["error"], text


def test_with_the_signed_trust_list_too(context: BrowserContext, services: Services) -> None:
    """The browser verifies the anchor's list itself and judges by it, as the server does;
    a list altered on the way (signature kept) is never trusted: Cannot check."""
    s = services
    cases = {"valid": (s.credential(1), "valid", "valid"),
             "revoked": (s.credential(2), "revoked", "revoked"),
             "not listed": (s.credential(7, signer=s.rogue, public_base="https://else.example"),
                            "not_genuine", "not_listed"),
             "type not allowed": (s.credential(9, type_id="noc"), "not_genuine",
                                  "type_not_allowed")}
    page = install(context, services, s.listed)
    for name, (token, state, reason) in cases.items():
        link = encode_qr_text(token, page_url=f"{s.listed}/v")
        server = httpx.post(f"{s.listed}/verify", json={"qr": link}).json()["verdict"]
        browser = in_browser(page, link)
        assert (server["state"], server["reason"]) == (state, reason), (name, server)
        assert (browser["state"], browser["reason"]) == (state, reason), (name, browser)
    holder = in_browser(page, s.link(s.credential(1)))["holder"]
    assert isinstance(holder, dict) and holder["councilHi"] == "हरियाणा चिकित्सा परिषद"

    def altered(route: Route) -> None:
        """The noc type allowed by a list altered on the way (its signature kept)."""
        document = route.fetch().json()
        header, payload, signature = document["bundle"]["trust_list"].split(".")
        listed = json.loads(_b64(payload))
        listed["issuers"][0]["certificate_types"] = ["noc"]
        document["bundle"]["trust_list"] = ".".join(
            (header, _b64url(json.dumps(listed).encode()), signature))
        route.fulfill(json=document)

    noc = s.link(s.credential(9, type_id="noc"))
    page.route("**/v/offline-data", altered)
    kept = in_browser(page, noc)  # the good list, cached before, stays in use
    assert (kept["state"], kept["reason"]) == ("not_genuine", "type_not_allowed"), kept
    page.evaluate("caches.delete('pramaan-offline-data-v1')")
    never = in_browser(page, noc)  # with nothing cached, the altered list is not trusted
    assert (never["state"], never["code"]) == ("cannot_check", "trust_list.invalid"), never


def test_the_data_is_refreshed_once_its_ttl_has_passed(context: BrowserContext,
                                                      services: Services) -> None:
    """Online, the in-browser check downloads the data again only when the shortest list ttl
    (here 1 s) has passed since it was saved: a revocation shows then, not before."""
    link = services.link(services.credential(11))
    page = install(context, services)
    assert page.evaluate("t => window.pramaanOffline.check(t)", link)["state"] == "valid"
    services.issuer.revoked.add(11)
    time.sleep(1.2)  # the verifier's own copy of the lists is 1 s old too
    before = len(services.paths)
    at(page, NOW + timedelta(milliseconds=500))
    assert page.evaluate("t => window.pramaanOffline.check(t)", link)["state"] == "valid"
    assert "/v/offline-data" not in services.paths[before:]
    at(page, NOW + timedelta(seconds=2))
    assert page.evaluate("t => window.pramaanOffline.check(t)", link)["state"] == "revoked"
    assert "/v/offline-data" in services.paths[before:]


def test_chromium_finds_the_page_installable(context: BrowserContext,
                                             services: Services) -> None:
    page = install(context, services)
    cdp = context.new_cdp_session(page)
    errors = [e["errorId"] for e in
              cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    # a Playwright context is off the record, where Chromium installs nothing; nothing else
    assert errors == ["in-incognito"], errors
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == f"{services.verifier}/v/manifest.webmanifest"
    assert not manifest["errors"], manifest["errors"]


def test_offline_from_the_cache_with_the_data_age(context: BrowserContext,
                                                   services: Services) -> None:
    tokens = the_parity_set(services)
    page = install(context, services)
    page.close()
    context.set_offline(True)
    before = len(services.paths)
    page = context.new_page()
    at(page, NOW + timedelta(hours=3))
    for name, expected in (("valid", "valid"), ("revoked", "revoked"), ("forged", "not_genuine"),
                           ("unknown key", "cannot_check"), ("unknown issuer", "cannot_check")):
        page.goto("about:blank")
        page.goto(services.link(tokens[name]))
        state, text = shown(page)
        assert state == expected, (name, text)
        assert "Checked on this device, with data 3 hours old." in text, text
        page.screenshot(path=str(ARTIFACTS / f"offline-{name.replace(' ', '-')}.png"),
                        full_page=True)
    page.goto("about:blank")
    page.goto(f"{services.verifier}/v#1123")  # no credential: the error POST /verify gives
    state, text = shown(page)
    assert state == "error" and "QR code" in text, text
    assert services.paths[before:] == [], "a request reached the verifier while offline"


def test_stale_data_cannot_check(context: BrowserContext, services: Services) -> None:
    valid = services.credential(1)
    page = install(context, services)
    page.close()
    context.set_offline(True)
    page = context.new_page()
    at(page, NOW + timedelta(days=7, hours=1))
    page.goto(services.link(valid))
    state, text = shown(page)
    assert state == "cannot_check", text
    assert "too old" in text and "7 days old" in text, text
    page.screenshot(path=str(ARTIFACTS / "offline-stale.png"), full_page=True)


def test_budgets_are_measured(context: BrowserContext, services: Services) -> None:
    """Reported, not asserted: the offline verdict's time at 4x CPU slowdown and the shell's
    compressed size (the issue's budgets: 300 ms and 150 KB)."""
    link = services.link(services.credential(1))
    page = install(context, services)
    context.set_offline(True)
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    timings: list[float] = page.evaluate("""async (text) => {
        const times = [];
        for (let i = 0; i < 6; i += 1) {
            const start = performance.now();
            const verdict = await window.pramaanOffline.check(text);
            if (verdict.state !== "valid") throw new Error(verdict.state);
            times.push(performance.now() - start);
        }
        return times;
    }""", link)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    worker = httpx.get(f"{services.verifier}/v/sw.js").text
    shell = sum(_gzipped(services.verifier + path) for path in _listed(worker, "SHELL"))
    fonts = sum(_gzipped(services.verifier + path) for path in _listed(worker, "ON_FIRST_USE"))
    # the issue asks for the budgets to be reported: printed (pytest -s), never asserted
    report = (f"BUDGET offline verdict at 4x CPU slowdown: first {timings[0]:.0f} ms, "
              f"then median {statistics.median(timings[1:]):.0f} ms (budget 300 ms)\n"
              f"BUDGET app shell gzip -9: {shell / 1024:.1f} KiB (budget 150 KB); "
              f"and the fonts it keeps on first use: {fonts / 1024:.1f} KiB")
    print(report)  # noqa: T201
    assert len(timings) == 6 and 0 < shell <= 150_000  # a size, not a time: asserted


def _listed(worker: str, name: str) -> list[str]:
    """A list of paths the served service worker names (``SHELL``, ``ON_FIRST_USE``)."""
    found = re.search(rf"const {name} = (?:new Set\()?(\[.*?\])", worker, re.S)
    assert found is not None, name
    return list(json.loads(found[1]))


def _gzipped(url: str) -> int:
    response = httpx.get(url)
    assert response.status_code == 200, url
    return len(gzip.compress(response.content, 9))


def _b64(segment: str) -> bytes:
    import base64
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64url(data: bytes) -> str:
    import base64
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@pytest.mark.parametrize("width", [360, 1280])
def test_the_offline_verdict_in_english_and_hindi(context: BrowserContext, services: Services,
                                                 width: int) -> None:
    link = services.link(services.credential(1))
    page = install(context, services)
    page.close()
    context.set_offline(True)
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    at(page, NOW + timedelta(days=2))
    page.goto(link)
    state, text = shown(page)
    assert state == "valid" and "with data 2 days old" in text, text
    page.screenshot(path=str(ARTIFACTS / f"offline-valid-en-{width}.png"), full_page=True)
    page.click("#lang")
    age = page.locator(".verdict__offline").inner_text()
    assert age == "इस उपकरण पर जाँचा गया, 2 दिन पुराने डेटा से।", age
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, f"the page scrolls sideways at {width} px"
    # the page was installed in English: the Devanagari font must still be there, not boxes
    page.evaluate("document.fonts.ready")
    assert page.evaluate("""() => document.fonts.check('16px "Pramaan Devanagari"', 'जाँच')
        && [...document.fonts].some((f) => f.family.includes('Pramaan Devanagari')
                                           && f.status === 'loaded')"""), "no Devanagari font"
    page.screenshot(path=str(ARTIFACTS / f"offline-valid-hi-{width}.png"), full_page=True)


def _qr_cases(services: Services) -> dict[str, str]:
    """Scanned texts, good and bad, for the browser's decoder and the reference one."""
    from schemas.qr_payload import dictionary, from_digits, to_digits

    vectors = Path(__file__).resolve().parents[1] / "vectors" / "qr"
    good = {path.stem: json.loads(path.read_text())["qr_text"]
            for path in sorted(vectors.glob("token-*.json"))}
    link = services.link(services.credential(1))
    digits = link.split("#", 1)[1]
    binary = from_digits(digits[1:])

    def raw(body: bytes) -> str:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=dictionary(1))
        return "x#1" + to_digits(binary[:65] + packer.compress(body) + packer.flush())

    return good | {
        "fresh credential": link, "bare token": services.credential(1),
        "trailing byte": "x#1" + to_digits(binary + b"\0"),
        "truncated": "x#1" + to_digits(binary[:-3]), "bad digit count": link + "0",
        "group out of range": "x#1" + "9" * 17, "unknown version": "x#2" + digits[1:],
        "too long": "x#" + "1" * 4296, "letters": "x#1abc", "nothing": "https://x/v#",
        "inflates too far": raw(b'{"a":1}\n' + b" " * 17_000),
        "no split": raw(b'{"alg":"ES256"}'),
    }


def test_qr_text_decodes_as_the_reference_does(context: BrowserContext,
                                               services: Services) -> None:
    """docs/qr-format.md §2-§7 in the browser (static/offline/qr.js) against schemas/qr_payload.py:
    the same token, or the same error code."""
    page = install(context, services)
    for name, text in _qr_cases(services).items():
        try:
            expected = decode_qr_text(text)
        except MalformedCredential as err:
            expected = err.code
        got = page.evaluate("""async (text) => {
            const { decodeQrText } = await import("/v/offline/qr.js");
            const dictionary = new Uint8Array(await (await fetch(
                "/v/offline/qr-dictionary-v1.txt")).arrayBuffer());
            try { return decodeQrText(text, { 1: dictionary }); } catch (err) { return err.code; }
        }""", text)
        assert got == expected, (name, got, expected)
