"""Several issuer processes against one database: the outbox's shared send rate, two
``issuer worker`` processes against a real SMTP server on PostgreSQL never sending a message
twice, and ``issuer serve --workers 2``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.smtp import Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from issuer.outbox import pace
from tests.conftest import PASSPHRASE
from tests.issuer.bulk.test_import import row, write_csv
from tests.issuer.mail.conftest import Inbox, SmtpServer
from tests.live import POSTGRES_URL, free_port, fresh_database


def test_slots_are_spaced_by_the_rate_for_every_caller(sessions: sessionmaker[Session]) -> None:
    first = pace.reserve(sessions, interval=0.5, now=1000.0)
    second = pace.reserve(sessions, interval=0.5, now=1000.0)
    third = pace.reserve(sessions, interval=0.5, now=1000.2)  # another worker, a moment later
    assert (first, second, third) == (1000.0, 1000.5, 1001.0)
    assert pace.reserve(sessions, interval=0.5, now=2000.0) == 2000.0  # idle: no backlog kept
    with sessions() as session:
        assert pace.next_at(session) == 2000.5


def test_without_a_rate_nothing_waits(sessions: sessionmaker[Session]) -> None:
    assert pace.pacer(sessions, None) is None


class TimedInbox(Inbox):
    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
            self, server: Any, session: SmtpSession, envelope: Envelope) -> str:
        self.times.append(time.monotonic())
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[tuple[dict[str, str], Any]]:
    """(environment for ``issuer`` processes, engine) on a fresh PostgreSQL schema."""
    with fresh_database("postgresql", tmp_path) as engine:
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        env = {**os.environ, "PRAMAAN_ENV": "test", "PRAMAAN_KEY_PASSPHRASE": PASSPHRASE,
               "PRAMAAN_KEY_KDF_COST": "10", "PRAMAAN_HOME": str(tmp_path),
               "PRAMAAN_DATABASE_URL": f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"}
        yield env, engine


def _issuer(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "issuer.cli", *args], env=env, text=True,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _seed(env: dict[str, str], tmp_path: Path, people: int) -> str:
    _issuer(env, "init")
    token = _issuer(env, "tokens", "create", "--name", "bulk", "--role", "registrar",
                    "--council", "hmc").splitlines()[-1]
    _issuer(env, "register", "import", str(write_csv(tmp_path / "r.csv",
                                                     [row(n) for n in range(people)])),
            "--council", "hmc", "--token", token)
    return token


def test_two_workers_send_each_mail_once_at_the_shared_rate(
        pg: tuple[dict[str, str], Any], tmp_path: Path) -> None:
    env, engine = pg
    people, rate = 24, 12.0
    token = _seed(env, tmp_path, people)
    _issuer(env, "issue-bulk", "--council", "hmc", "--type", "registration", "--token", token)
    server = SmtpServer()
    server.inbox = TimedInbox()
    server.start()
    smtp = {"PRAMAAN_SMTP_HOST": "127.0.0.1", "PRAMAAN_SMTP_PORT": str(server.port),
            "PRAMAAN_SMTP_SECURITY": "none", "PRAMAAN_OUTBOX_POLL_SECONDS": "0.2",
            "PRAMAAN_OUTBOX_RATE": str(rate)}
    workers = [subprocess.Popen([sys.executable, "-m", "issuer.cli", "worker"], env=env | smtp,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while len(server.inbox.messages) < people and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # anything sent twice would arrive by now
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        errors = [w.communicate(timeout=30)[1] for w in workers]
        server.stop()
    assert [w.returncode for w in workers] == [0, 0], errors
    inbox = server.inbox
    assert isinstance(inbox, TimedInbox)
    recipients = sorted(rcpt for _sender, rcpts in inbox.envelopes for rcpt in rcpts)
    assert recipients == sorted(f"p{n}@example.org" for n in range(people))  # once each
    assert len({m["Message-ID"] for m in inbox.messages}) == people
    gaps = [b - a for a, b in zip(inbox.times, inbox.times[1:], strict=False)]
    # slots are 1/rate apart; SMTP arrival adds jitter, so look at the whole run
    assert inbox.times[-1] - inbox.times[0] >= (people - 1) / rate * 0.8, gaps
    with engine.connect() as connection:
        outcomes = connection.execute(text("SELECT outcome, count(*) FROM outbox "
                                           "WHERE kind = 'mail.certificate' GROUP BY outcome"))
        assert dict(outcomes.all()) == {"sent": people}


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_serve_with_two_web_processes_and_one_outbox_worker(
        pg: tuple[dict[str, str], Any], tmp_path: Path) -> None:
    env, engine = pg
    token = _seed(env, tmp_path, 2)
    (tmp_path / "var").mkdir()  # the maildir's parent (Maildir makes only its own folder)
    port = free_port()
    env = env | {"PRAMAAN_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                 "PRAMAAN_OUTBOX_POLL_SECONDS": "0.2"}
    server = subprocess.Popen([sys.executable, "-m", "issuer.cli", "serve", "--workers", "2",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        web = [p for p in _children(server.pid)
               if b"multiprocessing" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(web) >= 2, web
        with engine.connect() as connection:
            ids = connection.execute(text("SELECT id FROM registrations ORDER BY id")).scalars()
            registration_ids = list(ids)
        issued = [httpx.post(f"{base}/registrations/{rid}/certificates",
                             json={"type": "registration"}, timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
                  for rid in registration_ids for _ in range(3)]
        assert [r.status_code for r in issued] == [201] * 6, issued[0].text
        numbers = {r.json()["certificate_number"] for r in issued}
        assert all(httpx.get(f"{base}/c/{n}", timeout=10, headers={"Accept": "application/json"}
                             ).status_code == 200 for n in numbers)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the supervisor's outbox worker writes the mails
            mails = list((tmp_path / "var" / "mail" / "new").glob("*"))
            if len(mails) >= 6:
                break
            time.sleep(0.2)
        assert len(mails) == 6
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)


def test_api_issuance_takes_status_positions_a_block_at_a_time(tmp_path: Path) -> None:
    from issuer.auth.service import authenticate
    from issuer.credentials.service import IssueRequest, issue_in
    from issuer.state import build_state
    from issuer.status.models import StatusList
    from tests.conftest import make_settings
    from tests.live import seed_issuer

    with fresh_database("postgresql", tmp_path) as engine:
        settings = make_settings(engine.url.render_as_string(hide_password=False),
                                 status_position_block=4)
        state = build_state(settings, engine=engine)
        token, registration_id = seed_issuer(state)
        slots = []
        for _ in range(6):
            with state.sessions.begin() as session:
                staff = authenticate(session, f"Bearer {token}", now=state.clock())
                row = issue_in(state.issue_context(session), session,
                               IssueRequest(registration_id, "registration"), staff=staff,
                               now=state.clock())
                slots.append((row.status_list_id, row.status_index))
        assert len(set(slots)) == 6
        with state.sessions() as session:
            lists = session.query(StatusList).all()
            assert [s.allocated for s in lists] == [8]  # two blocks of four
    sqlite = build_state(make_settings(f"sqlite:///{tmp_path}/x.db", status_position_block=4))
    assert sqlite.positions is None  # one writer at a time: taken in the issuing transaction
