"""The installable page's server side (``verifier/pwa.py``): the offline data, its refresh, the
service worker and the files it caches, each under the page's strict policy."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from keys.jwk import public_jwk
from keys.signing import SigningKey
from keys.storage import generate_private_key
from schemas import qr_payload
from schemas.registry import default_registry
from tests.clock import NOW, TestClock
from tests.verifier.conftest import FakeClock, JwksServer
from tests.verifier.test_trust_list import LIST_PATH, entry, publish, signed_list
from verifier.api import create_app
from verifier.pwa import OFFLINE_FILES, OFFLINE_FORMAT, OfflineData, issuers_of
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.web import ASSETS, CONTENT_SECURITY_POLICY, STATIC, page_policy

DICTIONARY_SHA256 = "cac8466d4b63b2860ab11fb8dd243b84599295e735de41610cc51211026f806c"


@pytest.fixture
def local(jwks_server: JwksServer) -> TrustedIssuer:
    """The issuer the test server plays, on its own origin, so that its lists are covered."""
    return TrustedIssuer(issuer=jwks_server.base_url, jwks_uri=jwks_server.jwks_uri,
                         name="Haryana councils (test)")


@pytest.fixture
def settings(local: TrustedIssuer) -> VerifierSettings:
    return VerifierSettings(trusted_issuers=[local])


@pytest.fixture
def client(settings: VerifierSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=TestClock(NOW))) as c:
        yield c


def test_the_offline_data_is_the_signed_bundle_with_the_servers_limits(
        client: TestClient, jwks_server: JwksServer, local: TrustedIssuer) -> None:
    jwks_server.revoked = {7}
    document = client.get("/v/offline-data").json()
    assert document["format"] == OFFLINE_FORMAT
    bundle = document["bundle"]
    assert bundle["created_at"] == NOW.isoformat()
    [issuer] = bundle["issuers"]
    assert document["problems"] == []
    assert issuer["issuer"] == local.issuer and issuer["jwks"] == jwks_server.document
    assert sorted(bundle["status_lists"]) == [jwks_server.list_url("revocation"),
                                              jwks_server.list_url("suspension")]
    assert all(item["token"].count(".") == 2 for item in bundle["status_lists"].values())
    assert document["anchor"] is None and "trust_list" not in bundle
    assert document["algorithms"] == ["ES256", "EdDSA"]
    assert document["maxAgeSeconds"] == 7 * 86_400  # the same limit as `verifier check --offline`
    assert document["refreshSeconds"] == jwks_server.ttl_seconds
    assert document["limits"] == {"qrText": qr_payload.MAX_QR_TEXT,
                                  "inflated": qr_payload.MAX_INFLATED, "token": 16_384}
    titles = {t["vcType"]: t["titleHi"] for t in document["registry"]["certificateTypes"]}
    assert titles["RegistrationCertificate"] == "पंजीकरण प्रमाणपत्र"
    assert not any("d" in key for key in issuer["jwks"]["keys"])  # public keys only


def test_the_data_is_rebuilt_only_after_the_shortest_ttl(
        settings: VerifierSettings, jwks_server: JwksServer) -> None:
    jwks_server.ttl_seconds = 60
    monotonic = FakeClock()
    source = OfflineData(settings, issuers_of(settings, None),
                         registry=default_registry(), monotonic=monotonic)
    first = source.refresh(TestClock(NOW))
    hits = dict(jwks_server.list_hits)
    monotonic.advance(59)
    assert source.current() is first and source.refresh(TestClock(NOW)) is first
    assert jwks_server.list_hits == hits
    monotonic.advance(1)
    assert source.current() is None
    jwks_server.revoked = {3}
    second = source.refresh(TestClock(NOW))
    assert second is not first and jwks_server.list_hits != hits
    assert second["refreshSeconds"] == 60


def test_with_a_trust_list_the_browser_gets_it_signed_and_the_anchors_key(
        jwks_server: JwksServer) -> None:
    anchor = SigningKey.from_private_key(generate_private_key("ES256"))
    token = signed_list(anchor, [entry(jwks_server)])
    publish(jwks_server, token)
    anchor_jwk = public_jwk(anchor.key.public_key())
    settings = VerifierSettings(trust_list_url=jwks_server.base_url + LIST_PATH,
                                trust_anchor_jwks=json.dumps(anchor_jwk))
    with TestClient(create_app(settings, clock=TestClock(NOW))) as client:
        document = client.get("/v/offline-data").json()
    assert document["bundle"]["trust_list"] == token
    assert document["anchor"] == {"keys": [anchor_jwk]}
    assert [i["name_hi"] for i in document["bundle"]["issuers"]] == ["हरियाणा चिकित्सा परिषद"]


def test_the_service_worker_may_control_the_page_and_is_never_stale(client: TestClient) -> None:
    response = client.get("/v/sw.js")
    assert response.status_code == 200
    assert response.headers["service-worker-allowed"] == "/v"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("text/javascript")


def test_the_policy_allows_the_manifest_and_worker_and_nothing_unsafe(client: TestClient) -> None:
    assert "manifest-src 'self'" in CONTENT_SECURITY_POLICY
    assert "worker-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    html = client.get("/v").text
    assert '<link rel="manifest" href="v/manifest.webmanifest">' in html
    manifest = client.get("/v/manifest.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json"
    icons = manifest.json()["icons"]
    assert {i["sizes"] for i in icons} == {"192x192", "512x512"}
    for icon in icons:
        assert client.get(icon["src"]).headers["content-type"] == "image/png"


def test_every_file_the_service_worker_caches_is_served_under_the_policy(
        client: TestClient) -> None:
    worker = client.get("/v/sw.js").text
    shell = re.search(r"const SHELL = \[(.*?)\];", worker, re.S)
    assert shell is not None and "__" not in worker
    paths = re.findall(r'"(/v[^"]*)"', shell[1])
    assert {f"/v/offline/{name}" for name in OFFLINE_FILES} <= set(paths)
    # a file added to the page must be cached too, or the installed app breaks offline: at
    # install, or (the fonts) the first time the page uses it
    later = re.search(r"const ON_FIRST_USE = new Set\((\[.*?\])\);", worker, re.S)
    assert later is not None
    fonts = json.loads(later[1])
    assert fonts and all("/fonts/" in path for path in fonts)
    assert {"/v", *(f"/v/assets/{name}" for name in ASSETS)} <= set(paths) | set(fonts)
    paths += fonts
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = page_policy() if path == "/v" else CONTENT_SECURITY_POLICY  # + boot.js hash
        assert response.headers["content-security-policy"] == policy, path
    assert "/verify" not in paths and "/v/offline-data" not in paths


def test_the_dictionary_is_served_byte_for_byte(client: TestClient) -> None:
    data = client.get("/v/offline/qr-dictionary-v1.txt").content
    assert hashlib.sha256(data).hexdigest() == DICTIONARY_SHA256


@pytest.mark.parametrize("path", ["/v/offline/../pwa.py", "/v/offline/sw.js",
                                  "/v/offline/index.html", "/v/offline/%2e%2e%2fweb.py",
                                  "/v/offline/fflate.LICENSE"])
def test_only_listed_offline_files_are_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_the_vendored_fflate_is_the_noted_one() -> None:
    note = (STATIC / "vendor" / "README.md").read_text()
    digest = hashlib.sha256((STATIC / "vendor" / "fflate.js").read_bytes()).hexdigest()
    assert digest in note and "fflate" in note and (STATIC / "vendor" / "fflate.LICENSE").exists()
