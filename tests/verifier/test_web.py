"""The page's files over HTTP: an allow-list, a strict policy on each, nothing from elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from verifier.api import create_app
from verifier.settings import VerifierSettings
from verifier.web import ASSETS, CONTENT_SECURITY_POLICY


@pytest.fixture
def client(verifier_settings: VerifierSettings) -> Iterator[TestClient]:
    with TestClient(create_app(verifier_settings)) as c:
        yield c


def test_the_page_and_every_asset_carry_the_policy(client: TestClient) -> None:
    for path in ["/v", *(f"/v/assets/{name}" for name in ASSETS)]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_nothing_is_loaded_from_elsewhere(client: TestClient) -> None:
    for path in ["/v", "/v/assets/app.js", "/v/assets/app.css"]:
        text = client.get(path).text
        assert not re.search(r"(src|href|url)\s*[=(]\s*[\"']?(https?:)?//", text), path
        assert "<style" not in text and " style=" not in text and "onclick" not in text


def test_the_page_references_only_served_assets(client: TestClient) -> None:
    html = client.get("/v").text
    for name in re.findall(r'(?:src|href)="v/assets/([^"]+)"', html):
        assert name in ASSETS


@pytest.mark.parametrize("path", ["/v/assets/../api.py", "/v/assets/index.html",
                                  "/v/assets/vendor/README.md", "/v/assets/%2e%2e/web.py"])
def test_only_listed_files_are_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
