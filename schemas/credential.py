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


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def time_for_people(moment: datetime) -> str:
    """``31 Jan 2027, 23:59 IST``: India time, to the minute, the one way a time is shown to a
    person (verdict texts and check details). Machine fields stay ISO 8601 (``format_time``).

    The seconds are cut, not rounded, so that a suspension until ``23:59:59+05:30`` still ends on
    the day it names. A naive ``moment`` is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    india = moment.astimezone(INDIA)
    return f"{india.day} {_MONTHS[india.month - 1]} {india.year}, {india:%H:%M} IST"


def time_text_for_people(value: str | None) -> str | None:
    """An ISO 8601 time as ``time_for_people`` shows it; text that is no such time as it is."""
    if not value:
        return None
    try:
        return time_for_people(datetime.fromisoformat(value))
    except ValueError:
        return value


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
        raise NotYetValid(f"the credential is valid only from {time_for_people(start)}",
                          valid_from=start)
    if end is not None and now > end:
        raise Expired(f"the credential expired at {time_for_people(end)}", valid_until=end)


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
