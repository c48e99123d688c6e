"""W3C VCALM (VC-API) issuance: map an unsecured credential to an issuance from the register.

The caller proposes a credential; the council's register is the source of truth. We accept it
only if its issuer is one of our councils, its type is a certificate type we issue, and every
subject claim it makes agrees with the register; then we issue from the register, so a staff
token can never sign claims the register does not hold. The caller's permission to issue for the
council the credential names is checked before the register is read, so a token of another
council (or without the permission) learns nothing of the register from the answer.

What the council sets itself (``id``, the validity period, status, schema, evidence, terms, …) is
refused, naming the field, rather than silently replaced: the accepted subset is in
``docs/credential.md`` ("Proposing a credential").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from issuer.auth.service import Staff
from issuer.credentials.service import IssueRequest
from issuer.registry import service as register
from issuer.registry.models import Registration
from schemas import credential as vc
from schemas.credential_view import CredentialView, SubjectView
from schemas.errors import InvalidData, MalformedCredential
from schemas.registry import Registry

ENVELOPE_CONTEXT = [vc.CONTEXT_V2]
ACCEPTED = ("@context", "type", "issuer", "credentialSubject")
"""The proposed credential's only properties; the council sets every other one itself."""
SUBJECT_CLAIMS = ("type", "name", "nameHi", "fatherName", "profession", "council", "councilHi",
                  "registrationNumber", "registrationDate", "registrationType", "qualifications")
"""Subject claims checked against the register, besides the certificate type's extra fields."""


def envelope(token: str) -> dict[str, Any]:
    """An ``EnvelopedVerifiableCredential`` (VC 2.0 §4.13) carrying the vc+jwt as a data: URL."""
    return {"@context": ENVELOPE_CONTEXT, "type": "EnvelopedVerifiableCredential",
            "id": f"data:application/vc+jwt,{token}"}


def issue_request_from_credential(session: Session, credential: Mapping[str, Any], *,
                                  staff: Staff, registry: Registry, public_base: str,
                                  idempotency_key: str | None) -> IssueRequest:
    staff.require("issue")
    _check_shape(credential, public_base)
    view = _read(credential)
    council_id = _council_of(view, registry, public_base)
    staff.require("issue", council_id)
    cert_type = registry.certificate_type_by_vc_type(view.types)
    if cert_type is None:
        raise InvalidData("type names no certificate type this issuer issues", field="type",
                          hint="use RegistrationCertificate, GoodStandingCertificate or "
                               "NoObjectionCertificate")
    _check_subject_claims(credential["credentialSubject"], cert_type.extra_fields)
    subject = view.subject
    number = subject.registration_number
    if number is None:
        raise InvalidData("credentialSubject.registrationNumber is required",
                          field="credentialSubject.registrationNumber")
    registration = register.get_by_number(session, council_id, number)
    _check_agrees_with_register(subject, registration, registry)
    extra = {name: subject.extra(name) for name in cert_type.extra_fields}
    missing = [name for name, value in extra.items() if value is None]
    if missing:
        raise InvalidData(f"credentialSubject needs {', '.join(missing)} for a {cert_type.title}",
                          field=f"credentialSubject.{missing[0]}")
    return IssueRequest(registration_id=registration.id, certificate_type=cert_type.id,
                        extra={k: v for k, v in extra.items() if v is not None},
                        idempotency_key=idempotency_key)


def _read(credential: Mapping[str, Any]) -> CredentialView:
    """The proposed credential's claims; a wrong-typed one is the caller's error here."""
    try:
        return CredentialView.from_payload(credential)
    except MalformedCredential as err:
        raise InvalidData(err.detail, field=err.facts.get("field")) from err


def _check_shape(credential: Mapping[str, Any], public_base: str) -> None:
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != vc.CONTEXT_V2:
        raise InvalidData(f"@context must be a list whose first item is {vc.CONTEXT_V2}",
                          field="@context")
    ours = [vc.CONTEXT_V2, f"{public_base.rstrip('/')}/contexts/v1"]
    if context != ours[:len(context)]:
        raise InvalidData(f"@context may hold only {' and '.join(ours)}; the council's "
                          "certificates use no other vocabulary", field="@context")
    for name in credential:
        if name not in ACCEPTED:
            raise _not_honoured(name)
    if not isinstance(credential.get("type"), list) or \
            "VerifiableCredential" not in credential["type"]:
        raise InvalidData("type must be a list including VerifiableCredential", field="type")
    if not isinstance(credential.get("credentialSubject"), dict) or \
            not credential["credentialSubject"]:
        raise InvalidData("credentialSubject must be a non-empty object",
                          field="credentialSubject")


def _check_subject_claims(subject: Mapping[str, Any], extra_fields: Sequence[str]) -> None:
    for name in subject:
        if name not in SUBJECT_CLAIMS and name not in extra_fields:
            raise _not_honoured(f"credentialSubject.{name}")
    if subject.get("type", vc.SUBJECT_TYPE) != vc.SUBJECT_TYPE:
        raise InvalidData(f"credentialSubject.type must be {vc.SUBJECT_TYPE}",
                          field="credentialSubject.type")


def _not_honoured(field: str) -> InvalidData:
    return InvalidData(f"{field} is not accepted: the council sets it itself, and would not "
                       "honour it as proposed", field=field,
                       hint="leave it out (docs/credential.md lists what a proposed credential "
                            "may carry)")


def _council_of(credential: CredentialView, registry: Registry, public_base: str) -> str:
    issuer = credential.issuer
    for council_id in registry.councils:
        if issuer == vc.issuer_url(public_base, council_id):
            return council_id
    raise InvalidData(f"issuer {issuer!r} is not one of this service's councils", field="issuer",
                      hint=f"use {vc.issuer_url(public_base, '<council-id>')}")


def _check_agrees_with_register(subject: SubjectView, registration: Registration,
                                registry: Registry) -> None:
    """Every claim the register also holds must match it; the others are not checked (the
    certificate is issued from the register whatever they say)."""
    record = register.practitioner_record(registration)
    council = registry.council(registration.council_id)
    claims: tuple[tuple[str, object, object], ...] = (
        ("name", subject.name, record.name), ("nameHi", subject.name_hi, record.name_hi),
        ("fatherName", subject.father_name, record.father_name),
        ("profession", subject.profession, council.profession),
        ("council", subject.council, council.name),
        ("councilHi", subject.council_hi, council.name_hi),
        ("registrationDate", subject.registration_date, record.registration_date),
        ("registrationType", subject.registration_type, record.registration_type))
    if subject.qualifications:
        claims += (("qualifications",
                    [(q.degree, q.university, q.year) for q in subject.qualifications],
                    [(q.degree, q.university, q.year) for q in record.qualifications]),)
    for name, claimed, registered in claims:
        if claimed is not None and registered is not None and claimed != registered:
            raise InvalidData(f"credentialSubject.{name} does not match the council's register",
                              field=f"credentialSubject.{name}",
                              hint="correct the register first, then issue")
