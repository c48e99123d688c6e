"""The verifier's one fetch cache (``verifier.cache.TTLCache``), on a clock the test moves."""

from __future__ import annotations

from schemas.errors import UpstreamUnavailable
from verifier.cache import TTLCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_fresh_for_its_ttl_and_younger_than_max_age() -> None:
    clock = Clock()
    cache: TTLCache[str] = TTLCache(clock=clock)
    cache.put("u", "keys", ttl=300)
    clock.now += 299
    assert cache.get("u") == "keys" and cache.get("u", max_age=30) is None
    clock.now += 1
    assert cache.get("u") is None and cache.get("other") is None


def test_a_failure_is_remembered_for_its_retry_and_keeps_the_value() -> None:
    clock = Clock()
    cache: TTLCache[str] = TTLCache(clock=clock)
    cache.put("u", "keys", ttl=300)
    failure = UpstreamUnavailable("the JWKS at u answered HTTP 500")
    cache.put_failure("u", failure, retry=30)
    assert cache.failure("u") is failure and cache.get("u") == "keys"
    clock.now += 30
    assert cache.failure("u") is None and cache.get("u") == "keys"
    cache.put_failure("u", failure, retry=30)
    cache.put("u", "new keys", ttl=300)
    assert cache.failure("u") is None and cache.get("u") == "new keys"


def test_the_oldest_stored_entries_go_first() -> None:
    cache: TTLCache[int] = TTLCache(clock=Clock(), max_entries=2)
    for url in ("a", "b", "a", "c"):
        cache.put(url, 1, ttl=60)
    assert len(cache) == 2 and cache.get("a") == 1 and cache.get("b") is None


def test_one_lock_per_url() -> None:
    cache: TTLCache[int] = TTLCache(max_entries=1)
    assert cache.lock("a") is cache.lock("a") and cache.lock("a") is not cache.lock("b")
