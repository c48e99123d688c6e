"""Wire the outbox handlers to the issuer's state, and run them once or in the service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fastapi import FastAPI

from issuer.digilocker.push import PushContext
from issuer.digilocker.push import handlers as push_handlers
from issuer.digilocker.service import DigiLockerConfig
from issuer.mail import service as mail
from issuer.mail.transport import MailTransport, transport_for
from issuer.outbox import service as outbox
from issuer.outbox.worker import OutboxWorker

if TYPE_CHECKING:
    from issuer.state import IssuerState


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
    return mail.handlers(context) | push_handlers(push)


def policy(state: IssuerState) -> outbox.RetryPolicy:
    settings = state.settings
    return outbox.RetryPolicy(first_delay_seconds=settings.outbox_retry_seconds,
                              max_delay_seconds=settings.outbox_retry_max_seconds,
                              max_attempts=settings.outbox_max_attempts)


def run_once(state: IssuerState, *, now: datetime,
             transport: MailTransport | None = None) -> outbox.OutboxReport:
    return outbox.process_due(state.sessions, handlers(state, transport=transport), now=now,
                              policy=policy(state))


@asynccontextmanager
async def worker_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the outbox worker beside the HTTP service (``PRAMAAN_OUTBOX_WORKER``)."""
    state: IssuerState = app.state.pramaan
    table = handlers(state)
    worker = OutboxWorker(lambda now: outbox.process_due(state.sessions, table, now=now,
                                                         policy=policy(state)),
                          poll_seconds=state.settings.outbox_poll_seconds, clock=state.clock)
    worker.start()
    try:
        yield
    finally:
        worker.stop()
