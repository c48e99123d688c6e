"""Where mail goes: an SMTP server (STARTTLS, implicit TLS or plain, optional login) or, by
default, a local maildir folder so the demo works with no mail server."""

from __future__ import annotations

import mailbox
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol

from issuer.settings import IssuerSettings
from schemas.errors import MaildirUnavailable, SmtpUnavailable


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    security: Literal["starttls", "ssl", "none"] = "starttls"
    user: str | None = None
    password: str | None = None
    timeout: float = 20.0

    def send(self, message: EmailMessage) -> None:
        try:
            with self._connect() as smtp:
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as err:
            raise SmtpUnavailable(
                f"the SMTP server {self.host}:{self.port} did not take the message "
                f"({type(err).__name__}: {str(err)[:160]})",
                hint="it is retried with backoff; check PRAMAAN_SMTP_* if it persists") from err

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def __repr__(self) -> str:  # never show the password
        return f"SmtpTransport({self.host}:{self.port}, {self.security}, user={self.user!r})"


@dataclass(frozen=True)
class MaildirTransport:
    path: Path

    def send(self, message: EmailMessage) -> None:
        try:
            mailbox.Maildir(self.path, create=True).add(message)
        except OSError as err:
            raise MaildirUnavailable(f"cannot write mail to the maildir {self.path}") from err


def transport_for(settings: IssuerSettings) -> MailTransport:
    if settings.smtp_host is None:
        return MaildirTransport(settings.maildir)
    return SmtpTransport(
        host=settings.smtp_host, port=settings.smtp_port, security=settings.smtp_security,
        user=settings.smtp_user, timeout=settings.smtp_timeout_seconds,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None)
