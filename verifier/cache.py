"""The one cache of what the verifier fetches: issuers' JWKS (``trust``), status lists and
certificates' status details (``status_lists``).

Each value is fresh for its own TTL on a monotonic clock that tests can move. A failed fetch is
remembered too, for a retry interval, so a failing host is not asked again on every request; it
does not displace a value still fresh (a JWKS refetched for an unknown ``kid`` may fail while the
cached keys still serve every known one).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from schemas.errors import PramaanError

V = TypeVar("V")


@dataclass(frozen=True)
class _Entry(Generic[V]):
    value: V | None = None
    stored_at: float = -math.inf
    expires: float = -math.inf
    failure: PramaanError | None = None
    retry_at: float = -math.inf


class TTLCache(Generic[V]):
    """Values by URL, each fresh for its TTL, and the last failure per URL for its retry interval.

    Safe to share between request threads: entries are replaced whole, so reads take no lock, and
    ``lock(url)`` lets one thread fetch a URL while the others wait for it. With ``max_entries``
    the entries stored longest ago are dropped first.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic,
                 max_entries: int | None = None) -> None:
        self._clock = clock
        self.max_entries = max_entries
        self._entries: dict[str, _Entry[V]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, url: str, *, max_age: float | None = None) -> V | None:
        """The value while fresh: within its TTL and, if given, younger than ``max_age``."""
        entry = self._entries.get(url)
        if entry is None or entry.value is None:
            return None
        now = self._clock()
        if now >= entry.expires or (max_age is not None and now - entry.stored_at >= max_age):
            return None
        return entry.value

    def failure(self, url: str) -> PramaanError | None:
        """The last failure to fetch ``url``, while its retry interval lasts."""
        entry = self._entries.get(url)
        if entry is None or entry.failure is None or self._clock() >= entry.retry_at:
            return None
        return entry.failure

    def put(self, url: str, value: V, *, ttl: float) -> None:
        """Keep ``value`` for ``ttl`` seconds; it clears a remembered failure."""
        now = self._clock()
        self._store(url, _Entry(value, stored_at=now, expires=now + ttl))

    def put_failure(self, url: str, failure: PramaanError, *, retry: float) -> None:
        """Remember ``failure`` for ``retry`` seconds, keeping the value stored before it."""
        entry = self._entries.get(url, _Entry[V]())
        self._store(url, replace(entry, failure=failure, retry_at=self._clock() + retry))

    def lock(self, url: str) -> threading.Lock:
        """The lock to hold while fetching ``url``, so that it is fetched once at a time."""
        with self._guard:
            if self.max_entries is not None and len(self._locks) > 4 * self.max_entries:
                self._locks.clear()  # only ever a handful in use; never grow without bound
            return self._locks.setdefault(url, threading.Lock())

    def _store(self, url: str, entry: _Entry[V]) -> None:
        with self._guard:
            self._entries.pop(url, None)  # re-insert: the dict's order is the storing order
            self._entries[url] = entry
            while self.max_entries is not None and len(self._entries) > self.max_entries:
                del self._entries[next(iter(self._entries))]
