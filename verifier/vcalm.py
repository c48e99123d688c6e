"""The W3C VCALM (VC-API) verify exchange: an EnvelopedVerifiableCredential in, a
VerificationResult with ProblemDetails out (w3c/vcalm ``oas.yaml``, ``POST /credentials/verify``).

Input rules follow reference/credentials.md §7 ("Verify-side input rules"): anything but an
envelope carrying a ``data:application/vc+jwt,`` URL is a 400. Answers follow VCALM's
interoperability convention: 200 only when verified; a credential that fails is 422 with the same
body, and a credential that could not be judged because an issuer's keys were unreachable is 503.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schemas.credential import CONTEXT_V2
from schemas.errors import (
    Expired,
    InvalidRequest,
    KeyNotYetKnown,
    MalformedStatus,
    NotYetValid,
    StatusListLengthError,
    StatusRangeError,
    StatusRetrievalError,
    StatusUnknown,
    StatusVerificationError,
    UpstreamUnavailable,
)
from verifier.verify import Check, VerificationResult

ENVELOPE_TYPE = "EnvelopedVerifiableCredential"
DATA_URL_PREFIXES = ("data:application/vc+jwt,", "data:application/jwt,")
PROBLEM_BASE = "https://www.w3.org/TR/vc-data-model#"
STATUS_PROBLEM_BASE = "https://www.w3.org/ns/credentials/status-list#"
STATUS_PROBLEMS = frozenset(error.code for error in (
    StatusRetrievalError, StatusVerificationError, StatusListLengthError, StatusRangeError,
    MalformedStatus))
"""Bitstring Status List §3.2 codes, typed in that spec's own namespace."""
UNJUDGED = frozenset({UpstreamUnavailable.code, KeyNotYetKnown.code, StatusRetrievalError.code,
                      StatusUnknown.code})
"""Codes meaning the credential could not be judged (503), not that it failed (422)."""
# VC 2.0 §7.1 problem types, by the check that failed.
PROBLEM_OF_CHECK = {
    "format": "PARSING_ERROR",
    "algorithm": "CRYPTOGRAPHIC_SECURITY_ERROR",
    "media_type": "CRYPTOGRAPHIC_SECURITY_ERROR",
    "issuer": "CRYPTOGRAPHIC_SECURITY_ERROR",
    "key": "CRYPTOGRAPHIC_SECURITY_ERROR",
    "signature": "CRYPTOGRAPHIC_SECURITY_ERROR",
    "data_model": "MALFORMED_VALUE_ERROR",
    "validity": "RANGE_ERROR",
    "schema": "MALFORMED_VALUE_ERROR",
    "status": "RANGE_ERROR",
}
TITLES = {
    "PARSING_ERROR": "Parsing error",
    "CRYPTOGRAPHIC_SECURITY_ERROR": "Cryptographic security error",
    "MALFORMED_VALUE_ERROR": "Malformed value error",
    "RANGE_ERROR": "Range error",
}


@dataclass(frozen=True)
class VerifyOptions:
    """VCALM ``VerifyCredentialOptions``; unknown keys are ignored (clients send extras)."""

    return_credential: bool = True
    return_results: bool = True
    return_problem_details: bool = True


def parse_request(body: object) -> tuple[str, VerifyOptions]:
    """The compact JWS in ``verifiableCredential`` and the options, or ``InvalidRequest``."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("the request body must be a JSON object", field="body")
    envelope = body.get("verifiableCredential")
    if not isinstance(envelope, Mapping):
        raise InvalidRequest("verifiableCredential must be an EnvelopedVerifiableCredential "
                             "object", field="verifiableCredential")
    _check_envelope(envelope)
    token = str(envelope["id"]).split(",", 1)[1]
    return token, _options(body.get("options"))


def _check_envelope(envelope: Mapping[str, Any]) -> None:
    context = envelope.get("@context")
    if isinstance(context, str):
        context = [context]
    if not isinstance(context, list) or not context or context[0] != CONTEXT_V2:
        raise InvalidRequest(f"@context must be a list whose first item is {CONTEXT_V2}",
                             field="verifiableCredential.@context")
    kind = envelope.get("type")
    if kind != ENVELOPE_TYPE and kind != [ENVELOPE_TYPE]:
        raise InvalidRequest(f"type must be {ENVELOPE_TYPE}; this verifier checks credentials "
                             "secured as vc+jwt", field="verifiableCredential.type",
                             hint='send {"type": "EnvelopedVerifiableCredential", '
                                  '"id": "data:application/vc+jwt,<token>"}')
    data_url = envelope.get("id")
    if not isinstance(data_url, str) or not data_url.startswith(DATA_URL_PREFIXES):
        raise InvalidRequest("id must be a data: URL, data:application/vc+jwt,<token>",
                             field="verifiableCredential.id")


def _options(options: object) -> VerifyOptions:
    if options is None:
        return VerifyOptions()
    if not isinstance(options, Mapping):
        raise InvalidRequest("options must be an object", field="options")
    flags = {name: options.get(key, True) for name, key in (
        ("return_credential", "returnCredential"), ("return_results", "returnResults"),
        ("return_problem_details", "returnProblemDetails"))}
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise InvalidRequest(f"options.{name} must be true or false", field="options")
    return VerifyOptions(**flags)


def response(result: VerificationResult, options: VerifyOptions) -> tuple[dict[str, Any], int]:
    """The VCALM VerificationResult body and its HTTP status."""
    body: dict[str, Any] = {"verified": result.verified}
    if options.return_credential and result.credential is not None:
        body["credential"] = result.credential
    body["problemDetails"] = ([problem(c) for c in result.failures]
                              if options.return_problem_details else [])
    if options.return_results:
        body["results"] = results(result)
    return body, status_code(result)


def status_code(result: VerificationResult) -> int:
    if result.verified:
        return 200
    if any(c.code in UNJUDGED for c in result.failures):
        return UpstreamUnavailable.http_status
    return 422


def problem(check: Check) -> dict[str, Any]:
    """An RFC 9457 ProblemDetails; ``check`` and ``error`` are extension members."""
    if check.code in (UpstreamUnavailable.code, KeyNotYetKnown.code):
        return {"type": "about:blank", "title": "Issuer keys unavailable",
                "detail": check.detail, "check": check.check, "error": check.code}
    if check.check == "status" and check.code in STATUS_PROBLEMS:
        return {"type": STATUS_PROBLEM_BASE + check.code, "title": check.code.replace(
            "_", " ").capitalize(), "detail": check.detail, "check": check.check,
            "error": check.code}
    kind = PROBLEM_OF_CHECK.get(check.check, "MALFORMED_VALUE_ERROR")
    return {"type": PROBLEM_BASE + kind, "title": TITLES[kind], "detail": check.detail,
            "check": check.check, "error": check.code}


def results(result: VerificationResult) -> dict[str, Any]:
    """VCALM ``results``: proof, validity bounds, schema and status, each with its input."""
    out: dict[str, Any] = {"proof": [{"verified": result.check("signature").ok is True}],
                           "credentialStatus": []}
    credential = result.credential
    if credential is None:
        return out
    validity = result.check("validity")
    for bound, failing_code in (("validFrom", NotYetValid.code), ("validUntil", Expired.code)):
        if bound in credential:
            out[bound] = {"verified": validity.ok is True or
                          (validity.ok is False and validity.code != failing_code),
                          "input": credential[bound]}
    schemas = credential.get("credentialSchema")
    if schemas is not None:
        entries = schemas if isinstance(schemas, list) else [schemas]
        ok = result.check("schema").ok is True
        out["credentialSchema"] = [{"verified": ok, "input": entry} for entry in entries]
    return out
