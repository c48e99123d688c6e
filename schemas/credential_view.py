"""A typed, read-only view of a credential payload (``CredentialView.from_payload``), for the code
that reads what a credential says: the PDF layout, DigiLocker's XML, VCALM's comparison with the
register, the verifier's verdict and CLI. The shapes are those ``schemas.credential`` builds
(``docs/credential.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from schemas.credential import parse_time
from schemas.errors import MalformedCredential


@dataclass(frozen=True, slots=True)
class QualificationView:
    degree: str | None
    university: str | None
    year: int | None


@dataclass(frozen=True, slots=True)
class SubjectView:
    """``credentialSubject``: a RegisteredPractitioner (docs/credential.md). A field the payload
    does not carry is ``None``."""

    name: str | None = None
    name_hi: str | None = None
    father_name: str | None = None
    profession: str | None = None
    council: str | None = None
    council_hi: str | None = None
    registration_number: str | None = None
    registration_date: date | None = None
    registration_type: str | None = None
    qualifications: tuple[QualificationView, ...] = ()
    addressee: str | None = None
    purpose: str | None = None
    destination: str | None = None

    def extra(self, name: str) -> str | None:
        """A certificate type's extra field (``CertificateType.extra_fields``) by JSON name."""
        return {"addressee": self.addressee, "purpose": self.purpose,
                "destination": self.destination}.get(name)


@dataclass(frozen=True, slots=True)
class CredentialView:
    """A typed, read-only view of a credential payload, for code that reads what it says.

    It is built once from the already-parsed payload and does not validate it: the data model
    (``check_data_model``) and the certificate type's schema (``validate_against_schema``) do
    that. A field the payload lacks is ``None`` (or empty). A field of the wrong JSON type is a
    ``MalformedCredential`` naming it, unless the view is built with ``strict=False``, for a
    verifier that must still report what it can of an odd payload; then it is read as absent.
    ``valid_from_text`` and ``valid_until_text`` are the dateTimeStamps as signed (VC 2.0 §4.9),
    for display that must repeat the credential's own words.
    """

    types: tuple[str, ...] = ()
    id: str | None = None
    issuer: str | None = None
    issued_at: datetime | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_from_text: str | None = None
    valid_until_text: str | None = None
    subject: SubjectView = SubjectView()

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], *, strict: bool = True) -> CredentialView:
        read = _Reader(strict)
        id_, valid_from, valid_until = read.texts(payload, ("id", "validFrom", "validUntil"))
        return cls(
            types=read.text_list(payload, "type"), id=id_, issuer=read.issuer(payload),
            issued_at=read.numeric_date(payload, "iat"),
            valid_from=read.time(valid_from, "validFrom"),
            valid_until=read.time(valid_until, "validUntil"),
            valid_from_text=valid_from, valid_until_text=valid_until,
            subject=read.subject(payload))


_OBJECT = (dict, Mapping)  # dict first: an ABC isinstance check costs ~4x a plain one
_SUBJECT_TEXTS = ("name", "nameHi", "fatherName", "profession", "council", "councilHi",
                  "registrationNumber", "registrationType", "addressee", "purpose", "destination")
_TEXT, _INT = (str, type(None)), (int, type(None))  # exact classes, for the fast paths


class _Reader:
    """Reads JSON values as typed ones: a wrong type raises when strict, else reads as absent.

    The view is built on every issuance and verification, so the common case (every field
    absent or a string) is read in bulk; only a payload with a wrong-typed field is read again
    field by field, to name it."""

    __slots__ = ("strict",)

    def __init__(self, strict: bool) -> None:
        self.strict = strict

    def wrong(self, where: str, expected: str) -> None:
        if self.strict:
            raise MalformedCredential(f"{where} must be {expected}", field=where)

    def texts(self, data: Mapping[str, Any], keys: tuple[str, ...], at: str = ""
              ) -> list[str | None]:
        values = [data.get(key) for key in keys]
        for value in values:
            if value is not None and value.__class__ is not str:
                return [self.text(data, key, at) for key in keys]
        return values

    def text(self, data: Mapping[str, Any], key: str, at: str = "") -> str | None:
        value = data.get(key)
        if value is None or isinstance(value, str):
            return value
        self.wrong(at + key, "a string")
        return None

    def integer(self, data: Mapping[str, Any], key: str, at: str) -> int | None:
        value = data.get(key)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        self.wrong(at + key, "an integer")
        return None

    def text_list(self, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(value)
        self.wrong(key, "a list of strings")
        return tuple(i for i in value if isinstance(i, str)) if isinstance(value, list) else ()

    def objects(self, data: Mapping[str, Any], key: str, at: str = ""
                ) -> list[tuple[int, Mapping[str, Any]]]:
        """The objects listed under ``key``, with their positions."""
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.wrong(at + key, "a list of objects")
            return []
        items = []
        for i, item in enumerate(value):
            if isinstance(item, _OBJECT):
                items.append((i, item))
            else:
                self.wrong(f"{at}{key}[{i}]", "an object")
        return items

    def time(self, value: str | None, key: str) -> datetime | None:
        if value is None:
            return None
        try:
            return parse_time(value, key)
        except MalformedCredential:
            if self.strict:
                raise
            return None

    def numeric_date(self, data: Mapping[str, Any], key: str) -> datetime | None:
        """A JWT NumericDate (RFC 7519 §2): seconds since the epoch, as an aware UTC datetime."""
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            self.wrong(key, "a number of seconds (NumericDate)")
            return None
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError) as err:
            if self.strict:
                raise MalformedCredential(f"{key} {value!r} is out of range", field=key) from err
            return None

    def date(self, value: str | None, where: str) -> date | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as err:
            if self.strict:
                raise MalformedCredential(f"{where} {value!r} is not a date (YYYY-MM-DD)",
                                          field=where) from err
            return None

    def issuer(self, payload: Mapping[str, Any]) -> str | None:
        value = payload.get("issuer")
        if isinstance(value, _OBJECT):
            return self.text(value, "id", "issuer.")
        return self.text(payload, "issuer")

    def subject(self, payload: Mapping[str, Any]) -> SubjectView:
        data = payload.get("credentialSubject")
        if data is None:
            return SubjectView()
        if not isinstance(data, _OBJECT):
            self.wrong("credentialSubject", "an object")
            return SubjectView()
        at = "credentialSubject."
        (name, name_hi, father_name, profession, council, council_hi, registration_number,
         registration_type, addressee, purpose, destination) = self.texts(data, _SUBJECT_TEXTS, at)
        return SubjectView(
            name=name, name_hi=name_hi, father_name=father_name, profession=profession,
            council=council, council_hi=council_hi, registration_number=registration_number,
            registration_date=self.date(self.text(data, "registrationDate", at),
                                        at + "registrationDate"),
            registration_type=registration_type,
            qualifications=self.qualifications(data, at),
            addressee=addressee, purpose=purpose, destination=destination)

    def qualifications(self, subject: Mapping[str, Any], at: str
                       ) -> tuple[QualificationView, ...]:
        value = subject.get("qualifications")
        if value.__class__ is list:  # fast path: objects whose fields have the right types
            views = [QualificationView(q.get("degree"), q.get("university"), q.get("year"))
                     for q in value if q.__class__ is dict]
            if len(views) == len(value) and all(
                    v.degree.__class__ in _TEXT and v.university.__class__ in _TEXT
                    and v.year.__class__ in _INT for v in views):
                return tuple(views)
        return tuple(self.qualification(q, f"{at}qualifications[{i}].")
                     for i, q in self.objects(subject, "qualifications", at))

    def qualification(self, data: Mapping[str, Any], at: str) -> QualificationView:
        degree, university = self.texts(data, ("degree", "university"), at)
        return QualificationView(degree, university, self.integer(data, "year", at))

