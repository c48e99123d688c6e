"""A per-client token bucket for the public JSON API.

Each client (its IP address) may make ``burst`` requests at once and ``per_minute`` a minute
after that. Hospitals behind one address share a bucket, so the defaults are generous; the point
is that no single client can take the verifier away from everyone else. Buckets live in process
memory, at most ``max_clients`` of them (the least recently seen are dropped first), so a flood
of addresses costs bounded memory. Behind a reverse proxy every request comes from the proxy's
address: limit there instead, or set the limit to 0 here.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from schemas.errors import RateLimited


class RateLimiter:
    def __init__(self, *, per_minute: float, burst: int, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, client: str) -> None:
        """Spend one request of ``client``'s allowance, or raise ``RateLimited`` (HTTP 429)
        saying when to retry."""
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            tokens, seen = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - seen) * self.rate)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                wait = (1 - tokens) / self.rate
                raise RateLimited(f"too many verification requests from {client}; try again in "
                                  f"{wait:.0f} s", retry_after=max(1, math.ceil(wait)),
                                  hint="for many certificates at once use `verifier check` "
                                       "on a folder, or run your own verifier")
            self._buckets[client] = (tokens - 1, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
