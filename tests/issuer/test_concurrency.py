"""Parallel requests against a real issuer server with real commits: status indices are never
handed out twice, and one idempotency key issues one certificate however many requests race."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.live import live_issuer

REQUESTS, WORKERS = 48, 8


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, int]]:
    """(base URL, staff token, registration id) of an issuer served over real HTTP."""
    with live_issuer(request.param, tmp_path) as issuer:
        yield issuer.url, issuer.token, issuer.registration_id


def _post(url: str, token: str, registration_id: int, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} | ({"Idempotency-Key": key} if key else {})
    return httpx.post(f"{url}/registrations/{registration_id}/certificates",
                      json={"type": "registration"}, headers=headers, timeout=60)


def test_parallel_issuance_never_shares_a_status_index(live: tuple[str, str, int]) -> None:
    url, token, registration_id = live
    with ThreadPoolExecutor(WORKERS) as pool:
        responses = list(pool.map(lambda _: _post(url, token, registration_id),
                                  range(REQUESTS)))
    assert [r.status_code for r in responses] == [201] * REQUESTS, responses[0].text
    slots = {(r.json()["credential"]["credentialStatus"][0]["statusListCredential"],
              r.json()["credential"]["credentialStatus"][0]["statusListIndex"])
             for r in responses}
    assert len(slots) == REQUESTS


def test_racing_requests_with_one_idempotency_key_issue_once(live: tuple[str, str, int]
                                                            ) -> None:
    url, token, registration_id = live
    with ThreadPoolExecutor(WORKERS) as pool:
        responses = list(pool.map(lambda _: _post(url, token, registration_id, key="same-1"),
                                  range(WORKERS * 2)))
    assert {r.status_code for r in responses} <= {200, 201}, [r.text for r in responses]
    assert len({r.json()["certificate_number"] for r in responses}) == 1
