"""The public JSON API is rate-limited per client: a burst, then a steady rate, 429 with
Retry-After beyond it; memory stays bounded whatever the number of clients."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from keys.signing import SigningKey
from schemas.errors import RateLimited
from tests.verifier.conftest import make_credential, sign
from verifier.api import create_app
from verifier.ratelimit import RateLimiter
from verifier.settings import VerifierSettings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_steady_rate_then_429() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    for _ in range(3):
        limiter.take("10.0.0.1")
    with pytest.raises(RateLimited) as refused:
        limiter.take("10.0.0.1")
    assert refused.value.http_status == 429 and refused.value.facts["retry_after"] == 1
    limiter.take("10.0.0.2")  # another client has its own bucket
    clock.now += 1.0  # 60 a minute: one more request a second
    limiter.take("10.0.0.1")
    with pytest.raises(RateLimited):
        limiter.take("10.0.0.1")
    clock.now += 600  # a long pause refills the bucket to the burst, not beyond
    for _ in range(3):
        limiter.take("10.0.0.1")
    with pytest.raises(RateLimited):
        limiter.take("10.0.0.1")


def test_zero_turns_it_off_and_clients_are_bounded() -> None:
    off = RateLimiter(per_minute=0, burst=1)
    for _ in range(100):
        off.take("10.0.0.1")
    limiter = RateLimiter(per_minute=60, burst=1, max_clients=50)
    for i in range(1000):
        limiter.take(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._buckets) == 50


def test_the_api_answers_429_with_retry_after(verifier_settings: VerifierSettings,
                                              es256_key: SigningKey) -> None:
    settings = verifier_settings.model_copy(update={"rate_limit_per_minute": 1,
                                                    "rate_limit_burst": 2})
    token = sign(make_credential(), es256_key)
    with TestClient(create_app(settings)) as client:
        answers = [client.post("/verify", json={"token": token}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[-1]
    assert refused.json()["error"] == "request.rate_limited"
    assert int(refused.headers["Retry-After"]) == refused.json()["retryAfter"] >= 1
