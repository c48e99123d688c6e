"""The request bodies of the verify routes, for the OpenAPI document only.

``POST /verify`` and ``POST /credentials/verify`` read their own body (``RequestRoute``, and the
JSON fast path before it), so FastAPI cannot derive these from their signatures; described here,
clients and fuzzers see what the routes take, and the fast path stays as it is.
"""

from __future__ import annotations

from typing import Any

_STRING = {"type": "string"}

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
}}}
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
