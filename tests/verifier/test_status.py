"""The status check against a real issuer server: lists fetched over HTTP, verified, cached.

Credentials here are issued under the server's own origin (``jwks_server.base_url``), so their
status list URLs lie on the trusted issuer's origin as the contract requires.
"""

from __future__ import annotations

import base64
import gzip
import socket
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from keys.jwk import KeyWindow
from keys.signing import SigningKey
from schemas import status_list as sl
from schemas.registry import Registry
from tests.clock import NOW
from tests.verifier.conftest import ALGORITHMS, FakeClock, JwksServer, make_credential, sign
from verifier import vcalm
from verifier.settings import TrustedIssuer
from verifier.status_lists import StatusLists
from verifier.trust import FetchNeeded, TrustStore, cache_only
from verifier.verify import VerificationResult, verify_credential

INDEX = 94_567
NUMBER = "HMC-RC-7K3M-Q9PX"
Verify = Callable[..., VerificationResult]


@pytest.fixture
def council(jwks_server: JwksServer) -> TrustedIssuer:
    return TrustedIssuer(issuer=jwks_server.base_url, jwks_uri=jwks_server.jwks_uri,
                         name="Haryana councils (test server)")


@pytest.fixture
def store(council: TrustedIssuer, clock: FakeClock) -> Iterator[TrustStore]:
    trust = TrustStore([council], now=clock)
    yield trust
    trust.close()


@pytest.fixture
def lists(store: TrustStore, clock: FakeClock) -> Iterator[StatusLists]:
    status = StatusLists(store, algorithms=ALGORITHMS, now=clock)
    yield status
    status.close()


@pytest.fixture
def verify(store: TrustStore, lists: StatusLists, registry: Registry) -> Verify:
    def run(token: str, now: datetime = NOW) -> VerificationResult:
        return verify_credential(token, trust=store, algorithms=ALGORITHMS, registry=registry,
                                 now=now, status=lists)
    return run


@pytest.fixture
def token(jwks_server: JwksServer, es256_key: SigningKey) -> str:
    credential = make_credential(public_base=jwks_server.base_url,
                                 status=jwks_server.status_entries(INDEX))
    return sign(credential, es256_key)


def status_of(result: VerificationResult) -> tuple[bool | None, str]:
    check = result.check("status")
    return check.ok, check.code


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class TestVerdicts:
    def test_active(self, verify: Verify, token: str) -> None:
        result = verify(token)
        assert result.verified is True
        assert status_of(result) == (True, "ok")
        assert "neither revoked nor suspended" in result.check("status").detail
        assert result.status is not None and result.status.state == "active"
        assert result.status.source == "online"
        assert result.status.age_seconds == 300  # the list was issued 5 minutes before NOW
        assert result.to_dict()["status"]["ageSeconds"] == 300

    def test_revoked_with_the_reason(self, verify: Verify, token: str,
                                     jwks_server: JwksServer) -> None:
        jwks_server.revoked.add(INDEX)
        jwks_server.details[NUMBER] = {
            "id": f"{jwks_server.base_url}/c/{NUMBER}", "certificateNumber": NUMBER,
            "state": "revoked", "reason": "disciplinary_action",
            "reasonText": "removed from the register by disciplinary action",
            "since": "2026-11-20T10:00:00+05:30", "until": None, "replacedBy": None}
        result = verify(token)
        assert result.verified is False
        assert status_of(result) == (False, "credential.revoked")
        detail = result.check("status").detail
        assert "removed from the register by disciplinary action" in detail
        assert "since 20 Nov 2026, 10:00 IST" in detail  # India time to the minute, as
        assert "status list as of 26 Nov 2026, 15:25 IST" in detail  # every time shown
        body = result.to_dict()["status"]
        assert body["state"] == "revoked"
        assert body["reason"] == "disciplinary_action"
        assert body["reasonText"] == "removed from the register by disciplinary action"
        assert body["since"] == "2026-11-20T10:00:00+05:30" and body["until"] is None
        assert result.credential is not None  # the signature held: show what was revoked

    def test_suspended_with_the_reason_and_end(self, verify: Verify, token: str,
                                               jwks_server: JwksServer) -> None:
        jwks_server.suspended.add(INDEX)
        jwks_server.details[NUMBER] = {
            "id": "x", "certificateNumber": NUMBER, "state": "suspended",
            "reason": "inquiry pending", "since": "2026-10-31T18:30:00.233306+00:00",
            "until": "2027-01-31T18:29:59+00:00"}  # as the issuer sends them, in UTC
        result = verify(token)
        assert status_of(result) == (False, "credential.suspended")
        assert result.verified is False
        assert result.status is not None
        assert (result.status.reason, result.status.until) == (
            "inquiry pending", "2027-01-31T18:29:59+00:00")  # for machines, as sent
        assert "since 1 Nov 2026, 00:00 IST, until 31 Jan 2027, 23:59 IST: inquiry pending" \
            in result.check("status").detail

    def test_revoked_beats_suspended(self, verify: Verify, token: str,
                                     jwks_server: JwksServer) -> None:
        jwks_server.revoked.add(INDEX)
        jwks_server.suspended.add(INDEX)
        assert status_of(verify(token)) == (False, "credential.revoked")

    def test_revoked_without_the_details_endpoint(self, verify: Verify, token: str,
                                                  jwks_server: JwksServer) -> None:
        jwks_server.revoked.add(INDEX)  # no details: the endpoint answers 404
        result = verify(token)
        assert status_of(result) == (False, "credential.revoked")
        assert "not available" in result.check("status").detail
        assert result.status is not None and result.status.reason is None

    def test_details_that_disagree_with_the_list_are_dropped(
            self, verify: Verify, token: str, jwks_server: JwksServer) -> None:
        jwks_server.revoked.add(INDEX)
        jwks_server.details[NUMBER] = {"state": "active", "reasonText": "all fine, trust me"}
        result = verify(token)
        assert status_of(result) == (False, "credential.revoked")
        assert "trust me" not in result.check("status").detail

    def test_no_status_entry_is_the_one_advisory_case(self, verify: Verify,
                                                      jwks_server: JwksServer,
                                                      es256_key: SigningKey) -> None:
        result = verify(sign(make_credential(public_base=jwks_server.base_url), es256_key))
        assert result.verified is True
        assert status_of(result) == (None, "status.none")
        assert result.status is not None and result.status.state == "none"

    def test_without_a_status_source_it_is_unknown(self, store: TrustStore,
                                                   registry: Registry, token: str) -> None:
        result = verify_credential(token, trust=store, algorithms=ALGORITHMS,
                                   registry=registry, now=NOW)
        assert result.verified is False
        assert status_of(result) == (False, "status.unknown")

    def test_other_status_types_and_purposes_are_ignored(
            self, verify: Verify, jwks_server: JwksServer, es256_key: SigningKey) -> None:
        entries: list[dict[str, str]] = [
            {"type": "SomeOtherStatus", "id": "urn:x"},
            {**jwks_server.status_entries(INDEX)[0], "statusPurpose": "message"}]
        jwks_server.revoked.add(INDEX)
        credential = make_credential(public_base=jwks_server.base_url, status=entries)
        assert status_of(verify(sign(credential, es256_key))) == (None, "status.none")

    def test_fetches_are_refused_inside_cache_only(self, verify: Verify, token: str,
                                                   jwks_server: JwksServer,
                                                   es256_key: SigningKey) -> None:
        """The service verifies on its event loop only from cache; a list fetch must hop to a
        thread (``FetchNeeded``), never block the loop."""
        verify(sign(make_credential(public_base=jwks_server.base_url), es256_key))  # keys cached
        with cache_only(), pytest.raises(FetchNeeded):
            verify(token)
        assert verify(token).verified  # fetched outside
        with cache_only():
            assert verify(token).verified


class TestListProblems:
    """Each W3C Bitstring Status List error code (§3.2), from a real server."""

    def test_unreachable_list(self, es256_key: SigningKey, jwks_server: JwksServer,
                              clock: FakeClock, registry: Registry) -> None:
        base = f"http://127.0.0.1:{closed_port()}"
        council = TrustedIssuer(issuer=base, jwks_uri=jwks_server.jwks_uri, name="down")
        store = TrustStore([council], now=clock)
        lists = StatusLists(store, algorithms=ALGORITHMS, now=clock, timeout=2)
        try:
            credential = make_credential(public_base=base,
                                         status=sl.status_entries(base, 1, INDEX))
            result = verify_credential(sign(credential, es256_key), trust=store, registry=registry,
                                       algorithms=ALGORITHMS, now=NOW, status=lists)
        finally:
            lists.close()
            store.close()
        assert result.verified is False
        assert status_of(result) == (False, "STATUS_RETRIEVAL_ERROR")
        assert "cannot be reached" in result.check("status").detail
        assert result.status is not None and result.status.state == "unknown"

    @pytest.mark.parametrize("status", [404, 503])
    def test_list_answers_an_error(self, verify: Verify, token: str, jwks_server: JwksServer,
                                   status: int) -> None:
        jwks_server.responses["/status/revocation/1"] = (status, "text/plain", b"")
        result = verify(token)
        assert result.verified is False
        assert status_of(result) == (False, "STATUS_RETRIEVAL_ERROR")
        assert f"HTTP {status}" in result.check("status").detail

    def test_bad_signature_on_the_list(self, verify: Verify, token: str,
                                       jwks_server: JwksServer) -> None:
        good = jwks_server.list_token("revocation", 1)
        jwks_server.revoked.add(INDEX)
        forged_payload = jwks_server.list_token("revocation", 1).split(".")[1]
        header, _payload, signature = good.split(".")
        forged = f"{header}.{forged_payload}.{signature}"
        jwks_server.revoked.clear()
        jwks_server.responses["/status/revocation/1"] = (200, "application/vc+jwt",
                                                         forged.encode())
        result = verify(token)
        assert result.verified is False
        assert status_of(result) == (False, "STATUS_VERIFICATION_ERROR")
        assert "signature" in result.check("status").detail

    def test_list_signed_by_a_key_the_issuer_does_not_publish(
            self, verify: Verify, token: str, jwks_server: JwksServer,
            rogue_key: SigningKey) -> None:
        jwks_server.list_signer = rogue_key
        result = verify(token)
        assert status_of(result) == (False, "STATUS_VERIFICATION_ERROR")
        assert "publishes no key" in result.check("status").detail

    def test_list_signed_by_a_compromised_key(self, verify: Verify, jwks_server: JwksServer,
                                              es256_key: SigningKey,
                                              eddsa_key: SigningKey) -> None:
        """The credential is signed with a sound key; only the list's key is compromised."""
        jwks_server.publish(es256_key, eddsa_key, windows={
            eddsa_key.kid: KeyWindow(compromised_at=int(NOW.timestamp()))})
        jwks_server.list_signer = eddsa_key
        credential = make_credential(public_base=jwks_server.base_url,
                                     status=jwks_server.status_entries(INDEX))
        result = verify(sign(credential, es256_key))
        assert status_of(result) == (False, "STATUS_VERIFICATION_ERROR")
        assert "compromised" in result.check("status").detail

    def test_list_signed_after_its_key_retired(self, verify: Verify, jwks_server: JwksServer,
                                               es256_key: SigningKey) -> None:
        retired = int(jwks_server.issued_at.timestamp()) - 1
        jwks_server.publish(es256_key, windows={es256_key.kid: KeyWindow(not_after=retired)})
        credential = make_credential(public_base=jwks_server.base_url,
                                     issued_at=NOW - timedelta(days=1),
                                     status=jwks_server.status_entries(INDEX))
        result = verify(sign(credential, es256_key))
        assert result.check("signature").ok is True  # the credential was signed in time
        assert status_of(result) == (False, "STATUS_VERIFICATION_ERROR")
        assert "outside the window" in result.check("status").detail

    def test_list_of_another_issuer(self, verify: Verify, token: str,
                                    jwks_server: JwksServer) -> None:
        def other_council(credential: dict[str, Any]) -> None:
            credential["issuer"] = credential["iss"] = f"{jwks_server.base_url}/councils/hdc"
        jwks_server.edit_list = other_council
        result = verify(token)
        assert status_of(result) == (False, "STATUS_VERIFICATION_ERROR")
        assert "not by the credential's issuer" in result.check("status").detail

    def test_list_on_another_origin(self, verify: Verify, jwks_server: JwksServer,
                                    es256_key: SigningKey) -> None:
        entries = jwks_server.status_entries(INDEX)
        entries[0]["statusListCredential"] = "https://lists.elsewhere.example/status/r/1"
        credential = make_credential(public_base=jwks_server.base_url, status=entries)
        result = verify(sign(credential, es256_key))
        assert status_of(result) == (False, "STATUS_VERIFICATION_ERROR")
        assert "only from the trusted issuer's origin" in result.check("status").detail

    def test_purpose_mismatch(self, verify: Verify, jwks_server: JwksServer,
                              es256_key: SigningKey) -> None:
        entries = jwks_server.status_entries(INDEX)
        entries[0]["statusListCredential"] = jwks_server.list_url("suspension")
        credential = make_credential(public_base=jwks_server.base_url, status=entries)
        result = verify(sign(credential, es256_key))
        assert status_of(result) == (False, "STATUS_VERIFICATION_ERROR")
        assert "not a revocation list" in result.check("status").detail

    def test_list_shorter_than_the_minimum(self, verify: Verify, jwks_server: JwksServer,
                                           es256_key: SigningKey) -> None:
        jwks_server.list_entries = sl.MIN_ENTRIES // 2
        credential = make_credential(public_base=jwks_server.base_url,
                                     status=jwks_server.status_entries(7))
        result = verify(sign(credential, es256_key))
        assert status_of(result) == (False, "STATUS_LIST_LENGTH_ERROR")
        assert "65536 entries" in result.check("status").detail

    def test_index_out_of_range(self, verify: Verify, jwks_server: JwksServer,
                                es256_key: SigningKey) -> None:
        credential = make_credential(public_base=jwks_server.base_url,
                                     status=jwks_server.status_entries(sl.MIN_ENTRIES))
        result = verify(sign(credential, es256_key))
        assert status_of(result) == (False, "RANGE_ERROR")

    @pytest.mark.parametrize("encoded", ["H4sIAAAA", "u!!!", "u" + "A" * 40, 42])
    def test_malformed_encoded_list(self, verify: Verify, token: str, jwks_server: JwksServer,
                                    encoded: object) -> None:
        def spoil(credential: dict[str, Any]) -> None:
            credential["credentialSubject"]["encodedList"] = encoded
        jwks_server.edit_list = spoil
        result = verify(token)
        assert status_of(result) == (False, "MALFORMED_VALUE_ERROR")

    def test_malformed_index_in_the_credential(self, verify: Verify, jwks_server: JwksServer,
                                               es256_key: SigningKey) -> None:
        entries = jwks_server.status_entries(INDEX)
        entries[0]["statusListIndex"] = "-5"
        credential = make_credential(public_base=jwks_server.base_url, status=entries)
        result = verify(sign(credential, es256_key))
        assert status_of(result) == (False, "MALFORMED_VALUE_ERROR")
        assert result.verified is False

    def test_gzip_bomb_is_refused_fast(self, verify: Verify, token: str,
                                       jwks_server: JwksServer, gzip_bomb: str) -> None:
        def bomb(credential: dict[str, Any]) -> None:
            credential["credentialSubject"]["encodedList"] = gzip_bomb
        jwks_server.edit_list = bomb
        started = time.perf_counter()
        result = verify(token)
        assert time.perf_counter() - started < 1.0
        assert status_of(result) == (False, "STATUS_LIST_LENGTH_ERROR")

    def test_an_expired_list(self, verify: Verify, token: str,
                             jwks_server: JwksServer) -> None:
        jwks_server.issued_at = NOW - timedelta(days=3)
        result = verify(token)
        assert status_of(result) == (False, "STATUS_VERIFICATION_ERROR")
        assert "expired" in result.check("status").detail

    @pytest.mark.parametrize(("ahead", "ok"), [(timedelta(minutes=1), True),
                                               (timedelta(minutes=6), False)])
    def test_a_list_signed_after_the_verifiers_clock(self, verify: Verify, token: str,
                                                     jwks_server: JwksServer, ahead: timedelta,
                                                     ok: bool) -> None:
        """A list signed on request (or by an issuer whose clock runs ahead) is accepted within
        the clock skew; the live issuer revealed this."""
        jwks_server.issued_at = NOW + ahead
        result = verify(token)
        assert result.verified is ok
        if not ok:
            assert status_of(result) == (False, "STATUS_VERIFICATION_ERROR")
            assert "valid only from" in result.check("status").detail
        else:
            assert result.status is not None and result.status.age_seconds == 0

    def test_a_list_that_is_not_a_jws(self, verify: Verify, token: str,
                                      jwks_server: JwksServer) -> None:
        jwks_server.responses["/status/revocation/1"] = (200, "application/vc+ld+json",
                                                         b'{"type": ["VerifiableCredential"]}')
        assert status_of(verify(token)) == (False, "STATUS_VERIFICATION_ERROR")

    def test_an_oversized_list(self, verify: Verify, token: str,
                               jwks_server: JwksServer) -> None:
        jwks_server.responses["/status/revocation/1"] = (200, "application/vc+jwt",
                                                         b"a" * (3 * 1024 * 1024))
        result = verify(token)
        assert status_of(result) == (False, "STATUS_RETRIEVAL_ERROR")
        assert "larger than" in result.check("status").detail


@pytest.fixture(scope="session")
def gzip_bomb() -> str:
    """64 MiB of zero bits in 64 KiB of GZIP: an ``encodedList`` that would inflate 64x our cap."""
    packed = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


class TestPropagation:
    """A change reaches the verifier within the list's ttl, and not before."""

    def test_cached_for_the_ttl_then_refetched(self, verify: Verify, token: str,
                                               jwks_server: JwksServer,
                                               clock: FakeClock) -> None:
        assert verify(token).verified
        jwks_server.revoked.add(INDEX)
        clock.advance(299)
        assert verify(token).verified  # within the ttl (300 s): the cached list
        assert jwks_server.list_hits == {"/status/revocation/1": 1, "/status/suspension/1": 1}
        clock.advance(2)
        result = verify(token)
        assert status_of(result) == (False, "credential.revoked")
        assert jwks_server.list_hits["/status/revocation/1"] == 2

    def test_the_ttl_is_the_lists_own(self, verify: Verify, token: str,
                                      jwks_server: JwksServer, clock: FakeClock) -> None:
        jwks_server.ttl_seconds = 30
        assert verify(token).verified
        jwks_server.suspended.add(INDEX)
        clock.advance(31)
        assert status_of(verify(token)) == (False, "credential.suspended")

    def test_a_failure_is_retried_after_a_short_pause(self, verify: Verify, token: str,
                                                      jwks_server: JwksServer,
                                                      clock: FakeClock) -> None:
        jwks_server.responses["/status/revocation/1"] = (503, "text/plain", b"")
        assert status_of(verify(token)) == (False, "STATUS_RETRIEVAL_ERROR")
        del jwks_server.responses["/status/revocation/1"]
        assert status_of(verify(token)) == (False, "STATUS_RETRIEVAL_ERROR")  # remembered
        clock.advance(11)
        assert verify(token).verified

    def test_the_cache_is_bounded(self, store: TrustStore, clock: FakeClock,
                                  council: TrustedIssuer) -> None:
        lists = StatusLists(store, algorithms=ALGORITHMS, now=clock, max_lists=1)
        try:
            for purpose in sl.PURPOSES:
                lists.get(f"{council.issuer}/status/{purpose}/1", trusted=council, now=NOW)
            assert len(lists._lists) == 1
        finally:
            lists.close()

    def test_real_time_ttl_of_one_second(self, store: TrustStore, registry: Registry,
                                         token: str, jwks_server: JwksServer) -> None:
        """Wall clock, no fake: a list with ``ttl`` 1000 ms is refetched after a second."""
        jwks_server.ttl_seconds = 1
        lists = StatusLists(store, algorithms=ALGORITHMS)  # time.monotonic
        try:
            def check() -> VerificationResult:
                return verify_credential(token, trust=store, algorithms=ALGORITHMS,
                                         registry=registry, now=NOW, status=lists)
            assert check().verified
            jwks_server.revoked.add(INDEX)
            assert check().verified
            time.sleep(1.1)
            assert status_of(check()) == (False, "credential.revoked")
        finally:
            lists.close()


@pytest.mark.parametrize(("response", "code", "http_status"), [
    ((503, "text/plain", b""), "STATUS_RETRIEVAL_ERROR", 503),
    ((200, "application/vc+jwt", b"a.b.c"), "STATUS_VERIFICATION_ERROR", 422),
])
def test_vcalm_types_status_problems_by_the_status_list_spec(
        verify: Verify, token: str, jwks_server: JwksServer,
        response: tuple[int, str, bytes], code: str, http_status: int) -> None:
    jwks_server.responses["/status/revocation/1"] = response
    body, status = vcalm.response(verify(token), vcalm.VerifyOptions())
    assert status == http_status
    assert [p["type"] for p in body["problemDetails"]] == [
        "https://www.w3.org/ns/credentials/status-list#" + code]
