"""The page's files over HTTP: an allow-list, a strict policy on each, nothing from elsewhere."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from verifier.api import create_app
from verifier.settings import VerifierSettings
from verifier.web import ASSETS, CONTENT_SECURITY_POLICY, STATIC, asset, page_policy


@pytest.fixture
def client(verifier_settings: VerifierSettings) -> Iterator[TestClient]:
    with TestClient(create_app(verifier_settings)) as c:
        yield c


def test_the_page_and_every_asset_carry_the_policy(client: TestClient) -> None:
    for path in ["/v", *(f"/v/assets/{name}" for name in ASSETS)]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == (
            page_policy() if path == "/v" else CONTENT_SECURITY_POLICY)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_the_one_inline_script_is_allowed_by_its_hash_alone(client: TestClient) -> None:
    html = client.get("/v").text
    inline = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert len(inline) == 1 and "fetch(\"verify\"" in inline[0]  # boot.js, inlined
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    policy = client.get("/v").headers["content-security-policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert policy == CONTENT_SECURITY_POLICY.replace("script-src 'self'",
                                                     f"script-src 'self' 'sha256-{digest}'")


def test_nothing_is_loaded_from_elsewhere(client: TestClient) -> None:
    for path in ["/v", "/v/assets/app.js", "/v/assets/app.css"]:
        text = client.get(path).text
        assert not re.search(r"(src|href|url)\s*[=(]\s*[\"']?(https?:)?//", text), path
        assert "<style" not in text and " style=" not in text and "onclick" not in text
        assert "<script>" not in text or path == "/v"  # the page's one, above


def test_the_page_references_only_served_assets(client: TestClient) -> None:
    html = client.get("/v").text
    names = re.findall(r'(?:src|href)="v/assets/([^"?]+)\?v=([0-9a-f]{16})"', html)
    assert {name for name, _ in names} >= {"app.css", "app.js", "strings.json"}
    for name, version in names:
        assert name in ASSETS
        assert version == asset(name).version  # the reference names the content it gets


def test_a_versioned_asset_is_cached_for_good_and_revalidated_otherwise(
        client: TestClient) -> None:
    css = asset("app.css")
    current = client.get(f"/v/assets/app.css?v={css.version}")
    assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert current.headers["etag"] == f'"{css.version}"'
    unversioned = client.get("/v/assets/app.css")
    assert "immutable" not in unversioned.headers["cache-control"]
    again = client.get("/v/assets/app.css", headers={"If-None-Match": f'"{css.version}"'})
    assert again.status_code == 304 and again.content == b""
    page = client.get("/v")
    assert page.headers["cache-control"] == "no-cache"
    assert client.get("/v", headers={"If-None-Match": page.headers["etag"]}).status_code == 304


def test_the_css_names_its_fonts_by_version(client: TestClient) -> None:
    css = client.get("/v/assets/app.css").text
    for font in ("NotoSansDevanagari-Regular.woff2", "NotoSansDevanagari-Bold.woff2",
                 "PramaanLabel-Bold.woff2"):
        assert f'url("fonts/{font}?v={asset("fonts/" + font).version}")' in css
        body = client.get(f"/v/assets/fonts/{font}").content
        assert body[:4] == b"wOF2"


@pytest.mark.parametrize("name", ["index.html", "app.js", "app.css", "strings.json",
                                  "vendor/jsQR.js"])
def test_text_is_gzipped_for_clients_that_take_it(client: TestClient, name: str) -> None:
    path = "/v" if name == "index.html" else f"/v/assets/{name}"
    packed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert int(packed.headers["content-length"]) < len(asset(name).body) * 0.6
    assert packed.content == asset(name).body  # the client inflates it to the same bytes
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == asset(name).body


def test_fonts_are_not_compressed_twice(client: TestClient) -> None:
    font = client.get("/v/assets/fonts/NotoSansDevanagari-Bold.woff2",
                      headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in font.headers
    assert font.headers["content-type"] == "font/woff2"


def test_the_label_font_draws_the_language_button() -> None:
    """The English page's one Devanagari word comes from the 3 KB label face, not the 40 KB one:
    the face's unicode-range in app.css covers exactly the word's letters."""
    strings = json.loads((STATIC / "strings.json").read_text("utf-8"))
    word = strings["en"]["lang.switch"]
    css = (STATIC / "app.css").read_text("utf-8")
    face = css[css.index('font-family: "Pramaan Label"'):]
    ranges = face[face.index("unicode-range:") + 14:face.index(";", face.index("unicode-range"))]
    covered: set[int] = set()
    for part in ranges.replace(" ", "").split(","):
        low, _, high = part.removeprefix("U+").partition("-")
        covered.update(range(int(low, 16), int(high or low, 16) + 1))
    assert {ord(ch) for ch in word} == covered
    assert len(asset("fonts/PramaanLabel-Bold.woff2").body) < 4096


@pytest.mark.parametrize("path", ["/v/assets/../api.py", "/v/assets/index.html",
                                  "/v/assets/vendor/README.md", "/v/assets/%2e%2e/web.py"])
def test_only_listed_files_are_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
