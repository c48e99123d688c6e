"""Wire the outbox handlers to the issuer's state, and run them once or in the service.

Each pass of the background job first records the suspensions that have ended (state change,
audit entry, DigiLocker push), so that serving a status list or a certificate's status never has
to write: reads already show an ended suspension as lifted (``status.effective_state``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from issuer.digilocker.push import TIMEOUT_SECONDS as PUSH_TIMEOUT_SECONDS
from issuer.digilocker.push import PushContext
from issuer.digilocker.push import handlers as push_handlers
from issuer.digilocker.service import DigiLockerConfig
from issuer.mail import service as mail
from issuer.mail.transport import MailTransport, transport_for
from issuer.outbox import service as outbox
from issuer.outbox.pace import pacer
from issuer.outbox.worker import OutboxWorker
from issuer.registry import notices
from issuer.status import service as status

if TYPE_CHECKING:
    from issuer.state import IssuerState

log = logging.getLogger("pramaan.outbox")
LEASE_MARGIN_SECONDS = 30.0


def handlers(state: IssuerState, *, transport: MailTransport | None = None
             ) -> dict[str, outbox.Handler]:
    settings = state.settings
    context = mail.MailContext(
        transport=transport or transport_for(settings), registry=state.registry,
        renderer=lambda: state.renderer, page_url=settings.verify_page_url,
        public_base=settings.public_base_url,
        link_secrets=[s.get_secret_value() for s in settings.link_secrets],
        link_ttl=timedelta(days=settings.link_ttl_days), sender=settings.mail_from)
    push = PushContext(
        url=settings.digilocker_push_url, client_id=settings.digilocker_client_id,
        client_secret=(settings.digilocker_client_secret.get_secret_value()
                       if settings.digilocker_client_secret else None),
        config=DigiLockerConfig.of(settings.digilocker_issuer_id, settings.digilocker_doc_types))
    return mail.handlers(context) | notices.handlers(context) | push_handlers(push)


def policy(state: IssuerState) -> outbox.RetryPolicy:
    """The retry policy, with a lease as short as a send allows. A send is a few network round
    trips (SMTP: connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA), each bounded by the
    transport's timeout; a server that stops answering fails one of them within it. Three
    timeouts plus a margin for rendering the PDF and TLS (90 s with the default 20 s SMTP
    timeout, down from a fixed 5 minutes) covers a slow server; past it the row is another
    worker's, which is what a crashed worker's mail waits for. A worker overtaken while still
    sending sends a duplicate with the same ``Message-ID``, which the receiver can drop."""
    settings = state.settings
    transport_timeout = max(settings.smtp_timeout_seconds, PUSH_TIMEOUT_SECONDS)
    return outbox.RetryPolicy(first_delay_seconds=settings.outbox_retry_seconds,
                              max_delay_seconds=settings.outbox_retry_max_seconds,
                              max_attempts=settings.outbox_max_attempts,
                              lease_seconds=3 * transport_timeout + LEASE_MARGIN_SECONDS)


def run_once(state: IssuerState, *, now: datetime,
             transport: MailTransport | None = None) -> outbox.OutboxReport:
    return _run(state, handlers(state, transport=transport), now=now)


def lift_ended_suspensions(state: IssuerState, *, now: datetime) -> int:
    """Record every suspension that ended by ``now``, in a transaction of its own."""
    with state.sessions.begin() as session:
        lifted = status.lift_ended_suspensions(session, now=now)
    if lifted:
        log.info("recorded the end of %d suspension(s)", lifted)
    return lifted


def _run(state: IssuerState, table: dict[str, outbox.Handler], *, now: datetime
         ) -> outbox.OutboxReport:
    """One pass: lifts first, so the pushes they enqueue go out in the same pass."""
    lift_ended_suspensions(state, now=now)
    return outbox.process_due(state.sessions, table, now=now, policy=policy(state),
                              clock=state.clock,
                              pace=pacer(state.sessions, state.settings.outbox_rate))


def start_worker(state: IssuerState) -> OutboxWorker:
    """The outbox worker, started on a thread of its own, on the service's clock; the caller
    stops it (``issuer.app`` does, with the service's lifespan)."""
    table = handlers(state)
    worker = OutboxWorker(lambda now: _run(state, table, now=now),
                          poll_seconds=state.settings.outbox_poll_seconds, clock=state.clock)
    worker.start()
    return worker
