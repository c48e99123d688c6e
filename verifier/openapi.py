"""The request bodies of the verify routes, for the OpenAPI document only.

``POST /verify`` and ``POST /credentials/verify`` read their own body (``RequestRoute``, and the
JSON fast path before it), so FastAPI cannot derive these from their signatures; described here,
clients and fuzzers see what the routes take, and the fast path stays as it is.
"""

from __future__ import annotations

from typing import Any

_STRING = {"type": "string"}
_TEXT_OR_NULL = {"type": ["string", "null"]}

PDF_SIGNATURE: dict[str, Any] = {
    "type": ["object", "null"], "title": "PdfSignature",
    "description": "Only for an uploaded PDF (null otherwise): the PDF's own signature, judged "
                   "beside the credential and never changing its verdict. ``state`` is valid "
                   "(signed by the credential's council with a key it publishes, covering the "
                   "whole file, not altered), altered, not_wholly_signed, unsigned, wrong_signer "
                   "or cannot_check; anything but valid means: trust the QR details, not the page.",
    "required": ["state", "valid", "code", "message", "detail", "signer", "signedAt",
                 "coversWholeFile"],
    "properties": {
        "state": {"type": "string", "enum": ["valid", "altered", "not_wholly_signed",
                                             "unsigned", "wrong_signer", "cannot_check"]},
        "valid": {"type": "boolean"},
        "code": _TEXT_OR_NULL | {"description": "the error code (docs/errors.md), pdf.*"},
        "message": _STRING | {"description": "what to tell the person checking, in English"},
        "detail": _STRING,
        "signer": _TEXT_OR_NULL | {"description": "the signing certificate's common name"},
        "signedAt": _TEXT_OR_NULL | {"description": "the signature's claimed time (/M), ISO "
                                                      "8601; not a time-stamp"},
        "coversWholeFile": {"type": ["boolean", "null"]}}}

VERIFY_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"oneOf": [
        {"type": "object", "title": "Token", "required": ["token"],
         "properties": {"token": _STRING | {"description": "the credential as vc+jwt"}}},
        {"type": "object", "title": "QR text", "required": ["qr"],
         "properties": {"qr": _STRING | {"description": "the text of a certificate's QR code"}}},
        {"type": "object", "title": "Certificate number", "required": ["number"],
         "properties": {"number": _STRING | {"description": "the certificate number printed on "
                                             "it (HMC-GS-3TXE-5408) or its verification URL "
                                             "(…/c/HMC-GS-3TXE-5408); fetched from its "
                                             "council's trusted issuer"}}},
    ]}},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": _STRING | {"format": "binary", "description":
                                          "the certificate PDF, or a photo (PNG, JPEG) of its QR "
                                          "code, or a text file holding the token"}}}},
}}, "responses": {"200": {"description": "The credential could be examined: every check, the "
                                         "verdict, and for an uploaded PDF its own signature",
                          "content": {"application/json": {"schema": {
                              "type": "object",
                              "required": ["verified", "checks", "verdict", "pdfSignature"],
                              "properties": {
                                  "verified": {"type": "boolean"},
                                  "checks": {"type": "array", "items": {"type": "object"}},
                                  "credential": {"type": ["object", "null"]},
                                  "status": {"type": ["object", "null"]},
                                  "verdict": {"type": "object"},
                                  "pdfSignature": PDF_SIGNATURE}}}}}}}
"""``{"token": …}``, ``{"qr": …}`` or ``{"number": …}`` as JSON, or a file as the multipart
field ``file``."""

VCALM_VERIFY_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {
        "type": "object", "title": "VerifyCredentialRequest", "required": ["verifiableCredential"],
        "properties": {
            "verifiableCredential": {
                "type": "object", "title": "EnvelopedVerifiableCredential",
                "required": ["@context", "type", "id"],
                "properties": {
                    "@context": {"type": "array", "minItems": 1, "items": _STRING},
                    "type": {"type": "string", "enum": ["EnvelopedVerifiableCredential"]},
                    "id": _STRING | {"pattern": "^data:application/(vc\\+)?jwt,",
                                     "description": "data:application/vc+jwt,<token>"}}},
            "options": {"type": "object", "properties": {
                name: {"type": "boolean"} for name in (
                    "returnCredential", "returnResults", "returnProblemDetails")}}}}},
}}}
"""W3C VCALM ``VerifyCredentialRequest`` with an ``EnvelopedVerifiableCredential``."""
