"""A registrar of two councils (one whose profession renews) and a way to issue certificates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from issuer.auth.service import Staff, authenticate
from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.credentials.service import IssueContext
from issuer.registry.models import Registration
from issuer.state import IssuerState
from tests.clock import NOW

EXTRA = {"registration": {},
         "good-standing": {"addressee": "General Medical Council, London",
                           "purpose": "registration abroad"},
         "noc": {"purpose": "registration with another council",
                 "destination": "Punjab Medical Council"}}


@dataclass
class Desk:
    session: Session
    state: IssuerState
    staff: Staff
    make_registration: Callable[..., Registration]

    def context(self) -> IssueContext:
        return self.state.issue_context(self.session)

    def issue(self, registration: Registration, certificate_type: str = "registration",
              now: datetime = NOW) -> IssuedCredential:
        request = credentials.IssueRequest(registration.id, certificate_type,
                                           extra=EXTRA[certificate_type])
        row = credentials.issue_in(self.context(), self.session, request, staff=self.staff,
                                   now=now)
        self.session.commit()
        return row


@pytest.fixture
def desk(session: Session, state: IssuerState, token_factory: Callable[..., str],
         make_registration: Callable[..., Registration]) -> Desk:
    token = token_factory(councils=("hmc", "hpc"))
    staff = authenticate(session, f"Bearer {token}", now=NOW)
    return Desk(session, state, staff, make_registration)
