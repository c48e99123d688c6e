"""A phone's full-size photo is taken as it is: the verifier accepts uploads of at least 15 MB
(the page shrinks big photos first, but a browser without canvas sends the original), and still
refuses what is over its cap before reading it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from keys.signing import SigningKey
from schemas.qr_payload import encode_qr_text
from schemas.registry import Registry
from tests.clock import NOW
from tests.verifier.conftest import ALGORITHMS, SetClock, make_credential, sign
from tests.verifier.test_api import PAGE_URL, qr_png
from verifier.api import create_app
from verifier.settings import VerifierSettings
from verifier.trust import TrustStore
from verifier.verify import Verifier

MB = 1024 * 1024


@pytest.fixture
def client(verifier_settings: VerifierSettings, trust: TrustStore, registry: Registry
           ) -> Iterator[TestClient]:
    app = create_app(verifier_settings, clock=SetClock(NOW),
                     verifier=Verifier(trust, algorithms=ALGORITHMS, registry=registry))
    with TestClient(app) as c:
        yield c


def test_the_default_cap_takes_a_15_mb_photo(verifier_settings: VerifierSettings) -> None:
    assert verifier_settings.max_upload_bytes >= 15 * MB


def test_a_15_mb_photo_is_read(client: TestClient, es256_key: SigningKey) -> None:
    token = sign(make_credential(), es256_key)
    photo = qr_png(encode_qr_text(token, page_url=PAGE_URL), scale=6)
    big = photo + bytes(15 * MB - len(photo))  # a camera's extra data after the image's end
    response = client.post("/verify", files={"file": ("IMG_0001.png", big, "image/png")})
    assert response.status_code == 200, response.text
    assert response.json()["verdict"]["state"] == "valid"


def test_past_the_cap_is_still_refused(client: TestClient,
                                       verifier_settings: VerifierSettings) -> None:
    too_big = b"\x89PNG\r\n\x1a\n" + bytes(verifier_settings.max_upload_bytes + 1024)
    response = client.post("/verify", files={"file": ("huge.png", too_big, "image/png")})
    assert response.status_code == 413
    assert response.json()["error"] == "request.too_large"
