"""The tests' time. Nothing in the suite reads the wall clock for a decision: the issuer and the
verifier take this clock, so the suite gives the same answers on any date (CI also runs it under
``faketime`` to prove that)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Late 2026: every demo and factory registration is current then.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@dataclass
class TestClock:
    """A clock that stands still until a test moves it."""

    now: datetime = NOW
    __test__ = False  # not a test class, whatever pytest's name pattern says

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
