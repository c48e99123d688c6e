"""The credential model: shape, India-offset times, data-model rules and schema checks."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from schemas import credential as vc
from schemas.errors import Expired, MalformedCredential, NotYetValid, SchemaViolation
from schemas.registry import default_registry

RECORD = vc.PractitionerRecord(
    name="Dr. Anjali Sharma", name_hi="डॉ. अंजलि शर्मा", father_name="Rajesh Sharma",
    registration_number="HDC/2018/00731", registration_date=date(2018, 3, 2),
    registration_type="permanent",
    qualifications=(vc.Qualification("BDS", "Pt. B.D. Sharma University", 2017),))


def build(cert_type: str = "registration", **extra: str) -> dict[str, Any]:
    registry = default_registry()
    draft = vc.CredentialDraft(
        certificate_type=registry.certificate_type(cert_type), council=registry.council("hdc"),
        record=RECORD, certificate_number="HDC-RC-AAAA-BBBB",
        valid_from=vc.start_of_day(date(2023, 3, 2)), valid_until=vc.end_of_day(date(2028, 3, 1)),
        extra=extra)
    return vc.build_credential(draft, public_base="https://pramaan.example/",
                               issued_at=datetime(2026, 1, 1, tzinfo=UTC))


def test_payload_is_compact_utf8_with_devanagari_unescaped() -> None:
    payload = vc.encode_payload(build())
    assert "डॉ. अंजलि शर्मा".encode() in payload and b"\\u" not in payload
    assert b", " not in payload and json.loads(payload) == build()


def test_times_carry_the_india_offset_so_printed_dates_mean_india_days() -> None:
    credential = build()
    assert credential["validFrom"] == "2023-03-02T00:00:00+05:30"
    assert credential["validUntil"] == "2028-03-01T23:59:59+05:30"
    assert credential["issuer"] == credential["iss"] == "https://pramaan.example/councils/hdc"


def test_validity_period_uses_the_given_clock() -> None:
    credential = build()
    vc.check_validity_period(credential, now=datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(Expired) as expired:
        vc.check_validity_period(credential, now=datetime(2028, 3, 1, 18, 30, tzinfo=UTC))
    assert expired.value.code == "credential.expired"
    with pytest.raises(NotYetValid):
        vc.check_validity_period(credential, now=datetime(2023, 3, 1, 18, 29, tzinfo=UTC))


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda c: c.update({"@context": ["https://www.w3.org/2018/credentials/v1"]}), "@context"),
    (lambda c: c.update({"type": "VerifiableCredential"}), "type"),
    (lambda c: c.update({"vc": {}}), "vc"),
    (lambda c: c.update({"iss": "https://elsewhere.example"}), "iss"),
    (lambda c: c.update({"credentialSubject": {}}), "credentialSubject"),
    (lambda c: c.update({"validFrom": "2030-01-01T00:00:00Z"}), "validFrom"),
    (lambda c: c.update({"validUntil": "2030-01-01T00:00:00"}), "validUntil"),
])
def test_data_model_violations_name_the_field(mutate: Any, field: str) -> None:
    credential = build()
    mutate(credential)
    with pytest.raises(MalformedCredential) as caught:
        vc.check_data_model(credential)
    assert caught.value.code == "credential.malformed" and caught.value.facts["field"] == field


@pytest.mark.parametrize(("cert_type", "extra"), [
    ("registration", {}), ("good-standing", {"addressee": "GMC", "purpose": "Work abroad"}),
    ("noc", {"purpose": "Transfer", "destination": "Delhi Medical Council"})])
def test_each_type_validates_against_its_schema(cert_type: str, extra: dict[str, str]) -> None:
    registry = default_registry()
    assert vc.validate_against_schema(build(cert_type, **extra), registry).id == cert_type


@pytest.mark.parametrize(("mutate", "where"), [
    (lambda c: c["credentialSubject"].pop("registrationNumber"), "credentialSubject"),
    (lambda c: c["credentialSubject"].update({"registrationType": "forever"}),
     "credentialSubject/registrationType"),
    (lambda c: c["credentialSubject"].update({"destination": "x"}),
     "credentialSubject/destination"),
    (lambda c: c.update({"validFrom": "14 July 2024"}), "validFrom"),
])
def test_schema_violations_say_where(mutate: Any, where: str) -> None:
    credential = copy.deepcopy(build())
    mutate(credential)
    with pytest.raises(SchemaViolation) as caught:
        vc.validate_against_schema(credential, default_registry())
    assert caught.value.code == "credential.schema" and caught.value.facts["field"] == where


@pytest.mark.parametrize(("moment", "shown"), [
    ("2027-01-31T23:59:59+05:30", "31 Jan 2027, 23:59 IST"),  # the seconds cut, not rounded
    ("2027-01-31T18:29:59+00:00", "31 Jan 2027, 23:59 IST"),
    ("2026-12-06T11:51:29.233306+00:00", "6 Dec 2026, 17:21 IST"),
    ("2026-12-31T20:00:00+00:00", "1 Jan 2027, 01:30 IST"),
])
def test_times_are_shown_to_people_in_india_time_to_the_minute(moment: str, shown: str) -> None:
    assert vc.time_text_for_people(moment) == shown
    assert vc.time_for_people(datetime.fromisoformat(moment)) == shown
    assert vc.time_text_for_people("not a time") == "not a time"
