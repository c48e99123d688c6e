"""Authenticate DigiLocker's requests: the ``x-digilocker-hmac`` header and the ``keyhash``.

- Header (Issuer API spec v1.10+): HMAC-SHA256 of the exact raw body, key = the API key (UTF-8),
  Base64-encoded. Two encodings occur in practice and both are accepted: Base64 of the 32-byte
  digest (the spec's literal reading) and Base64 of the lowercase *hex* digest (what DigiLocker's
  test interface and four independent issuers use); reference/digilocker.md §3.1.
- ``keyhash`` (all versions): lowercase hex SHA-256 of API key + ``ts`` exactly as sent (§3.2).
- ``orgId`` must be our issuer id (§3.3).

Every comparison is constant-time, and every failure raises the same opaque error: the caller
learns nothing about which part was wrong (the log does, without any secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

from issuer.digilocker.xmlin import PullRequest
from schemas.errors import DigiLockerUnauthenticated

log = logging.getLogger("pramaan.digilocker")


def hmac_forms(body: bytes, api_key: str) -> tuple[bytes, bytes]:
    """The two accepted header values: Base64(raw digest), Base64(hex digest)."""
    digest = hmac.new(api_key.encode(), body, hashlib.sha256)
    return base64.b64encode(digest.digest()), base64.b64encode(digest.hexdigest().encode())


def keyhash(api_key: str, ts: str) -> str:
    return hashlib.sha256((api_key + ts).encode()).hexdigest()


def check_hmac(header: str | None, body: bytes, api_key: str) -> bool:
    given = (header or "").strip().encode()
    raw, hexed = hmac_forms(body, api_key)
    # both compared, always, so the time taken does not tell which form was expected
    return bool(hmac.compare_digest(given, raw) | hmac.compare_digest(given, hexed))


def authenticate(request: PullRequest, body: bytes, header: str | None, *, api_key: str,
                 issuer_id: str) -> None:
    checks = {
        "hmac": check_hmac(header, body, api_key),
        "keyhash": hmac.compare_digest(request.keyhash.lower().encode(),
                                       keyhash(api_key, request.ts).encode()),
        "orgId": hmac.compare_digest(request.org_id.encode(), issuer_id.encode()),
    }
    if not all(checks.values()):
        log.warning("DigiLocker request txn=%s refused: %s wrong", request.txn[:40],
                    ", ".join(k for k, ok in checks.items() if not ok))
        raise DigiLockerUnauthenticated(
            "the request is not authenticated",
            hint="check the API key and the issuer id configured on the DigiLocker partner "
                 "portal against PRAMAAN_DIGILOCKER_API_KEY and PRAMAAN_DIGILOCKER_ISSUER_ID")
