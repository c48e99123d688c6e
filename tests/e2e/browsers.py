"""What the browser tests share: Debian's Chromium launched headless, and a live issuer that
mails through a real SMTP server."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from issuer.app import create_app
from issuer.state import IssuerState, build_state
from tests.clock import NOW, TestClock
from tests.conftest import make_settings
from tests.issuer.mail.conftest import SmtpServer
from tests.live import free_port, fresh_database, seed_issuer, serve

CHROMIUM = "/usr/bin/chromium"


@contextmanager
def launched_chromium(artifacts: Path) -> Iterator[Browser]:
    """Headless Chromium (``scripts/setup`` installs it), with ``artifacts`` ready for
    screenshots."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup installs Debian's chromium")
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class MailingIssuer:
    base: str
    registrar_token: str
    smtp: SmtpServer


@contextmanager
def mailing_issuer(tmp_path: Path, *, email: str,
                   prepare: Callable[[IssuerState], None] = lambda _state: None
                   ) -> Iterator[MailingIssuer]:
    """A live issuer on SQLite whose outbox worker mails through a real SMTP server, with one
    registrant at ``email``; ``prepare`` adds what a test needs before it starts serving."""
    smtp = SmtpServer()
    smtp.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        with fresh_database("sqlite", tmp_path) as engine:
            settings = make_settings(
                engine.url.render_as_string(hide_password=False), public_base_url=base,
                smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none",
                outbox_worker=True, outbox_poll_seconds=0.2, data_dir=tmp_path / "data")
            state = build_state(settings, engine=engine, clock=TestClock(NOW))
            token, _registration_id = seed_issuer(
                state, professional={"email": email, "digilocker_id": None})
            prepare(state)
            with serve(create_app(settings, state=state), port=port):
                yield MailingIssuer(base, token, smtp)
    finally:
        smtp.stop()
