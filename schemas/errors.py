"""The one exception hierarchy. Codes are part of the public contract.

Branches follow whose fault it is: the caller's request (``InvalidRequest``), the credential being
checked (``CredentialRejected``), a remote service (``UpstreamUnavailable``) or our own
configuration (``ConfigurationError``). Every error carries a machine ``code``, a human ``detail``
naming what was checked, an optional ``hint`` saying what to do, and its facts as attributes.

This module is the one catalogue of codes: each code is the ``code`` of exactly one class here,
and other modules name a code only through its class (``Revoked.code``), never as a string
(``tests/schemas/test_errors.py``). ``docs/errors.md`` lists them all.
"""

from __future__ import annotations

from typing import Any


class PramaanError(Exception):
    code = "pramaan.error"
    http_status = 500

    def __init__(self, detail: str, *, hint: str | None = None, **facts: Any) -> None:
        if _RESERVED.intersection(facts):
            raise TypeError(f"{type(self).__name__}: {sorted(_RESERVED.intersection(facts))} "
                            "belong to the class, not to one error; raise a subclass instead")
        super().__init__(detail)
        self.detail = detail
        self.hint = hint
        self.facts = facts
        for name, value in facts.items():
            setattr(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        """The one error body (``docs/errors.md``): all three keys, ``hint`` null when none."""
        return {"error": self.code, "detail": self.detail, "hint": self.hint}


_RESERVED = frozenset({"code", "http_status"})


# -- the caller's fault -------------------------------------------------------------------------
class InvalidRequest(PramaanError):
    code = "request.invalid"
    http_status = 400


class InputTooLarge(InvalidRequest):
    code = "request.too_large"
    http_status = 413


class LengthRequired(InputTooLarge):
    """A document upload without a Content-Length: its size cannot be checked before reading."""

    code = "request.length_required"


class MethodNotAllowed(InvalidRequest):
    """An HTTP method the route does not take (the ``Allow`` header names those it does)."""

    code = "request.method_not_allowed"
    http_status = 405


class Unauthenticated(InvalidRequest):
    code = "auth.unauthenticated"
    http_status = 401


class SignInCodeInvalid(Unauthenticated):
    """A mailed sign-in code that is wrong, already used or expired (one answer for all three)."""

    code = "auth.code_invalid"


class Forbidden(InvalidRequest):
    code = "auth.forbidden"
    http_status = 403


class CsrfRejected(Forbidden):
    """A form post whose CSRF token does not match the session: stale, or from another site."""

    code = "auth.csrf"


class RateLimited(InvalidRequest):
    """Too many requests of one kind (sign-in codes per address or per client) in a window."""

    code = "request.rate_limited"
    http_status = 429


class NotFound(InvalidRequest):
    code = "not_found"
    http_status = 404


class MalformedCertificateNumber(InvalidRequest):
    """Text given as a printed certificate number that is neither a number (``HMC-GS-3TXE-5408``)
    nor a verification URL ending in one (``…/c/HMC-GS-3TXE-5408``)."""

    code = "certificate_number.malformed"


class CertificateNotFound(NotFound):
    """A well-formed certificate number no trusted issuer holds: an unknown council prefix, or
    the council's issuer answers that it never issued it (a typing slip, or a forgery)."""

    code = "certificate_number.unknown"


class Conflict(InvalidRequest):
    code = "conflict"
    http_status = 409


class IdempotencyMismatch(Conflict):
    """An Idempotency-Key already used by this token for a different issue request."""

    code = "idempotency.mismatch"


class DuplicateApplication(Conflict):
    """An applicant's second open application of one kind for one registration."""

    code = "application.duplicate"


class TooManyDocuments(Conflict):
    """An upload past the number of documents one application may carry."""

    code = "application.too_many_documents"


class InvalidTransition(Conflict):
    code = "status.invalid_transition"


class InvalidApplicationTransition(InvalidTransition):
    """An application step its current state does not allow (e.g. approving a rejected one)."""

    code = "application.invalid_transition"


class RegistrationNotCurrent(InvalidTransition):
    """A certificate or application for a registration outside its validity period."""

    code = "registration.not_current"


class RegistrationNotPermanent(InvalidTransition):
    """A No-Objection Certificate asked for on a provisional registration."""

    code = "registration.not_permanent"


class RegistrationSuspended(InvalidTransition):
    """A Good Standing Certificate, a NOC or any new certificate while the registration is
    suspended (a re-issue of a suspended certificate carries the suspension instead)."""

    code = "registration.suspended"


class RegistrationRemoved(InvalidTransition):
    """Any certificate for a registration removed from the register."""

    code = "registration.removed"


class ProceedingsOpen(InvalidTransition):
    """A Good Standing Certificate or a NOC while disciplinary proceedings are open."""

    code = "registration.proceedings_open"


class RenewalOverdue(InvalidTransition):
    """A Good Standing Certificate or a NOC while the registration's renewal is overdue."""

    code = "registration.renewal_overdue"


class RegisterTransition(InvalidTransition):
    """A register change the registration's state does not allow (restoring an active one,
    suspending a removed one, making a permanent registration permanent)."""

    code = "registration.invalid_transition"


class ExpiredNotReissued(InvalidTransition):
    """A re-issue of a certificate whose validity has ended: a new certificate is issued instead.

    Its own code, not ``credential.expired``: that one is the verifier's verdict on a credential
    (422); this is the issuer refusing a staff request (409)."""

    code = "reissue.expired"


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


class InputTooComplex(InputTooLarge):
    """A file within the size cap that holds more than a document needs: too many pages or
    objects, a stream that inflates past its bound, an image with too many pixels in a PDF."""

    code = "input.too_complex"


class ActiveContent(InvalidRequest):
    """A document carrying active content: PDF JavaScript, launch or open actions, embedded
    files, HTML, or data hidden after an image's end."""

    code = "input.active_content"
    http_status = 422


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


class IssuerNotListed(UntrustedIssuer):
    """An issuer the anchor's signed trust list does not name (``docs/trust.md``)."""

    code = "issuer.not_listed"


class IssuerTypeNotAllowed(CredentialRejected):
    """A certificate of a type its issuer's trust-list entry does not allow it to issue."""

    code = "issuer.type_not_allowed"


class IssuerSuspended(CredentialRejected):
    """An issuer the trust list marks suspended: none of its certificates is accepted meanwhile."""

    code = "issuer.suspended"


class IssuerRetired(CredentialRejected):
    """A certificate issued (``iat``) on or after its issuer's retirement from the trust list;
    those issued before it still verify."""

    code = "issuer.retired"


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


# W3C Bitstring Status List v1.0 §3.2: these codes are the spec's own names, in its namespace.
class PdfSignatureProblem(CredentialRejected):
    """What is wrong with an uploaded PDF's own signature (not its QR credential): reported in
    the verdict's ``pdfSignature`` part, never instead of the credential's verdict."""

    code = "pdf.signature"


class PdfUnsigned(PdfSignatureProblem):
    code = "pdf.unsigned"


class PdfSignatureInvalid(PdfSignatureProblem):
    """The signature does not verify, or the signed bytes were changed after signing."""

    code = "pdf.signature_invalid"


class PdfNotWhollySigned(PdfSignatureProblem):
    """Bytes were added after the signed part (an incremental update, or trailing data)."""

    code = "pdf.not_wholly_signed"


class PdfWrongSigner(PdfSignatureProblem):
    """Signed by a key or organisation other than the credential's council."""

    code = "pdf.wrong_signer"


class StatusError(CredentialRejected):
    """A status list could not be used; never raised itself, so it has no code of its own: each
    subclass's ``code`` is the W3C error name (§3.2)."""


class StatusRetrievalError(StatusError):
    code = "STATUS_RETRIEVAL_ERROR"


class StatusVerificationError(StatusError):
    code = "STATUS_VERIFICATION_ERROR"


class StatusListLengthError(StatusError):
    code = "STATUS_LIST_LENGTH_ERROR"


class StatusRangeError(StatusError):
    code = "RANGE_ERROR"


class MalformedStatus(StatusError):
    code = "MALFORMED_VALUE_ERROR"


# -- someone else's fault -----------------------------------------------------------------------
class UpstreamUnavailable(PramaanError):
    code = "upstream.unavailable"
    http_status = 503


class KeyNotYetKnown(UpstreamUnavailable):
    """A credential names a key its issuer's cached JWKS lacks, and no fresh JWKS could tell
    whether the issuer has just published it: the refetch failed, or was held back because the keys
    were fetched a moment ago. The certificate is judged neither way (Cannot check)."""

    code = "key.unconfirmed"


class SmtpUnavailable(UpstreamUnavailable):
    """The SMTP server did not take a message; the outbox retries it with backoff."""

    code = "mail.smtp_unavailable"


class MaildirUnavailable(UpstreamUnavailable):
    """The maildir (the mail transport of development and tests) could not be written."""

    code = "mail.maildir_unavailable"


class DigiLockerPushUnavailable(UpstreamUnavailable):
    """DigiLocker's push endpoint could not be reached; the outbox retries it."""

    code = "digilocker.push_unavailable"


class DigiLockerPushRefused(UpstreamUnavailable):
    """DigiLocker answered a push with an HTTP error; the outbox retries it."""

    code = "digilocker.push_refused"


class DatabaseBusy(UpstreamUnavailable):
    """The issuer's database could not take the request now (SQLite's write lock held past its
    wait, a PostgreSQL serialization failure, deadlock or lock timeout, no free connection).
    Nothing was saved; answered 503 with ``Retry-After`` (the ``retry_after`` fact, seconds)."""

    code = "database.busy"


class StatusUnknown(UpstreamUnavailable):
    """A verifier offline without status data for the credential's list: not judged.

    Reported as a status check's code (``verifier/status.py``), not raised."""

    code = "status.unknown"


class StatusStale(UpstreamUnavailable):
    """A verifier's offline status data older than it may rely on: not judged.

    Reported as a status check's code (``verifier/status.py``), not raised."""

    code = "status.stale"


class TrustListInvalid(UpstreamUnavailable):
    """A fetched trust list that does not verify against the anchor's key, or does not fit the
    format; the verifier keeps its last good list, and without one cannot check."""

    code = "trust_list.invalid"


class TrustListStale(UpstreamUnavailable):
    """No usable trust list: it cannot be fetched (or does not verify) and the last good one,
    if any, is past its ``exp``. Certificates are not judged (*cannot check*)."""

    code = "trust_list.stale"


# -- ours ---------------------------------------------------------------------------------------
class ConfigurationError(PramaanError):
    """A deployment mistake. The detail is logged, never returned to a client."""

    code = "configuration"
    http_status = 500


class DatabaseFailure(PramaanError):
    """The database refused the request's transaction for a reason that is neither a conflict
    nor a busy moment (a constraint checked at COMMIT that is not a duplicate, a lost
    connection). Nothing was saved; the cause is logged, never returned."""

    code = "database.failed"
    http_status = 500


class NoOutboxHandler(ConfigurationError):
    """An outbox message of a kind this build has no handler for; recorded on the message."""

    code = "outbox.no_handler"
