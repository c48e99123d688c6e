"""The issuer running in uvicorn with the DigiLocker API enabled, and registrants to find."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from issuer.app import create_app
from issuer.auth.service import authenticate
from issuer.credentials import service as credentials
from issuer.credentials.models import IssuedCredential
from issuer.registry.models import Registration
from issuer.settings import IssuerSettings
from issuer.state import IssuerState
from tests.clock import NOW
from tests.conftest import make_settings
from tests.live import serve

API_KEY = "digilocker-api-key-for-tests"
ISSUER_ID = "in.gov.haryana.health"
NAME = "Dr. Venkata Lakshmi Narasimha Rao Bhagavatula"  # the reference registrant
DOB = "29-02-1988"
DL_ID = "123e4567-e89b-12d3-a456-426655440000"


@pytest.fixture
def settings(engine: Engine) -> IssuerSettings:
    return make_settings(engine.url.render_as_string(hide_password=False),
                         digilocker_api_key=API_KEY, digilocker_issuer_id=ISSUER_ID)


@pytest.fixture
def issuer_url(settings: IssuerSettings, state: IssuerState) -> Iterator[str]:
    with serve(create_app(settings, state=state)) as url:
        yield f"{url}/digilocker"


@pytest.fixture
def issue(session: Session, state: IssuerState, token_factory: Callable[..., str]
          ) -> Callable[..., IssuedCredential]:
    staff_token = token_factory()

    def _issue(registration: Registration, certificate_type: str = "registration",
               **extra: str) -> IssuedCredential:
        staff = authenticate(session, f"Bearer {staff_token}", now=NOW)
        row = credentials.issue_in(state.issue_context(session), session,
                                   credentials.IssueRequest(registration.id, certificate_type,
                                                            extra), staff=staff, now=NOW)
        session.commit()
        return row
    return _issue


def person(**overrides: Any) -> dict[str, Any]:
    return {"professional": overrides}
