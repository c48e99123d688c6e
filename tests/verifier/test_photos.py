"""The server-side decoder on generated phone photos of a real certificate PDF: a floor on the
success rate (``scripts/bench_decode.py`` measures the full range), and no photo takes long."""

from __future__ import annotations

import io
import random
import time
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from keys.signing import SigningKey
from schemas.errors import NoCredentialFound
from schemas.registry import Registry
from tests.photos import conditions, photograph, render_page
from tests.verifier.conftest import make_credential, sign
from tests.verifier.test_api import issued_pdf
from verifier import inputs

COUNT = 8
FLOOR = 7


@pytest.fixture
def certificate(es256_key: SigningKey, registry: Registry) -> tuple[str, Image.Image]:
    token = sign(make_credential(), es256_key)
    return token, render_page(issued_pdf(token, registry), dpi=200)


def test_ordinary_phone_photos_are_read(certificate: tuple[str, Image.Image]) -> None:
    token, page = certificate
    read, slowest, missed = 0, 0.0, []
    for i in range(COUNT):
        rng = random.Random(i)
        how = replace(conditions(rng, severity=0.6 * i / (COUNT - 1)), width=2400)
        photo = photograph(page, how, rng)
        started = time.monotonic()
        try:
            read += inputs.token_from_image(photo) == token
        except NoCredentialFound:
            missed.append(f"photo {i}: {how}")
        slowest = max(slowest, time.monotonic() - started)
    assert read >= FLOOR, f"read {read} of {COUNT} photos; not read: {missed}"
    assert slowest < inputs.DECODE_BUDGET_SECONDS + 2


def test_a_photo_without_a_code_gives_up_within_the_budget() -> None:
    noise = np.random.default_rng(1).integers(0, 256, (3000, 4000), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).save(out, "JPEG", quality=80)
    started = time.monotonic()
    with pytest.raises(NoCredentialFound) as caught:
        inputs.token_from_image(out.getvalue(), budget_seconds=0.5)
    assert caught.value.code == "input.no_credential"
    assert time.monotonic() - started < 5
