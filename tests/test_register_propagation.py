"""The register is the source of truth, across real servers: a registration's suspension
reaches a real verifier within the status list's ttl for every certificate of that person, and
its restoration makes them Valid again; a suspension racing Good Standing issuance over HTTP on
PostgreSQL never leaves a live certificate beside a suspended registration."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.credentials.models import IssuedCredential
from issuer.registry.models import Registration
from issuer.status import service as status
from schemas.errors import RegistrationSuspended
from tests.clock import NOW
from tests.live import live_issuer
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.verify import Verifier

TTL_SECONDS = 1
GS = {"type": "good-standing", "addressee": "General Medical Council", "purpose": "abroad"}


def _verdicts(verifier: Verifier, tokens: list[str]) -> list[str | None]:
    """Per credential: None when verified, else the status check's code."""
    results = [verifier.verify(token, now=NOW) for token in tokens]
    return [None if r.verified else r.check("status").code for r in results]


def _wait_for(verifier: Verifier, tokens: list[str], wanted: list[str | None]) -> float:
    started = time.monotonic()
    while (seen := _verdicts(verifier, tokens)) != wanted:
        assert time.monotonic() - started < TTL_SECONDS + 5, f"still {seen}, wanted {wanted}"
        time.sleep(0.05)
    return time.monotonic() - started


def test_the_verifier_follows_the_registration(tmp_path: Path) -> None:
    with live_issuer("sqlite", tmp_path, status_list_ttl_seconds=TTL_SECONDS) as live:
        base, staff = live.url, live.staff
        tokens = []
        for body in ({"type": "registration"}, GS):
            issued = httpx.post(f"{base}/registrations/{live.registration_id}/certificates",
                                json=body, headers=staff)
            assert issued.status_code == 201, issued.text
            tokens.append(issued.json()["token"])
        verifier = Verifier.from_settings(VerifierSettings(trusted_issuers=[TrustedIssuer(
            issuer=base, jwks_uri=f"{base}/.well-known/jwks.json", name="Haryana (test)")]))
        try:
            assert _verdicts(verifier, tokens) == [None, None]
            suspended = httpx.post(f"{base}/registrations/{live.registration_id}/suspend",
                                   json={"reason": "disciplinary_inquiry"}, headers=staff)
            assert suspended.status_code == 200, suspended.text
            took = _wait_for(verifier, tokens, ["credential.suspended"] * 2)
            assert took <= TTL_SECONDS + 1.0
            result = verifier.verify(tokens[1], now=NOW)
            assert "disciplinary inquiry" in result.check("status").detail
            restored = httpx.post(f"{base}/registrations/{live.registration_id}/restore",
                                  json={}, headers=staff)
            assert restored.status_code == 200, restored.text
            assert _wait_for(verifier, tokens, [None, None]) <= TTL_SECONDS + 1.0
        finally:
            verifier.close()


def test_a_suspension_racing_good_standing_issuance_leaves_nothing_live(tmp_path: Path) -> None:
    with live_issuer("postgresql", tmp_path) as live:
        url = f"{live.url}/registrations/{live.registration_id}"

        done: list[int] = []

        def issue(i: int) -> httpx.Response:
            response = httpx.post(f"{url}/certificates", json=GS, headers=live.staff,
                                  timeout=30)
            done.append(i)
            return response

        def suspend() -> httpx.Response:
            while len(done) < 4:  # some issued first; a short sleep loop (faketime-safe)
                time.sleep(0.005)
            return httpx.post(f"{url}/suspend", json={"reason": "disciplinary_inquiry"},
                              headers=live.staff, timeout=30)

        with ThreadPoolExecutor(9) as pool:
            suspension = pool.submit(suspend)
            answers = list(pool.map(issue, range(40)))
        assert suspension.result().status_code == 200, suspension.result().text
        codes = {r.status_code for r in answers}
        assert codes <= {201, 409}, [r.text for r in answers if r.status_code not in (201, 409)]
        refused = [r.json()["error"] for r in answers if r.status_code == 409]
        assert set(refused) <= {RegistrationSuspended.code}
        with Session(live.engine) as session:
            registration = session.get_one(Registration, live.registration_id)
            rows = list(session.scalars(select(IssuedCredential).where(
                IssuedCredential.registration_id == live.registration_id)))
            assert registration.state == "suspended"
            assert len(rows) == sum(1 for r in answers if r.status_code == 201)
            assert len(rows) >= 4 and refused, "the suspension did not land mid-stream"
            assert [r.certificate_number for r in rows
                    if status.effective_state(r, NOW).state != "suspended"] == []
            suspended_ids = suspension.result().json()["certificates"]["suspended"]
            assert sorted(suspended_ids) == sorted(r.certificate_number for r in rows)
