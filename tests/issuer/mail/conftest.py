"""A real SMTP server (aiosmtpd) on a loopback port, which a test can stop and start again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy.orm import Session

from issuer.auth.service import authenticate
from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.registry.models import Registration
from issuer.state import IssuerState
from tests.clock import NOW
from tests.live import free_port

SMTP_USER, SMTP_PASSWORD = "pramaan", "smtp-password-not-secret"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
            self, _server: Any, _session: SmtpSession, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 OK"


def _authenticator(_server: Any, _session: Any, _envelope: Any, mechanism: str,
                   data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == SMTP_USER.encode() \
        and data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=ok)


class SmtpServer:
    """aiosmtpd on a fixed port: ``stop()`` makes the server unreachable, ``start()`` brings it
    back on the same port (as a mail server returning after an outage)."""

    def __init__(self, *, auth: bool = False) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.auth = auth
        self._controller: Controller | None = None

    def start(self) -> None:
        extra: dict[str, Any] = {"authenticator": _authenticator, "auth_required": True,
                                 "auth_require_tls": False} if self.auth else {}
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **extra)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def issue_for(session: Session, state: IssuerState, token_factory: Callable[..., str],
              make_registration: Callable[..., Registration]
              ) -> Callable[..., IssuedCredential]:
    """Issue a Registration Certificate to a new registrant (``professional`` overrides)."""
    staff_token = token_factory()

    def _issue(**professional: Any) -> IssuedCredential:
        registration = make_registration(professional={"digilocker_id": None} | professional)
        staff = authenticate(session, f"Bearer {staff_token}", now=NOW)
        row = credentials.issue_in(state.issue_context(session), session,
                                   credentials.IssueRequest(registration.id, "registration"),
                                   staff=staff, now=NOW)
        session.commit()
        return row
    return _issue
