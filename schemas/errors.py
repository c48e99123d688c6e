"""The one exception hierarchy. Codes are part of the public contract.

Branches follow whose fault it is: the caller's request (``InvalidRequest``), the credential being
checked (``CredentialRejected``), a remote service (``UpstreamUnavailable``) or our own
configuration (``ConfigurationError``). Every error carries a machine ``code``, a human ``detail``
naming what was checked, an optional ``hint`` saying what to do, and its facts as attributes.
"""

from __future__ import annotations

from typing import Any


class PramaanError(Exception):
    code = "pramaan.error"
    http_status = 500

    def __init__(self, detail: str, *, hint: str | None = None, code: str | None = None,
                 **facts: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.hint = hint
        if code is not None:
            self.code = code
        self.facts = facts
        for name, value in facts.items():
            setattr(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "detail": self.detail}
        if self.hint:
            body["hint"] = self.hint
        return body


# -- the caller's fault -------------------------------------------------------------------------
class InvalidRequest(PramaanError):
    code = "request.invalid"
    http_status = 400


class InputTooLarge(InvalidRequest):
    code = "request.too_large"
    http_status = 413


class Unauthenticated(InvalidRequest):
    code = "auth.unauthenticated"
    http_status = 401


class Forbidden(InvalidRequest):
    code = "auth.forbidden"
    http_status = 403


class RateLimited(InvalidRequest):
    """Too many requests of one kind (sign-in codes per address or per client) in a window."""

    code = "request.rate_limited"
    http_status = 429


class NotFound(InvalidRequest):
    code = "not_found"
    http_status = 404


class Conflict(InvalidRequest):
    code = "conflict"
    http_status = 409


class InvalidTransition(Conflict):
    code = "status.invalid_transition"


class UnsupportedInput(InvalidRequest):
    """A file that is neither a PDF, a PNG or JPEG image, nor text holding a credential."""

    code = "input.unsupported_type"
    http_status = 415


class UnreadableInput(InvalidRequest):
    """A PDF or image that cannot be read (damaged, encrypted, too slow to render)."""

    code = "input.unreadable"
    http_status = 422


class NoCredentialFound(UnreadableInput):
    """A readable file that carries no credential: no vc+jwt attachment and no QR code."""

    code = "input.no_credential"


class InvalidData(InvalidRequest):
    """Data that does not fit its schema or the registry (unknown council, missing field)."""

    code = "data.invalid"
    http_status = 422


class LinkInvalid(InvalidRequest):
    """A download link whose signature does not check (altered, or made with another key)."""

    code = "link.invalid"
    http_status = 403


class LinkExpired(LinkInvalid):
    code = "link.expired"
    http_status = 410


class DigiLockerRejected(InvalidRequest):
    """A DigiLocker issuer-API request refused before any search (answered as XML Status=0)."""

    code = "digilocker.rejected"


class DigiLockerUnauthenticated(DigiLockerRejected):
    """HMAC, keyhash or orgId wrong: one opaque error, never which part failed."""

    code = "digilocker.unauthenticated"
    http_status = 401


class MalformedDigiLockerRequest(DigiLockerRejected):
    """Not well-formed XML, a forbidden construct (DTD, entity), or not a Pull request."""

    code = "digilocker.malformed"


# -- the credential's fault ---------------------------------------------------------------------
class CredentialRejected(PramaanError):
    code = "credential.rejected"
    http_status = 422


class MalformedCredential(CredentialRejected):
    code = "credential.malformed"


class MalformedQr(MalformedCredential):
    """Scanned QR text that does not decode to a compact JWS (docs/qr-format.md)."""

    code = "qr.malformed"


class UnsupportedQrVersion(MalformedQr):
    """QR text in a format version this build has no dictionary for (a newer issuer, or garbage)."""

    code = "qr.unsupported_version"


class QrTooLarge(MalformedQr):
    """QR text, or its inflated credential, over the size caps; also a token too big for one QR."""

    code = "qr.too_large"


class UnsupportedAlgorithm(CredentialRejected):
    code = "credential.algorithm_not_allowed"


class WrongMediaType(CredentialRejected):
    code = "credential.media_type"


class UntrustedIssuer(CredentialRejected):
    code = "credential.untrusted_issuer"


class UnknownKey(CredentialRejected):
    code = "credential.unknown_key"


class BadSignature(CredentialRejected):
    code = "credential.bad_signature"


class Expired(CredentialRejected):
    code = "credential.expired"


class NotYetValid(CredentialRejected):
    code = "credential.not_yet_valid"


class SchemaViolation(CredentialRejected):
    code = "credential.schema"


class Revoked(CredentialRejected):
    code = "credential.revoked"


class Suspended(CredentialRejected):
    code = "credential.suspended"


class KeyCompromised(CredentialRejected):
    """The issuer has declared the signing key compromised: nothing it signed is trusted."""

    code = "credential.key_compromised"


class KeyNotValidAtIssuance(CredentialRejected):
    """The credential's ``iat`` falls outside the window in which its key was allowed to sign."""

    code = "credential.key_window"


# -- someone else's fault -----------------------------------------------------------------------
class UpstreamUnavailable(PramaanError):
    code = "upstream.unavailable"
    http_status = 503


# -- ours ---------------------------------------------------------------------------------------
class ConfigurationError(PramaanError):
    """A deployment mistake. The detail is logged, never returned to a client."""

    code = "configuration"
    http_status = 500


class MethodNotAllowed(InvalidRequest):
    """A route asked with a method it does not take; the answer's ``Allow`` header lists those."""

    code = "request.method_not_allowed"
    http_status = 405
