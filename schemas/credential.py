"""The certificate credential: W3C VC Data Model 2.0, as secured in a vc+jwt (VC-JOSE-COSE).

The payload of the JWS *is* the credential (VC-JOSE-COSE §3.1.1: no ``vc`` claim). ``iss`` repeats
``issuer`` and ``iat`` is the signing time, so that generic JWT tooling and key-window checks work.
Shapes are documented in ``docs/credential.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema

from schemas.errors import Expired, MalformedCredential, NotYetValid, SchemaViolation
from schemas.registry import CertificateType, Council, Registry

CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
SUBJECT_TYPE = "RegisteredPractitioner"
INDIA = timezone(timedelta(hours=5, minutes=30), "IST")
DOCUMENTS_DIR = Path(__file__).parent / "documents"


@dataclass(frozen=True)
class Qualification:
    degree: str
    university: str
    year: int


@dataclass(frozen=True)
class PractitionerRecord:
    """What the council's register says about one registration; the subject of every certificate."""

    name: str
    father_name: str
    registration_number: str
    registration_date: date
    registration_type: str
    qualifications: tuple[Qualification, ...]
    name_hi: str | None = None


@dataclass(frozen=True)
class CredentialDraft:
    certificate_type: CertificateType
    council: Council
    record: PractitionerRecord
    certificate_number: str
    valid_from: datetime
    valid_until: datetime
    extra: Mapping[str, str] = field(default_factory=dict)


def issuer_url(public_base: str, council_id: str) -> str:
    return f"{public_base.rstrip('/')}/councils/{council_id}"


def credential_url(public_base: str, certificate_number: str) -> str:
    """The credential's ``id``: also the short, human-typable verification URL printed on paper."""
    return f"{public_base.rstrip('/')}/c/{certificate_number}"


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0, 0), INDIA)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), INDIA)


def format_time(moment: datetime) -> str:
    """XSD dateTimeStamp with the India offset, seconds precision (VC 2.0 §4.9)."""
    return moment.astimezone(INDIA).replace(microsecond=0).isoformat()


def parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise MalformedCredential(f"{name} must be a dateTimeStamp string", field=name)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise MalformedCredential(f"{name} {value!r} is not a dateTimeStamp", field=name) from err
    if moment.tzinfo is None:
        raise MalformedCredential(f"{name} {value!r} has no time zone (VC 2.0 requires one)",
                                  field=name)
    return moment


def build_credential(draft: CredentialDraft, *, public_base: str, issued_at: datetime,
                     status: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """Build the unsecured credential. Key order is fixed: it keeps the QR dictionary effective.
    ``status`` is its ``credentialStatus`` (``schemas.status_list.status_entries``)."""
    base = public_base.rstrip("/")
    issuer = issuer_url(base, draft.council.id)
    record = draft.record
    subject: dict[str, Any] = {"type": SUBJECT_TYPE, "name": record.name}
    if record.name_hi:
        subject["nameHi"] = record.name_hi
    subject |= {
        "fatherName": record.father_name,
        "profession": draft.council.profession,
        "council": draft.council.name,
        "councilHi": draft.council.name_hi,
        "registrationNumber": record.registration_number,
        "registrationDate": record.registration_date.isoformat(),
        "registrationType": record.registration_type,
        "qualifications": [
            {"degree": q.degree, "university": q.university, "year": q.year}
            for q in record.qualifications
        ],
    }
    for name in draft.certificate_type.extra_fields:
        subject[name] = draft.extra[name]
    credential = {
        "@context": [CONTEXT_V2, f"{base}/contexts/v1"],
        "id": credential_url(base, draft.certificate_number),
        "type": ["VerifiableCredential", draft.certificate_type.vc_type],
        "issuer": issuer,
        "iss": issuer,
        "iat": int(issued_at.timestamp()),
        "validFrom": format_time(draft.valid_from),
        "validUntil": format_time(draft.valid_until),
        "credentialSchema": {"id": f"{base}/schemas/{draft.certificate_type.schema}",
                             "type": "JsonSchema"},
    }
    if status:
        credential["credentialStatus"] = status
    credential["credentialSubject"] = subject
    return credential


def encode_payload(credential: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, non-ASCII kept as is (escaping would lengthen Devanagari 2x)."""
    return json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def check_data_model(credential: Mapping[str, Any]) -> None:
    """The VC 2.0 conformance rules a verifier must apply (§4) plus VC-JOSE-COSE's claim rules."""
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != CONTEXT_V2:
        raise MalformedCredential(f"@context must be a list starting with {CONTEXT_V2}",
                                  field="@context")
    types = credential.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise MalformedCredential("type must be a list including VerifiableCredential",
                                  field="type")
    for claim in ("vc", "vp"):
        if claim in credential:
            raise MalformedCredential(f"the {claim!r} claim is forbidden in a VC 2.0 vc+jwt",
                                      field=claim)
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or ":" not in issuer_id:
        raise MalformedCredential("issuer must be a URL (or an object whose id is one)",
                                  field="issuer")
    if "iss" in credential and credential["iss"] != issuer_id:
        raise MalformedCredential("iss does not match issuer", field="iss")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or not subject:
        raise MalformedCredential("credentialSubject must be a non-empty object",
                                  field="credentialSubject")
    start, end = validity_window(credential)
    if start and end and start > end:
        raise MalformedCredential("validFrom is after validUntil", field="validFrom")


def issuer_of(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    return str(issuer.get("id") if isinstance(issuer, dict) else issuer)


def validity_window(credential: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    start = credential.get("validFrom")
    end = credential.get("validUntil")
    return (parse_time(start, "validFrom") if start is not None else None,
            parse_time(end, "validUntil") if end is not None else None)


def check_validity_period(credential: Mapping[str, Any], *, now: datetime) -> None:
    start, end = validity_window(credential)
    if start is not None and now < start:
        raise NotYetValid(f"the credential is valid only from {start.isoformat()}",
                          valid_from=start)
    if end is not None and now > end:
        raise Expired(f"the credential expired at {end.isoformat()}", valid_until=end)


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text("utf-8")) for p in DOCUMENTS_DIR.glob("*.json")}


@cache
def _validators() -> dict[str, Callable[[Any], Any]]:
    """Each schema compiled once to Python code (fastjsonschema): ~30x faster than interpreting
    it, which matters because every issuance and every verification runs it."""
    return {name: fastjsonschema.compile(_self_contained(schema), use_formats=False)
            for name, schema in _schemas().items()}


def _self_contained(schema: dict[str, Any]) -> dict[str, Any]:
    """Inline the base schema a type schema refers to, so that ``#/definitions`` resolve."""
    by_id = {s["$id"]: s for s in _schemas().values()}
    parts, definitions = [], dict(schema.get("definitions", {}))
    for part in schema.get("allOf", []):
        base = by_id.get(part.get("$ref", ""))
        if base is None:
            parts.append(part)
            continue
        definitions |= base.get("definitions", {})
        parts.append({k: v for k, v in base.items() if k not in ("$id", "$schema", "definitions")})
    inlined = {k: v for k, v in schema.items() if k not in ("$id", "allOf")}
    return inlined | {"allOf": parts, "definitions": definitions}


def document_schema(file_name: str) -> dict[str, Any]:
    return dict(_schemas()[file_name])


def validate_against_schema(credential: Mapping[str, Any], registry: Registry) -> CertificateType:
    """Check the credential against its certificate type's JSON Schema (VC-JSON-SCHEMA).

    Returns the certificate type so callers know which document they hold.
    """
    cert_type = registry.certificate_type_by_vc_type(credential.get("type") or [])
    if cert_type is None:
        raise SchemaViolation("the credential's type is not a certificate type this service knows",
                              field="type")
    validator = _validators().get(cert_type.schema)
    if validator is None:
        raise SchemaViolation(f"no schema file {cert_type.schema} for {cert_type.id}")
    try:
        validator(credential)
    except fastjsonschema.JsonSchemaValueException as error:
        where = "/".join(str(p) for p in error.path[1:]) or "(top)"
        raise SchemaViolation(f"{where}: {error.message[:200]}", field=where) from error
    return cert_type


# -- reading a credential -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QualificationView:
    degree: str | None
    university: str | None
    year: int | None


@dataclass(frozen=True, slots=True)
class StatusEntryView:
    """One ``credentialStatus`` entry (Bitstring Status List §2.1, ``BitstringStatusListEntry``)."""

    id: str | None
    type: str | None
    purpose: str | None
    index: int | None
    list_credential: str | None


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
    status: tuple[StatusEntryView, ...] = ()

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
            subject=read.subject(payload), status=read.status(payload))


_OBJECT = (dict, Mapping)  # dict first: an ABC isinstance check costs ~4x a plain one
_SUBJECT_TEXTS = ("name", "nameHi", "fatherName", "profession", "council", "councilHi",
                  "registrationNumber", "registrationType", "addressee", "purpose", "destination")
_STATUS_TEXTS = ("id", "type", "statusPurpose", "statusListIndex", "statusListCredential")
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

    def objects(self, data: Mapping[str, Any], key: str, at: str = "", *, lone: bool
                ) -> list[tuple[int, Mapping[str, Any]]]:
        """The objects listed under ``key`` with their positions (a lone object counts as a
        list of one where ``lone``, as ``credentialStatus`` allows)."""
        value = data.get(key)
        if value is None:
            return []
        if lone and isinstance(value, _OBJECT):
            return [(0, value)]
        if not isinstance(value, list):
            self.wrong(at + key, "an object or a list of objects" if lone else "a list of objects")
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
                     for i, q in self.objects(subject, "qualifications", at, lone=False))

    def qualification(self, data: Mapping[str, Any], at: str) -> QualificationView:
        degree, university = self.texts(data, ("degree", "university"), at)
        return QualificationView(degree, university, self.integer(data, "year", at))

    def status(self, payload: Mapping[str, Any]) -> tuple[StatusEntryView, ...]:
        value = payload.get("credentialStatus")
        if value.__class__ is list:  # fast path: entries written as the status list writes them
            entries = [e for e in value if e.__class__ is dict]
            if len(entries) == len(value) and all(
                    e.get(key).__class__ in _TEXT for e in entries for key in _STATUS_TEXTS):
                return tuple(StatusEntryView(
                    e.get("id"), e.get("type"), e.get("statusPurpose"),
                    self.index(e.get("statusListIndex"), f"credentialStatus[{i}].statusListIndex"),
                    e.get("statusListCredential")) for i, e in enumerate(entries))
        return tuple(self.status_entry(entry, f"credentialStatus[{i}].")
                     for i, entry in self.objects(payload, "credentialStatus", lone=True))

    def status_entry(self, data: Mapping[str, Any], at: str) -> StatusEntryView:
        id_, type_, purpose, index, list_credential = self.texts(data, _STATUS_TEXTS, at)
        return StatusEntryView(id=id_, type=type_, purpose=purpose,
                               index=self.index(index, at + "statusListIndex"),
                               list_credential=list_credential)

    def index(self, value: str | None, where: str) -> int | None:
        """``statusListIndex``: a non-negative integer written in base 10 as a string
        (Bitstring Status List §2.1)."""
        if value is None:
            return None
        if value.isascii() and value.isdigit():
            return int(value)
        self.wrong(where, "a non-negative integer written as a string")
        return None
