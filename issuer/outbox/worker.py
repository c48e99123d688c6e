"""The outbox loop the issuer service runs in a background thread (``issuer serve``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from issuer.outbox.service import OutboxReport

log = logging.getLogger("pramaan.outbox")
WAKE_SLICE_SECONDS = 0.05


class OutboxWorker:
    """Calls ``run_once(clock())`` every ``poll_seconds`` until stopped; ``wake()`` runs it
    sooner. The clock is the service's, so a test that moves time moves the worker too."""

    def __init__(self, run_once: Callable[[datetime], OutboxReport], *, poll_seconds: float,
                 clock: Callable[[], datetime]) -> None:
        self._run_once = run_once
        self._clock = clock
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="pramaan-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                report = self._run_once(self._clock())
                if report.processed:
                    log.info("outbox: %s", report)
            except Exception:  # the database may be briefly away; keep the loop alive
                log.exception("outbox run failed; retrying in %s s", self._poll)
            self._pause()
            self._wake.clear()

    def _pause(self) -> None:
        """Wait ``poll_seconds`` or until woken, in short sleeps rather than one
        ``Event.wait(timeout)``: under libfaketime (the test command's shifted-clock run) a
        timed wait in a thread never times out (wolfcw/libfaketime#390, #469), while
        ``time.sleep`` keeps working. A wake is seen within one slice."""
        deadline = time.monotonic() + self._poll
        while not self._wake.is_set() and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, WAKE_SLICE_SECONDS))
