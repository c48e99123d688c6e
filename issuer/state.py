"""What every request and background job of the issuer shares: settings, database, registry,
keys, status-list publisher, the PDF renderer, and the clock.

A leaf of the issuer's import graph: routes, dependencies, the CLI and the outbox import it; it
imports none of them. The clock is here so that every route, dependency and background task
reads the same injected time (tests pass their own; ``create_app(settings, clock=…)``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from issuer import db
from issuer.applicants.service import SignInPolicy
from issuer.applications.reports import ClosedMonths
from issuer.credentials.service import IssueContext
from issuer.keystore.service import KeyRingCache
from issuer.settings import IssuerSettings
from issuer.status.allocation import PositionPool
from issuer.status.publish import StatusListPublisher
from schemas.registry import Registry, load_registry

if TYPE_CHECKING:
    from issuer.delivery.pdf import CertificatePdfRenderer

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock, aware and in UTC: the only place the issuer service reads it."""
    return datetime.now(UTC)


@dataclass
class IssuerState:
    settings: IssuerSettings
    engine: Engine
    sessions: sessionmaker[Session]
    registry: Registry
    keyring: KeyRingCache
    publisher: StatusListPublisher
    clock: Clock = system_clock
    closed_months: ClosedMonths = field(default_factory=ClosedMonths)
    """/stats' counts of ended months, made once per process (``docs/scale.md``)."""
    _renderer: CertificatePdfRenderer | None = None
    _positions: PositionPool | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def renderer(self) -> CertificatePdfRenderer:
        """Fonts are parsed and the template built once, on first use."""
        if self._renderer is None:
            # Deferred: pikepdf, HarfBuzz and the fonts cost ~0.3 s, which the CLI's
            # commands that never print a PDF should not pay.
            from issuer.delivery.pdf import CertificatePdfRenderer
            from issuer.delivery.signers import DocumentSigners

            with self._lock:
                if self._renderer is None:
                    self._renderer = CertificatePdfRenderer.load(signers=DocumentSigners(
                        self.sessions, self.keyring, self.clock,
                        self.settings.key_passphrase.get_secret_value(),
                        self.settings.pdf_certificates_dir))
        return self._renderer

    def issue_context(self, session: Session) -> IssueContext:
        return IssueContext(registry=self.registry,
                            keyring=self.keyring.current(session, now=self.clock()),
                            public_base=self.settings.public_base_url,
                            status_list_entries=self.settings.status_list_entries,
                            positions=self.positions)

    @property
    def positions(self) -> PositionPool | None:
        """This process's block of status-list positions (PostgreSQL, when
        ``status_position_block`` > 1), made on first use."""
        block = self.settings.status_position_block
        if block == 1 or self.engine.dialect.name != "postgresql":
            return None
        if self._positions is None:
            with self._lock:
                if self._positions is None:
                    self._positions = PositionPool(self.engine, block)
        return self._positions

    @property
    def sign_in_policy(self) -> SignInPolicy:
        s = self.settings
        return SignInPolicy(secrets=[k.get_secret_value() for k in s.session_secrets],
                            code_ttl=timedelta(minutes=s.sign_in_code_minutes),
                            max_attempts=s.sign_in_max_attempts,
                            per_email_per_hour=s.sign_in_per_email_per_hour,
                            per_client_per_hour=s.sign_in_per_ip_per_hour,
                            session_ttl=timedelta(hours=s.session_hours))

    @property
    def uploads(self) -> Path:
        return self.settings.data_dir / "uploads"


def build_state(settings: IssuerSettings, engine: Engine | None = None, *,
                clock: Clock = system_clock) -> IssuerState:
    engine = engine or db.make_engine(settings.database_url)
    return IssuerState(settings=settings, engine=engine, sessions=db.session_factory(engine),
                       registry=load_registry(settings.registry_files),
                       keyring=KeyRingCache(settings.key_passphrase.get_secret_value()),
                       publisher=StatusListPublisher(
                           public_base=settings.public_base_url,
                           ttl_seconds=settings.status_list_ttl_seconds),
                       clock=clock)
