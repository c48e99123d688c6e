"""The typed view of a credential (``CredentialView``): what the builder writes reads back, absent
fields are ``None``, a wrong-typed field is a ``MalformedCredential`` naming it, and a tolerant
view (``strict=False``) reads whatever it can without raising."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

import pytest

from schemas import credential as vc
from schemas.credential_view import CredentialView, QualificationView, SubjectView
from schemas.errors import MalformedCredential
from schemas.registry import default_registry
from schemas.status_list import status_entries

RECORD = vc.PractitionerRecord(
    name="Dr. Anjali Sharma", name_hi="डॉ. अंजलि शर्मा", father_name="Rajesh Sharma",
    registration_number="HDC/2018/00731", registration_date=date(2018, 3, 2),
    registration_type="permanent",
    qualifications=(vc.Qualification("BDS", "Pt. B.D. Sharma University", 2017),
                    vc.Qualification("MDS", "Maulana Azad Institute", 2021)))
ISSUED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def build(cert_type: str = "registration", **extra: str) -> dict[str, Any]:
    registry = default_registry()
    draft = vc.CredentialDraft(
        certificate_type=registry.certificate_type(cert_type), council=registry.council("hdc"),
        record=RECORD, certificate_number="HDC-GS-AAAA-BBBB",
        valid_from=vc.start_of_day(date(2023, 3, 2)), valid_until=vc.end_of_day(date(2028, 3, 1)),
        extra=extra)
    return vc.build_credential(draft, public_base="https://pramaan.example/", issued_at=ISSUED_AT,
                               status=status_entries("https://pramaan.example", 3, 1207))


def test_a_built_credential_reads_back_whole() -> None:
    payload = build("good-standing", addressee="General Dental Council", purpose="Work abroad")
    view = CredentialView.from_payload(payload)
    assert view.types == ("VerifiableCredential", "GoodStandingCertificate")
    assert view.id == "https://pramaan.example/c/HDC-GS-AAAA-BBBB"
    assert view.issuer == "https://pramaan.example/councils/hdc"
    assert view.issued_at == ISSUED_AT
    assert view.valid_from == vc.start_of_day(date(2023, 3, 2))
    assert view.valid_until == vc.end_of_day(date(2028, 3, 1))
    assert view.valid_until is not None and view.valid_until.tzinfo is not None
    assert view.valid_from_text == payload["validFrom"] == "2023-03-02T00:00:00+05:30"
    council = default_registry().council("hdc")
    assert view.subject == SubjectView(
        name=RECORD.name, name_hi=RECORD.name_hi, father_name=RECORD.father_name,
        profession=council.profession, council=council.name, council_hi=council.name_hi,
        registration_number=RECORD.registration_number,
        registration_date=RECORD.registration_date,
        registration_type=RECORD.registration_type,
        qualifications=tuple(QualificationView(q.degree, q.university, q.year)
                             for q in RECORD.qualifications),
        addressee="General Dental Council", purpose="Work abroad", destination=None)
    assert view.subject.extra("addressee") == "General Dental Council"
    assert view.subject.extra("destination") is None


def _read_only(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _read_only(v) for k, v in value.items()})
    return [_read_only(v) for v in value] if isinstance(value, list) else value


def test_any_mapping_reads_like_a_dict() -> None:
    """Objects that are not plain dicts take the field-by-field reading, not the fast path for
    parsed JSON; both must see the same credential."""
    payload = build("noc", purpose="Transfer", destination="Delhi Dental Council")
    assert CredentialView.from_payload(_read_only(payload)) == \
        CredentialView.from_payload(payload)


def test_the_view_is_read_only_and_leaves_the_payload_alone() -> None:
    payload = build()
    before = copy.deepcopy(payload)
    view = CredentialView.from_payload(payload)
    assert payload == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.id = "https://elsewhere.example/c/1"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.subject.name = "Somebody Else"  # type: ignore[misc]
    assert not hasattr(view, "__dict__")  # slotted


def test_absent_optional_fields_are_none() -> None:
    payload = build()
    del payload["iat"], payload["validUntil"]
    for name in ("nameHi", "councilHi", "qualifications"):
        del payload["credentialSubject"][name]
    view = CredentialView.from_payload(payload)
    assert view.issued_at is None
    assert view.valid_until is None and view.valid_until_text is None
    assert view.subject.name_hi is None and view.subject.council_hi is None
    assert view.subject.qualifications == ()
    assert view.subject.addressee is None and view.subject.extra("purpose") is None


def test_an_empty_payload_is_an_empty_view() -> None:
    assert CredentialView.from_payload({}) == CredentialView()
    assert CredentialView.from_payload({"credentialSubject": None}).subject == SubjectView()


def test_an_issuer_object_reads_as_its_id() -> None:
    view = CredentialView.from_payload({"issuer": {"id": "https://council.example",
                                                   "name": "A council"}})
    assert view.issuer == "https://council.example"


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda c: c.update({"type": "VerifiableCredential"}), "type"),
    (lambda c: c.update({"type": ["VerifiableCredential", 7]}), "type"),
    (lambda c: c.update({"id": 42}), "id"),
    (lambda c: c.update({"issuer": {"id": ["https://x"]}}), "issuer.id"),
    (lambda c: c.update({"iat": "1732600000"}), "iat"),
    (lambda c: c.update({"iat": True}), "iat"),
    (lambda c: c.update({"iat": 1e300}), "iat"),
    (lambda c: c.update({"validFrom": 1732600000}), "validFrom"),
    (lambda c: c.update({"validUntil": "2028-03-01T23:59:59"}), "validUntil"),
    (lambda c: c.update({"credentialSubject": ["Dr. Anjali Sharma"]}), "credentialSubject"),
    (lambda c: c["credentialSubject"].update({"name": ["Anjali", "Sharma"]}),
     "credentialSubject.name"),
    (lambda c: c["credentialSubject"].update({"registrationDate": "2 March 2018"}),
     "credentialSubject.registrationDate"),
    (lambda c: c["credentialSubject"].update({"qualifications": {"degree": "BDS"}}),
     "credentialSubject.qualifications"),
    (lambda c: c["credentialSubject"]["qualifications"].append("MDS"),
     "credentialSubject.qualifications[2]"),
    (lambda c: c["credentialSubject"]["qualifications"][1].update({"year": "2021"}),
     "credentialSubject.qualifications[1].year"),
])
def test_a_wrong_typed_field_is_malformed_and_named(mutate: Any, field: str) -> None:
    payload = build()
    mutate(payload)
    with pytest.raises(MalformedCredential) as caught:
        CredentialView.from_payload(payload)
    assert caught.value.code == "credential.malformed" and caught.value.facts["field"] == field
    assert field in caught.value.detail


def test_a_tolerant_view_reads_what_it_can_of_an_odd_payload() -> None:
    payload = build()
    payload |= {"type": ["VerifiableCredential", 7, "RegistrationCertificate"], "iat": True,
                "validFrom": "yesterday", "issuer": {"id": 3}}
    payload["credentialSubject"] = {
        "name": 5, "council": "Haryana Dental Council", "registrationDate": "2018",
        "qualifications": [{"degree": "BDS", "year": "2017"}, "MDS"]}
    view = CredentialView.from_payload(payload, strict=False)
    assert view.types == ("VerifiableCredential", "RegistrationCertificate")
    assert view.issued_at is None and view.issuer is None
    assert view.valid_from is None and view.valid_from_text == "yesterday"
    assert view.valid_until == vc.end_of_day(date(2028, 3, 1))
    assert view.subject.name is None and view.subject.council == "Haryana Dental Council"
    assert view.subject.registration_date is None
    assert view.subject.qualifications == (QualificationView("BDS", None, None),)


@pytest.mark.parametrize("payload", [
    {"credentialSubject": "x", "type": "VerifiableCredential", "iat": 1e300},
    {"credentialSubject": {"qualifications": "MBBS"}, "credentialStatus": 3, "issuer": []},
    {"credentialSubject": {"qualifications": [None]}, "credentialStatus": [{"id": 1}]},
])
def test_a_tolerant_view_never_raises(payload: dict[str, Any]) -> None:
    view = CredentialView.from_payload(payload, strict=False)
    assert view.subject.qualifications == () and view.issued_at is None
