"""One verdict a hospital clerk can act on, from the checks of a ``VerificationResult``.

The checks say what was examined; a person at a desk needs one word: Valid, Revoked, Suspended,
Expired, Not yet valid, Not genuine or Cannot check, the reason in plain words and the holder's
details to compare with the person in front of them. The web page, the ``POST /verify`` answer and
the ``verifier check`` report all take their words from ``judge``.

Precedence: a credential whose form, issuer, key, signature or contents fail is **not genuine**,
whatever else holds; of a genuine one, revocation beats suspension, which beats the validity
period. A failure to *reach* the issuer (keys or status lists) is **cannot check**, never valid
and never forged: nothing about the certificate has been established.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from schemas.credential import INDIA, format_time, time_text_for_people
from schemas.credential_view import CredentialView, QualificationView
from schemas.errors import (
    BadSignature,
    IssuerNotListed,
    IssuerRetired,
    IssuerSuspended,
    IssuerTypeNotAllowed,
    KeyCompromised,
    KeyNotValidAtIssuance,
    KeyNotYetKnown,
    NotYetValid,
    Revoked,
    SchemaViolation,
    StatusRetrievalError,
    StatusStale,
    StatusUnknown,
    Suspended,
    TrustListInvalid,
    TrustListStale,
    UnknownKey,
    UntrustedIssuer,
    UpstreamUnavailable,
)
from schemas.registry import Registry
from verifier.status import StatusReport

VALID = "valid"
REVOKED = "revoked"
SUSPENDED = "suspended"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"
NOT_GENUINE = "not_genuine"
CANNOT_CHECK = "cannot_check"
STATES = (VALID, REVOKED, SUSPENDED, EXPIRED, NOT_YET_VALID, NOT_GENUINE, CANNOT_CHECK)
WORDS = {VALID: "Valid", REVOKED: "Revoked", SUSPENDED: "Suspended", EXPIRED: "Expired",
         NOT_YET_VALID: "Not yet valid", NOT_GENUINE: "Not genuine", CANNOT_CHECK: "Cannot check"}
"""Each state in English, as the page shows it (``static/strings.json``, ``state.*``)."""

REASONS: dict[str, str] = {
    "valid": "Issued and signed by the council, within its validity, and neither revoked nor "
             "suspended.",
    "revoked": "The council has revoked this certificate.",
    "suspended": "The council has suspended this certificate.",
    "suspended_until": "The council has suspended this certificate until {date}.",
    "expired": "This certificate's validity ended on {date}.",
    "not_yet_valid": "This certificate is valid only from {date}.",
    "forged": "The signature does not match the contents: the certificate was altered or was "
              "not made by the council.",
    "untrusted_issuer": "It was not issued by a council this verifier knows.",
    "unknown_key": "It was signed with a key the council has never published.",
    "not_listed": "Its issuer is not on the state's signed list of trusted issuers.",
    "type_not_allowed": "Its issuer is not listed as allowed to issue this kind of certificate.",
    "issuer_suspended": "Its issuer is suspended on the state's list of trusted issuers.",
    "issuer_retired": "It was issued after its issuer was retired from the state's list of "
                      "trusted issuers.",
    "key_compromised": "The council's key that signed it was compromised, so it can no longer "
                       "be trusted. Ask the holder for a re-issued certificate.",
    "key_window": "It was signed at a time the council's key was not in use.",
    "malformed": "The code does not hold a complete council certificate.",
    "contents": "Its contents are not those of a council certificate.",
    "keys_unreachable": "The council's service could not be reached, so the certificate could "
                        "not be checked.",
    "trust_list_unreachable": "The state's list of councils could not be loaded, so the "
                              "certificate could not be checked.",
    "status_unreachable": "The council's service could not be reached to tell whether the "
                          "certificate was revoked or suspended.",
    "status_offline": "This verifier is working offline and cannot tell whether the "
                      "certificate was revoked or suspended.",
    "status_stale": "This verifier's offline data is too old to tell whether the "
                    "certificate was revoked or suspended.",
    "unknown": "The certificate could not be fully checked.",
}
"""Plain English for each reason; ``{date}`` is the verdict's date. The page's Hindi table
(``static/strings.json``) has the same keys. Cannot check says what could not be reached in a
clerk's words, never keys or signatures: what to do is the same whichever it was."""

_AUTHENTICITY = ("format", "algorithm", "media_type", "issuer", "key", "signature",
                 "data_model", "schema")
_UNREACHABLE = (UpstreamUnavailable.code, KeyNotYetKnown.code, StatusRetrievalError.code,
                TrustListStale.code, TrustListInvalid.code)
_NOT_GENUINE_REASONS = {
    BadSignature.code: "forged",
    UntrustedIssuer.code: "untrusted_issuer",
    UnknownKey.code: "unknown_key",
    IssuerNotListed.code: "not_listed",
    IssuerTypeNotAllowed.code: "type_not_allowed",
    IssuerSuspended.code: "issuer_suspended",
    IssuerRetired.code: "issuer_retired",
    KeyCompromised.code: "key_compromised",
    KeyNotValidAtIssuance.code: "key_window",
    SchemaViolation.code: "contents",
}
_STATUS_REASONS = {StatusUnknown.code: "status_offline", StatusStale.code: "status_stale"}


class Check(Protocol):
    """What the verdict reads of one check (``verifier.result.Check``)."""

    @property
    def check(self) -> str: ...
    @property
    def ok(self) -> bool | None: ...
    @property
    def code(self) -> str: ...


class VerificationResult(Protocol):
    """What the verdict reads of a result (``verifier.result.VerificationResult``), declared here
    so that ``result``, which judges a result on demand, imports this module and not the reverse."""

    @property
    def verified(self) -> bool: ...
    @property
    def checks(self) -> Sequence[Check]: ...
    @property
    def credential(self) -> dict[str, Any] | None: ...
    @property
    def status(self) -> StatusReport | None: ...


@dataclass(frozen=True)
class Holder:
    """The signed credential's words about its holder, to compare with the person present."""

    name: str | None
    name_hi: str | None
    registration_number: str | None
    council: str | None
    council_hi: str | None
    profession: str | None
    profession_hi: str | None
    qualifications: tuple[str, ...]
    certificate: str | None
    certificate_hi: str | None
    certificate_id: str | None
    valid_from: str | None
    valid_until: str | None
    issued: str | None
    purpose: str | None
    addressee: str | None
    destination: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "nameHi": self.name_hi,
                "registrationNumber": self.registration_number, "council": self.council,
                "councilHi": self.council_hi, "profession": self.profession,
                "professionHi": self.profession_hi, "qualifications": list(self.qualifications),
                "certificate": self.certificate, "certificateHi": self.certificate_hi,
                "certificateId": self.certificate_id, "validFrom": self.valid_from,
                "validUntil": self.valid_until, "issued": self.issued, "purpose": self.purpose,
                "addressee": self.addressee, "destination": self.destination}


@dataclass(frozen=True)
class Verdict:
    state: str
    """One of ``STATES``."""
    reason: str
    """A key of ``REASONS``."""
    text: str
    """The reason in plain English."""
    code: str
    """The code of the check that decided, ``ok`` when valid."""
    date: str | None = None
    """The time the reason names (end of validity, start of validity, end of a suspension), ISO
    8601 with its offset for machines; ``text`` shows it to people (``time_for_people``)."""
    issuer_reason: str | None = None
    """The issuer's own words for a revocation or suspension (unsigned, informative)."""
    holder: Holder | None = None
    issuer_reason_code: str | None = None
    """The issuer's code for that reason (``disciplinary_action``), which the page shows in the
    reader's language; ``issuer_reason`` stays for readers that know no codes."""
    certificate: str | None = None
    """The certificate type's name (``Certificate of Good Standing``), when the signature holds."""
    checked_at: datetime | None = None
    """When the check was made; ``checkedAt`` is ISO 8601 in India time, to the second."""

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "reason": self.reason, "text": self.text,
                "code": self.code, "date": self.date, "issuerReason": self.issuer_reason,
                "issuerReasonCode": self.issuer_reason_code,
                "holder": self.holder.to_dict() if self.holder else None,
                "certificate": self.certificate,
                "checkedAt": format_time(self.checked_at) if self.checked_at else None}


def judge(result: VerificationResult, registry: Registry | None = None, *,
          checked_at: datetime | None = None) -> Verdict:
    """The clerk's verdict on ``result`` checked at ``checked_at``; ``registry`` adds profession
    and certificate titles."""
    verdict = _judge(result, registry)
    return replace(verdict, checked_at=checked_at,
                   certificate=verdict.holder.certificate if verdict.holder else None)


def _judge(result: VerificationResult, registry: Registry | None) -> Verdict:
    credential = result.credential
    holder = holder_of(credential, registry) if credential is not None else None
    if result.verified:
        return _verdict(VALID, "valid", "ok", holder=holder)
    failed = {c.check: c for c in result.checks if c.ok is False}
    for name in _AUTHENTICITY:
        check = failed.get(name)
        if check is not None and check.code not in _UNREACHABLE:
            return _verdict(NOT_GENUINE, _NOT_GENUINE_REASONS.get(check.code, "malformed"),
                            check.code)
    status, validity = failed.get("status"), failed.get("validity")
    if status is not None and status.code in (Revoked.code, Suspended.code):
        return _status_verdict(result, status, holder)
    if validity is not None:
        if validity.code == NotYetValid.code:
            return _verdict(NOT_YET_VALID, "not_yet_valid", validity.code,
                            date=holder.valid_from if holder else None, holder=holder)
        return _verdict(EXPIRED, "expired", validity.code,
                        date=holder.valid_until if holder else None, holder=holder)
    return _cannot_check(failed, holder)


def _status_verdict(result: VerificationResult, status: Check, holder: Holder | None
                    ) -> Verdict:
    report = result.status
    issuer_reason = report.reason_text if report else None
    code = report.reason if report else None
    if status.code == Revoked.code:
        verdict = _verdict(REVOKED, "revoked", status.code, issuer_reason=issuer_reason,
                           holder=holder)
    else:
        until = report.until if report else None
        verdict = _verdict(SUSPENDED, "suspended_until" if until else "suspended", status.code,
                           date=until, issuer_reason=issuer_reason, holder=holder)
    return replace(verdict, issuer_reason_code=code)


def _cannot_check(failed: Mapping[str, Check], holder: Holder | None) -> Verdict:
    key, status = failed.get("key"), failed.get("status")
    if "issuer" in failed:
        return _verdict(CANNOT_CHECK, "trust_list_unreachable", failed["issuer"].code)
    if key is not None:
        return _verdict(CANNOT_CHECK, "keys_unreachable", key.code)
    if status is not None:
        return _verdict(CANNOT_CHECK, _STATUS_REASONS.get(status.code, "status_unreachable"),
                        status.code, holder=holder)
    first = next(iter(failed.values()), None)
    return _verdict(CANNOT_CHECK, "unknown", first.code if first else "unknown", holder=holder)


def _verdict(state: str, reason: str, code: str, *, date: str | None = None,
             issuer_reason: str | None = None, holder: Holder | None = None) -> Verdict:
    text = REASONS[reason].format(date=time_text_for_people(date) or "an unknown date")
    return Verdict(state, reason, text, code, date, issuer_reason, holder)


def holder_of(credential: Mapping[str, Any], registry: Registry | None = None) -> Holder:
    """The holder's details as the council signed them; anything not a string is left out."""
    view = CredentialView.from_payload(credential, strict=False)
    subject = view.subject
    profession = registry.professions.get(subject.profession or "") if registry else None
    cert_type = registry.certificate_type_by_vc_type(view.types) if registry else None
    return Holder(
        name=subject.name or None, name_hi=subject.name_hi or None,
        registration_number=subject.registration_number or None,
        council=subject.council or None, council_hi=subject.council_hi or None,
        profession=profession.name if profession else subject.profession or None,
        profession_hi=profession.name_hi if profession else None,
        qualifications=tuple(_qualification(q) for q in subject.qualifications
                             if q.degree is not None),
        certificate=cert_type.title if cert_type else None,
        certificate_hi=cert_type.title_hi if cert_type else None,
        certificate_id=view.id.rsplit("/", 1)[-1] if view.id else None,
        valid_from=view.valid_from_text or None, valid_until=view.valid_until_text or None,
        issued=view.issued_at.astimezone(INDIA).isoformat() if view.issued_at else None,
        purpose=subject.purpose or None, addressee=subject.addressee or None,
        destination=subject.destination or None)


def _qualification(q: QualificationView) -> str:
    where = ", ".join(str(part) for part in (q.university, q.year) if part is not None)
    return f"{q.degree} ({where})" if where else str(q.degree)
