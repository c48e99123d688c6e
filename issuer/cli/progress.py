"""One progress line on stderr for long commands: done of total, rate, time left."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Progress:
    """Reports at most once per ``every`` seconds (and always at ``done``), so a fast import is
    not slowed by its own terminal output. Rate and time left use the monotonic clock: elapsed
    time, not the date, which the injected clock owns."""

    total: int | None
    noun: str = "rows"
    every: float = 1.0
    out: TextIO = field(default_factory=lambda: sys.stderr)
    _start: float = field(default_factory=time.monotonic)
    _last: float = field(default_factory=time.monotonic)

    def update(self, done: int, note: str = "", *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < self.every:
            return
        self._last = now
        elapsed = max(now - self._start, 1e-6)
        rate = done / elapsed
        parts = [f"{done:,}" + (f"/{self.total:,} {self.noun} ({done * 100 // self.total}%)"
                                if self.total else f" {self.noun}"),
                 f"{rate:,.0f} {self.noun}/s"]
        if self.total and rate > 0 and not final:
            parts.append(f"{_duration(max(self.total - done, 0) / rate)} left")
        if final:
            parts.append(f"{_duration(elapsed)} in all")
        if note:
            parts.append(note)
        print(" · ".join(parts), file=self.out, flush=True)


def _duration(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
