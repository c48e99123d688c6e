"""W3C VCALM (VC-API) issuance: map an unsecured credential to an issuance from the register.

The caller proposes a credential; the council's register is the source of truth. We accept it
only if its issuer is one of our councils, its type is a certificate type we issue, and every
subject claim it makes agrees with the register; then we issue from the register, so a staff
token can never sign claims the register does not hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from issuer.credentials.service import IssueRequest
from issuer.registry import service as register
from schemas import credential as vc
from schemas.errors import InvalidData
from schemas.registry import Registry

ENVELOPE_CONTEXT = [vc.CONTEXT_V2]


def envelope(token: str) -> dict[str, Any]:
    """An ``EnvelopedVerifiableCredential`` (VC 2.0 §4.13) carrying the vc+jwt as a data: URL."""
    return {"@context": ENVELOPE_CONTEXT, "type": "EnvelopedVerifiableCredential",
            "id": f"data:application/vc+jwt,{token}"}


def issue_request_from_credential(session: Session, credential: Mapping[str, Any], *,
                                  registry: Registry, public_base: str,
                                  idempotency_key: str | None) -> IssueRequest:
    _check_shape(credential)
    council_id = _council_of(credential, registry, public_base)
    cert_type = registry.certificate_type_by_vc_type(credential["type"])
    if cert_type is None:
        raise InvalidData("type names no certificate type this issuer issues", field="type",
                          hint="use RegistrationCertificate, GoodStandingCertificate or "
                               "NoObjectionCertificate")
    subject = credential["credentialSubject"]
    number = subject.get("registrationNumber")
    if not isinstance(number, str):
        raise InvalidData("credentialSubject.registrationNumber is required",
                          field="credentialSubject.registrationNumber")
    registration = register.get_by_number(session, council_id, number)
    _check_agrees_with_register(subject, registration_claims(registration, registry))
    extra = {name: subject.get(name) for name in cert_type.extra_fields}
    missing = [name for name, value in extra.items() if not isinstance(value, str)]
    if missing:
        raise InvalidData(f"credentialSubject needs {', '.join(missing)} for a {cert_type.title}",
                          field=f"credentialSubject.{missing[0]}")
    return IssueRequest(registration_id=registration.id, certificate_type=cert_type.id,
                        extra={k: str(v) for k, v in extra.items()},
                        idempotency_key=idempotency_key)


def registration_claims(registration: Any, registry: Registry) -> dict[str, Any]:
    record = register.practitioner_record(registration)
    council = registry.council(registration.council_id)
    claims = {"name": record.name, "nameHi": record.name_hi, "fatherName": record.father_name,
              "profession": council.profession, "council": council.name,
              "registrationDate": record.registration_date.isoformat(),
              "registrationType": record.registration_type}
    return {k: v for k, v in claims.items() if v is not None}


def _check_shape(credential: Mapping[str, Any]) -> None:
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != vc.CONTEXT_V2:
        raise InvalidData(f"@context must be a list whose first item is {vc.CONTEXT_V2}",
                          field="@context")
    if not isinstance(credential.get("type"), list) or \
            "VerifiableCredential" not in credential["type"]:
        raise InvalidData("type must be a list including VerifiableCredential", field="type")
    if not isinstance(credential.get("credentialSubject"), dict) or \
            not credential["credentialSubject"]:
        raise InvalidData("credentialSubject must be a non-empty object",
                          field="credentialSubject")


def _council_of(credential: Mapping[str, Any], registry: Registry, public_base: str) -> str:
    issuer = vc.issuer_of(credential)
    for council_id in registry.councils:
        if issuer == vc.issuer_url(public_base, council_id):
            return council_id
    raise InvalidData(f"issuer {issuer!r} is not one of this service's councils", field="issuer",
                      hint=f"use {vc.issuer_url(public_base, '<council-id>')}")


def _check_agrees_with_register(subject: Mapping[str, Any], claims: Mapping[str, Any]) -> None:
    for name, value in subject.items():
        if name in claims and value != claims[name]:
            raise InvalidData(f"credentialSubject.{name} does not match the council's register",
                              field=f"credentialSubject.{name}",
                              hint="correct the register first, then issue")
