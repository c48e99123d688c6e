"""Issuance as plain functions: rules, authorization, idempotency, atomicity and the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.audit.models import AuditEvent
from issuer.auth.service import authenticate
from issuer.credentials import service
from issuer.credentials.models import IssuedCredential
from issuer.keystore import service as keystore
from issuer.registry.models import Registration
from keys.jwk import parse_jwks
from keys.signing import parse_payload, verify_jws
from schemas import credential as vc
from schemas.errors import Conflict, Forbidden, InvalidData, InvalidTransition, NotFound
from schemas.registry import Registry, add_period
from tests.clock import NOW
from tests.conftest import PASSPHRASE

EXTRA = {"registration": {},
         "good-standing": {"addressee": "General Medical Council, United Kingdom",
                           "purpose": "Registration with a foreign regulator"},
         "noc": {"purpose": "Transfer of registration", "destination": "Delhi Medical Council"}}


@pytest.fixture
def issue(session: Session, registry: Registry, token_factory: Callable[..., str],
          signing_key: str) -> Callable[..., IssuedCredential]:
    def _issue(registration: Registration, cert_type: str = "registration",
               extra: dict[str, str] | None = None, token: str | None = None,
               key: str | None = None, now: datetime = NOW) -> IssuedCredential:
        staff = authenticate(session, f"Bearer {token or token_factory()}", now=NOW)
        request = service.IssueRequest(registration.id, cert_type,
                                       EXTRA[cert_type] if extra is None else extra, key)
        ring = keystore.load_keyring(session, PASSPHRASE, now=now)
        return service.issue(session, request, staff=staff, registry=registry, keyring=ring,
                             public_base="https://pramaan.hr.gov.in", now=now)
    return _issue


@pytest.mark.parametrize("cert_type", ["registration", "good-standing", "noc"])
def test_each_certificate_type_is_signed_and_fits_its_schema(
        cert_type: str, issue: Callable[..., IssuedCredential], session: Session,
        make_registration: Callable[..., Registration], registry: Registry) -> None:
    row = issue(make_registration(), cert_type)
    trusted = parse_jwks(keystore.load_keyring(session, PASSPHRASE, now=NOW).jwks())
    verified = verify_jws(row.token, resolve_key=lambda h: trusted[h["kid"]],
                          algorithms=["ES256"])
    assert verified.header["typ"] == "vc+jwt" and verified.header["cty"] == "vc"
    credential = parse_payload(verified.payload)
    assert vc.validate_against_schema(credential, registry).id == cert_type
    assert credential["id"] == f"https://pramaan.hr.gov.in/c/{row.certificate_number}"
    assert credential["issuer"] == "https://pramaan.hr.gov.in/councils/hmc"
    for name, value in EXTRA[cert_type].items():
        assert credential["credentialSubject"][name] == value


def test_registration_certificate_carries_the_register_and_licence_window(
        issue: Callable[..., IssuedCredential],
        make_registration: Callable[..., Registration]) -> None:
    credential = service.credential_of(issue(make_registration()))
    subject = credential["credentialSubject"]
    assert subject["name"] == "Dr. Venkata Lakshmi Narasimha Rao Bhagavatula"
    assert subject["nameHi"] == "डॉ. वेंकट लक्ष्मी नरसिम्हा राव भागवतुला"
    assert [q["degree"] for q in subject["qualifications"]] == ["MBBS", "MD (General Medicine)"]
    assert credential["validFrom"] == "2024-07-14T00:00:00+05:30"
    assert credential["validUntil"] == "2029-07-13T23:59:59+05:30"


def test_good_standing_lasts_six_months_but_never_beyond_the_registration(
        issue: Callable[..., IssuedCredential],
        make_registration: Callable[..., Registration]) -> None:
    long_lived = service.credential_of(issue(make_registration(), "good-standing"))
    assert long_lived["validUntil"] == "2027-05-25T23:59:59+05:30"
    ending = make_registration(registration={"valid_until": "2027-01-31"})
    short = service.credential_of(issue(ending, "good-standing"))
    assert short["validUntil"] == "2027-01-31T23:59:59+05:30"


def test_a_token_for_one_council_cannot_issue_for_another(
        issue: Callable[..., IssuedCredential], token_factory: Callable[..., str],
        make_registration: Callable[..., Registration], session: Session) -> None:
    dental = token_factory(councils=("hdc",))
    with pytest.raises(NotFound) as caught:  # as if it did not exist (docs/errors.md)
        issue(make_registration(), token=dental)
    assert caught.value.code == "not_found"
    viewer = token_factory(role="viewer")
    with pytest.raises(Forbidden):
        issue(make_registration(), token=viewer)
    assert session.scalar(select(func.count()).select_from(IssuedCredential)) == 0


def test_a_repeated_idempotency_key_returns_the_first_certificate(
        issue: Callable[..., IssuedCredential], token_factory: Callable[..., str],
        make_registration: Callable[..., Registration], session: Session) -> None:
    token, registration = token_factory(), make_registration()
    first = issue(registration, token=token, key="req-1")
    again = issue(registration, token=token, key="req-1")
    assert again.id == first.id and again.token == first.token
    with pytest.raises(Conflict) as caught:
        issue(registration, "good-standing", token=token, key="req-1")
    assert caught.value.code == "idempotency.mismatch"
    assert session.scalar(select(func.count()).select_from(IssuedCredential)) == 1


@pytest.mark.parametrize(("change", "code"), [
    ({"registration": {"registration_type": "provisional"}}, "registration.not_permanent"),
    ({"registration": {"valid_from": "2019-01-01", "valid_until": "2024-01-01"}},
     "registration.not_current"),
])
def test_noc_rules(change: dict[str, dict[str, str]], code: str,
                   issue: Callable[..., IssuedCredential],
                   make_registration: Callable[..., Registration]) -> None:
    with pytest.raises(InvalidTransition) as caught:
        issue(make_registration(**change), "noc")
    assert caught.value.code == code


@pytest.mark.parametrize(("extra", "problem"), [
    ({}, "missing: destination, purpose"),
    ({"purpose": "x", "destination": "y", "addressee": "z"}, "unexpected: addressee"),
    ({"purpose": " ", "destination": "y"}, "purpose must be 1 to 200 characters"),
])
def test_wrong_extra_fields_are_named(extra: dict[str, str], problem: str,
                                      issue: Callable[..., IssuedCredential],
                                      make_registration: Callable[..., Registration]) -> None:
    with pytest.raises(InvalidData) as caught:
        issue(make_registration(), "noc", extra)
    assert problem in caught.value.detail and caught.value.code == "data.invalid"


def test_issuance_is_audited_with_who_when_and_what(
        issue: Callable[..., IssuedCredential], make_registration: Callable[..., Registration],
        session: Session) -> None:
    row = issue(make_registration(), "good-standing")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "credential.issued"))
    assert event is not None
    assert event.subject == f"credential:{row.certificate_number}"
    assert event.actor.startswith("staff:") and event.at.replace(tzinfo=None) == \
        NOW.replace(tzinfo=None)
    assert event.details["type"] == "good-standing" and event.details["kid"] == row.kid


def test_certificate_numbers_are_readable_and_unpredictable() -> None:
    numbers = {service.new_certificate_number("HMC", "RC") for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        prefix, code, a, b = number.split("-")
        assert (prefix, code, len(a), len(b)) == ("HMC", "RC", 4, 4)
        assert not set(a + b) & set("ILOU")


def test_add_period_clamps_month_ends() -> None:
    assert add_period(date(2026, 8, 31), "P6M") == date(2027, 2, 28)
    assert add_period(date(2026, 1, 1), "P1Y") == date(2027, 1, 1)
    assert add_period(date(2026, 1, 1), "P90D") == date(2026, 1, 1) + timedelta(90)
