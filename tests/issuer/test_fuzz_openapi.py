"""The issuer's OpenAPI document, fuzzed (``tests/fuzz.py``) on SQLite and on PostgreSQL, where
ids past ``INTEGER`` and NUL in text were server errors: no request answers 5xx."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from issuer.app import create_app
from issuer.applicants import service as applicants
from issuer.settings import IssuerSettings
from issuer.state import IssuerState
from tests.clock import NOW
from tests.fuzz import fuzz_openapi


def test_no_request_is_a_server_error(settings: IssuerSettings, state: IssuerState,
                                      session: Session,
                                      token_factory: Callable[..., str]) -> None:
    staff = {"Authorization": f"Bearer {token_factory(role='admin')}"}
    applicant = applicants.issue_session(session, "v.bhagavatula@example.org",
                                         policy=state.sign_in_policy, now=NOW)
    session.commit()
    professional = {"Authorization": f"Bearer {applicant.token}"}

    fuzzed = fuzz_openapi(create_app(settings, state=state),
                          headers=lambda path: professional if path.startswith("/me/") else staff)

    assert {"GET /registrations/{registration_id}", "GET /status/{purpose}/{number}",
            "GET /me/applications/{application_id}", "POST /d/request"} <= set(fuzzed)
