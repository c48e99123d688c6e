"""An uploaded PDF's own signature, judged beside (never instead of) its credential.

The credential in the QR and the attachment is what the verdict is about; the PDF's signature
only says whether the *page* is still what the council signed. It is checked by hand, within the
verifier's input bounds (``inputs.PDF_BOUNDS``), in the order a reader of ISO 32000 would:

1. the document has a signature field whose value is a signature dictionary (else *unsigned*);
2. ``/ByteRange`` is ``[0 a b c]`` with the ``/Contents`` hex string exactly in the gap and
   ``b + c`` the file's length: the signature covers every byte but its own hole (else *not
   wholly signed*: something was appended after signing);
3. the CMS verifies over those bytes (message digest, signature under the carried certificate:
   ``keys.cms``) (else *altered*);
4. the signer is the credential's council: the certificate's key is a key the credential's
   issuer publishes in its JWKS (looked up by its RFC 7638 thumbprint, not compromised) and its
   organisation is the council the credential names (else *wrong signer*).

Trust comes from the issuer's JWKS, the same source as for the credential: the certificate's own
chain (a demo authority in development, a licensed CA in production) is not needed to decide and
is not checked here (docs/credential.md, "The PDF's own signature"). A check that cannot be made
(the credential did not verify, the keys cannot be fetched) is *cannot check*, never valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pikepdf

from keys.cms import verify_signed_data
from keys.x509 import certifies, common_name_of, key_id_of, organization_of
from schemas.credential import issuer_of
from schemas.credential_view import CredentialView
from schemas.errors import (
    CredentialRejected,
    PdfNotWhollySigned,
    PdfSignatureInvalid,
    PdfSignatureProblem,
    PdfUnsigned,
    PdfWrongSigner,
    UpstreamUnavailable,
)
from schemas.file_bounds import open_pdf
from verifier.inputs import PDF_BOUNDS
from verifier.trust import TrustStore

VALID, ALTERED, NOT_WHOLLY_SIGNED, UNSIGNED, WRONG_SIGNER, CANNOT_CHECK = (
    "valid", "altered", "not_wholly_signed", "unsigned", "wrong_signer", "cannot_check")
TRUST_THE_QR = "trust the QR details, not the page"
MESSAGES = {
    VALID: "The PDF is signed by {council}; the signature covers the whole file and nothing was "
           "altered since.",
    ALTERED: f"The printed text was altered after signing; {TRUST_THE_QR}.",
    NOT_WHOLLY_SIGNED: f"Something was added to the PDF after it was signed; {TRUST_THE_QR}.",
    UNSIGNED: f"The PDF carries no signature of the council; {TRUST_THE_QR}.",
    WRONG_SIGNER: f"The PDF is signed by someone other than the council that issued the "
                  f"certificate; {TRUST_THE_QR}.",
    CANNOT_CHECK: "The PDF's signature could not be checked: {reason}",
}
_HEX = re.compile(rb"<[0-9A-Fa-f\s]*>")
_PDF_DATE = re.compile(r"D:(\d{14})([+-])(\d{2})'?(\d{2})")


@dataclass(frozen=True)
class PdfSignatureReport:
    """What the PDF's own signature says, for the ``pdfSignature`` part of the answer."""

    state: str
    code: str | None
    message: str
    detail: str
    signer: str | None = None
    signed_at: str | None = None
    covers_whole_file: bool | None = None

    @property
    def valid(self) -> bool:
        return self.state == VALID

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "valid": self.valid, "code": self.code,
                "message": self.message, "detail": self.detail, "signer": self.signer,
                "signedAt": self.signed_at, "coversWholeFile": self.covers_whole_file}


@dataclass(frozen=True)
class _Signature:
    ranges: tuple[int, int, int, int]
    signed_at: str | None


def check_pdf_signature(data: bytes, *, credential: Mapping[str, Any] | None,
                        trust: TrustStore, now: datetime) -> PdfSignatureReport:
    """Judge ``data``'s signature against the *verified* ``credential`` (None when the credential
    did not verify: the signer cannot then be compared with anyone)."""
    try:
        signature = _find_signature(data)
        certificate = _verify_bytes(data, signature)
    except PdfSignatureProblem as err:
        return _report(err)
    signed = PdfSignatureReport(VALID, None, "", "", signer=common_name_of(certificate),
                                signed_at=signature.signed_at, covers_whole_file=True)
    if credential is None:
        return replace(signed, state=CANNOT_CHECK, message=MESSAGES[CANNOT_CHECK].format(
            reason="the certificate itself did not verify, so there is no council to compare "
                   "the signer with."), detail="the credential did not verify")
    council = CredentialView.from_payload(credential, strict=False).subject.council or ""
    try:
        _check_signer(certificate, credential, council, trust=trust, now=now)
    except PdfWrongSigner as err:
        return replace(signed, state=WRONG_SIGNER, code=err.code, message=MESSAGES[WRONG_SIGNER],
                       detail=err.detail)
    except (UpstreamUnavailable, CredentialRejected) as err:
        return replace(signed, state=CANNOT_CHECK, detail=err.detail,
                       message=MESSAGES[CANNOT_CHECK].format(reason=err.detail))
    return replace(signed, message=MESSAGES[VALID].format(council=council),
                   detail=f"signed by {signed.signer} with a key {council} publishes")


def _report(err: PdfSignatureProblem) -> PdfSignatureReport:
    state = {PdfUnsigned.code: UNSIGNED, PdfNotWhollySigned.code: NOT_WHOLLY_SIGNED}.get(
        err.code, ALTERED)
    return PdfSignatureReport(state, err.code, MESSAGES[state], err.detail,
                              covers_whole_file=False if state == NOT_WHOLLY_SIGNED else None)


def _find_signature(data: bytes) -> _Signature:
    """The signature field's value with the widest byte range (the last revision's)."""
    found: list[_Signature] = []
    try:
        with open_pdf(data, PDF_BOUNDS) as pdf:
            form = pdf.Root.get("/AcroForm")
            fields = form.get("/Fields") if isinstance(form, pikepdf.Dictionary) else None
            for field in fields if isinstance(fields, pikepdf.Array) else []:
                value = field.get("/V") if isinstance(field, pikepdf.Dictionary) else None
                if field.get("/FT") == pikepdf.Name.Sig and isinstance(value, pikepdf.Dictionary):
                    found.append(_read(value))
    except (pikepdf.PdfError, pikepdf.PasswordError, AttributeError, TypeError, ValueError) as e:
        raise PdfSignatureInvalid("the PDF's signature dictionary cannot be read") from e
    if not found:
        raise PdfUnsigned("the PDF has no signature field with a signature")
    return max(found, key=lambda s: s.ranges[2] + s.ranges[3])


def _read(value: pikepdf.Dictionary) -> _Signature:
    ranges = value.get("/ByteRange")
    if not isinstance(ranges, pikepdf.Array) or len(ranges) != 4:
        raise PdfSignatureInvalid("the signature's /ByteRange is not four numbers")
    numbers = tuple(int(n) for n in ranges)
    when = value.get("/M")
    return _Signature((numbers[0], numbers[1], numbers[2], numbers[3]),
                      _iso(str(when)) if isinstance(when, pikepdf.String) else None)


def _verify_bytes(data: bytes, signature: _Signature) -> bytes:
    start, gap, resume, length = signature.ranges
    if start != 0 or not 0 < gap < resume or length < 0 or resume + length > len(data):
        raise PdfSignatureInvalid("the signature's byte ranges do not fit the file")
    hole = data[gap:resume]
    if not _HEX.fullmatch(hole):
        raise PdfSignatureInvalid("the signature's byte ranges leave out more than its /Contents")
    if resume + length != len(data):
        raise PdfNotWhollySigned(
            f"{len(data) - resume - length} bytes were added after the signed part of the file",
            hint=TRUST_THE_QR)
    try:
        blob = bytes.fromhex(hole[1:-1].decode("ascii"))
    except ValueError as err:
        raise PdfSignatureInvalid("the signature's /Contents is not hexadecimal") from err
    return verify_signed_data(blob, data[:gap] + data[resume:])


def _check_signer(certificate: bytes, credential: Mapping[str, Any], council: str, *,
                  trust: TrustStore, now: datetime) -> None:
    kid = key_id_of(certificate)
    if kid is None:
        raise PdfWrongSigner("the PDF's signing certificate is for a key type the issuer does "
                             "not publish")
    issuer = trust.trusted_issuer(issuer_of(credential), now=now)
    try:
        key = trust.signing_key(issuer, kid)
    except CredentialRejected as err:
        raise PdfWrongSigner(f"the PDF is signed with a key {issuer.name} does not publish "
                             f"({kid})") from err
    if not certifies(certificate, key.key) or key.window.compromised_at is not None:
        raise PdfWrongSigner(f"the PDF's signing key {kid} is not a usable key of {issuer.name}")
    organization = organization_of(certificate) or ""
    if organization != council[:64]:
        raise PdfWrongSigner(f"the PDF is signed for {organization!r}, the certificate is "
                             f"{council!r}'s")


def _iso(value: str) -> str | None:
    """``D:20261126153000+05'30'`` as ISO 8601."""
    match = _PDF_DATE.match(value)
    if match is None:
        return None
    digits, sign, hours, minutes = match.groups()
    return (f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}T{digits[8:10]}:{digits[10:12]}:"
            f"{digits[12:14]}{sign}{hours}:{minutes}")

