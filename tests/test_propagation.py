"""End to end across the two services: a revocation made by staff on a real issuer server reaches
a real verifier within the status list's ``ttl``, and the verifier says why."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.clock import NOW
from tests.live import live_issuer
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.verify import Verifier

TTL_SECONDS = 1


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[tuple[str, str, int]]:
    """(base URL, registrar token, registration id) of an issuer publishing lists with a 1 s ttl."""
    with live_issuer("sqlite", tmp_path, status_list_ttl_seconds=TTL_SECONDS) as live:
        yield live.url, live.token, live.registration_id


def test_a_revocation_reaches_the_verifier_within_the_ttl(issuer: tuple[str, str, int]) -> None:
    base, token, registration_id = issuer
    staff = {"Authorization": f"Bearer {token}"}
    issued = httpx.post(f"{base}/registrations/{registration_id}/certificates",
                        json={"type": "registration"}, headers=staff)
    assert issued.status_code == 201, issued.text
    number, credential = issued.json()["certificate_number"], issued.json()["token"]
    verifier = Verifier.from_settings(VerifierSettings(trusted_issuers=[TrustedIssuer(
        issuer=base, jwks_uri=f"{base}/.well-known/jwks.json", name="Haryana (test)")]))
    try:
        first = verifier.verify(credential, now=NOW)
        assert first.verified, first.failures
        assert first.check("status").ok is True

        revoked_at = time.monotonic()
        response = httpx.post(f"{base}/credentials/{number}/revoke",
                              json={"reason": "disciplinary_action"}, headers=staff)
        assert response.status_code == 200, response.text
        while True:
            result = verifier.verify(credential, now=NOW)
            if not result.verified:
                break
            assert time.monotonic() - revoked_at < TTL_SECONDS + 5, "never saw the revocation"
            time.sleep(0.05)
        propagation = time.monotonic() - revoked_at
    finally:
        verifier.close()
    status = result.check("status")
    assert status.code == "credential.revoked", status
    assert "disciplinary" in status.detail
    assert propagation <= TTL_SECONDS + 1.0, f"took {propagation:.2f} s for a {TTL_SECONDS} s ttl"
