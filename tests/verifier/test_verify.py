"""Verification outcomes, in-process (``TestVerify``) and again through ``POST /verify``
(``TestVerifyOverHTTP``, which overrides the one ``verify`` fixture, as itsdangerous re-runs a
parent's tests on a subclass). Each test asserts the verdict and the code of the failing check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from jwcrypto import jwk, jws

from keys.jwk import KeyWindow
from keys.signing import SigningKey
from keys.storage import generate_private_key
from schemas.errors import (
    BadSignature,
    Expired,
    KeyCompromised,
    KeyNotValidAtIssuance,
    KeyNotYetKnown,
    MalformedCredential,
    NotYetValid,
    SchemaViolation,
    UnknownKey,
    UnsupportedAlgorithm,
    UntrustedIssuer,
    UpstreamUnavailable,
    WrongMediaType,
)
from schemas.registry import Registry
from tests.clock import NOW
from tests.verifier.conftest import (
    ALGORITHMS,
    EXTRA,
    FakeClock,
    JwksServer,
    SetClock,
    b64url,
    make_credential,
    sign,
    unsigned_token,
)
from verifier.api import create_app
from verifier.settings import VerifierSettings
from verifier.trust import TrustStore
from verifier.verdict import CANNOT_CHECK, NOT_GENUINE, judge
from verifier.verify import Check, VerificationResult, Verifier, is_verified, verify_credential

Verify = Callable[..., VerificationResult]
ORDER = ["format", "algorithm", "media_type", "issuer", "key", "signature", "data_model",
         "validity", "schema", "status"]


def failed(result: VerificationResult) -> list[tuple[str, str]]:
    return [(c.check, c.code) for c in result.failures]


def skipped(result: VerificationResult) -> list[str]:
    return [c.check for c in result.checks if c.code == "skipped"]


class TestVerify:
    @pytest.fixture
    def verify(self, trust: TrustStore, registry: Registry) -> Verify:
        def run(token: str, now: datetime = NOW) -> VerificationResult:
            return verify_credential(token, trust=trust, algorithms=ALGORITHMS,
                                     registry=registry, now=now)
        return run

    @pytest.mark.parametrize("type_id", sorted(EXTRA))
    def test_valid_certificate_of_each_type(self, verify: Verify, es256_key: SigningKey,
                                            type_id: str) -> None:
        credential = make_credential(type_id)
        result = verify(sign(credential, es256_key))
        assert result.verified is True
        assert [c.check for c in result.checks] == ORDER
        assert all(c.ok is True and c.code == "ok" for c in result.checks[:-1])
        assert result.check("status") == Check(
            "status", None, "status.none",
            "the credential carries no status list entry, so its issuer offers no revocation "
            "check")
        assert result.credential == credential
        assert result.credential["credentialSubject"].keys() >= EXTRA[type_id].keys()

    def test_valid_with_eddsa(self, verify: Verify, eddsa_key: SigningKey) -> None:
        result = verify(sign(make_credential(), eddsa_key))
        assert result.verified is True, failed(result)

    def test_tampered_payload(self, verify: Verify, es256_key: SigningKey) -> None:
        header, _payload, signature = sign(make_credential(), es256_key).split(".")
        forged = make_credential(name="Dr. Somebody Else")
        token = ".".join((header, unsigned_token({}, forged).split(".")[1], signature))
        result = verify(token)
        assert result.verified is False
        assert failed(result) == [("signature", BadSignature.code)]
        assert skipped(result) == ["data_model", "validity", "schema", "status"]
        assert result.credential is None

    def test_key_the_issuer_does_not_publish(self, verify: Verify, rogue_key: SigningKey
                                             ) -> None:
        result = verify(sign(make_credential(), rogue_key))
        assert result.verified is False
        assert failed(result) == [("key", UnknownKey.code)]
        assert result.check("signature").code == "skipped" and result.credential is None

    def test_rogue_key_under_a_trusted_kid(self, verify: Verify, es256_key: SigningKey,
                                           rogue_key: SigningKey) -> None:
        impostor = SigningKey(kid=es256_key.kid, alg="ES256", key=rogue_key.key)
        result = verify(sign(make_credential(), impostor))
        assert result.verified is False
        assert failed(result) == [("signature", BadSignature.code)]
        assert result.credential is None

    def test_alg_none(self, verify: Verify, es256_key: SigningKey) -> None:
        token = unsigned_token({"alg": "none", "typ": "vc+jwt", "kid": es256_key.kid},
                               make_credential())
        result = verify(token)
        assert result.verified is False
        assert failed(result) == [("algorithm", UnsupportedAlgorithm.code)]
        assert skipped(result)[:2] == ["key", "signature"]

    def test_hs256_with_the_public_key_as_secret(self, verify: Verify,
                                                 es256_key: SigningKey) -> None:
        token = hs256_confusion_token(es256_key)
        result = verify(token)
        assert result.verified is False
        assert failed(result) == [("algorithm", UnsupportedAlgorithm.code)]
        assert result.credential is None

    def test_expired(self, verify: Verify, es256_key: SigningKey) -> None:
        credential = make_credential()
        result = verify(sign(credential, es256_key), now=datetime.fromisoformat(
            credential["validUntil"]) + timedelta(seconds=1))
        assert result.verified is False
        assert failed(result) == [("validity", Expired.code)]
        assert result.credential == credential  # the signature held: show what it says

    def test_not_yet_valid(self, verify: Verify, es256_key: SigningKey) -> None:
        credential = make_credential()
        result = verify(sign(credential, es256_key), now=datetime.fromisoformat(
            credential["validFrom"]) - timedelta(seconds=1))
        assert result.verified is False
        assert failed(result) == [("validity", NotYetValid.code)]

    @pytest.mark.parametrize("base", ["https://council.evil.example",
                                      "https://pramaan.hr.gov.in.evil.example"])
    def test_issuer_not_trusted(self, verify: Verify, es256_key: SigningKey, base: str
                                ) -> None:
        result = verify(sign(make_credential(public_base=base), es256_key))
        assert result.verified is False
        assert failed(result) == [("issuer", UntrustedIssuer.code)]
        assert skipped(result)[:2] == ["key", "signature"]

    def test_typ_jwt(self, verify: Verify, es256_key: SigningKey) -> None:
        result = verify(sign(make_credential(), es256_key, typ="JWT"))
        assert result.verified is False
        assert failed(result) == [("media_type", WrongMediaType.code)]
        assert result.credential is None

    def test_vc_claim(self, verify: Verify, es256_key: SigningKey) -> None:
        credential = {**make_credential(), "vc": {"type": ["VerifiableCredential"]}}
        result = verify(sign(credential, es256_key))
        assert result.verified is False
        assert failed(result) == [("data_model", MalformedCredential.code)]
        assert skipped(result) == ["validity", "schema", "status"]

    def test_schema_violation(self, verify: Verify, es256_key: SigningKey) -> None:
        credential = make_credential()
        del credential["credentialSubject"]["registrationNumber"]
        result = verify(sign(credential, es256_key))
        assert result.verified is False
        assert failed(result) == [("schema", SchemaViolation.code)]
        assert "registrationNumber" in result.check("schema").detail

    def test_garbage_is_a_format_failure(self, verify: Verify) -> None:
        result = verify("not.a.token")
        assert result.verified is False
        assert failed(result) == [("format", MalformedCredential.code)]
        assert skipped(result) == ORDER[1:]
        assert result.token is None

    @pytest.mark.parametrize(("members", "check"), [
        ({"typ": ["vc+jwt"]}, "media_type"),
        ({"cty": {"vc": 1}}, "media_type"),
        ({"alg": ["ES256"]}, "algorithm"),
        ({"kid": 7}, "format"),
        ({"crit": ["exp"]}, "media_type"),
    ])
    def test_header_members_of_the_wrong_shape(self, verify: Verify, es256_key: SigningKey,
                                               members: dict[str, object], check: str) -> None:
        header = {"alg": "ES256", "typ": "vc+jwt", "kid": es256_key.kid, **members}
        result = verify(unsigned_token(header, make_credential(), b"\0" * 64))
        assert result.verified is False
        assert [c for c, _code in failed(result)][:1] == [check]

    def test_key_rotation_refetches_once(self, verify: Verify, jwks_server: JwksServer,
                                         clock: FakeClock, es256_key: SigningKey) -> None:
        assert verify(sign(make_credential(), es256_key)).verified
        rotated = SigningKey.from_private_key(generate_private_key("ES256"))
        jwks_server.publish(es256_key, rotated)
        clock.advance(60)  # past the refresh interval, well within the cache time
        token = sign(make_credential(), rotated)
        assert verify(token).verified
        assert verify(token).verified
        assert jwks_server.hits == 2

    def test_a_new_key_is_valid_at_once(self, verify: Verify, jwks_server: JwksServer,
                                        es256_key: SigningKey) -> None:
        """Issue 13: the issuer rotated and signed a moment after the verifier cached its keys."""
        assert verify(sign(make_credential(), es256_key)).verified
        rotated = SigningKey.from_private_key(generate_private_key("ES256"))
        jwks_server.publish(es256_key, rotated)
        result = verify(sign(make_credential(), rotated))
        assert result.verified, failed(result)
        assert jwks_server.hits == 2

    def test_a_forged_kid_after_a_fresh_fetch_is_not_genuine(
            self, verify: Verify, jwks_server: JwksServer, es256_key: SigningKey,
            rogue_key: SigningKey) -> None:
        assert verify(sign(make_credential(), es256_key)).verified
        result = verify(sign(make_credential(), rogue_key))
        assert failed(result) == [("key", UnknownKey.code)]
        assert judge(result).state == NOT_GENUINE
        assert jwks_server.hits == 2  # judged on keys fetched for this very lookup

    def test_a_new_kid_while_the_keys_cannot_be_fetched_cannot_be_checked(
            self, verify: Verify, jwks_server: JwksServer, es256_key: SigningKey,
            rogue_key: SigningKey) -> None:
        assert verify(sign(make_credential(), es256_key)).verified
        jwks_server.stop()
        result = verify(sign(make_credential(), rogue_key))
        assert failed(result) == [("key", KeyNotYetKnown.code)]
        assert judge(result).state == CANNOT_CHECK
        assert verify(sign(make_credential(), es256_key)).verified  # the cached keys still serve

    def test_unknown_kids_cannot_hammer_the_issuer(self, verify: Verify,
                                                   jwks_server: JwksServer, clock: FakeClock,
                                                   rogue_key: SigningKey) -> None:
        """One refetch per spacing; an unknown kid met in between cannot be checked, since the
        issuer may have published it since: never Not genuine on keys older than the lookup."""
        token = sign(make_credential(), rogue_key)
        assert failed(verify(token)) == [("key", UnknownKey.code)]  # the first fetch is fresh
        assert failed(verify(token)) == [("key", UnknownKey.code)]  # refetched at once
        assert jwks_server.hits == 2
        for _ in range(5):
            result = verify(token)
            assert failed(result) == [("key", KeyNotYetKnown.code)]
            assert judge(result).state == CANNOT_CHECK
        assert jwks_server.hits == 2
        clock.advance(1)  # jwks_refetch_spacing_seconds
        assert failed(verify(token)) == [("key", UnknownKey.code)]
        assert jwks_server.hits == 3

    def test_a_second_new_kid_within_the_spacing_cannot_be_checked(
            self, verify: Verify, jwks_server: JwksServer, clock: FakeClock,
            es256_key: SigningKey, rogue_key: SigningKey) -> None:
        assert verify(sign(make_credential(), es256_key)).verified
        assert failed(verify(sign(make_credential(), rogue_key))) == [("key", UnknownKey.code)]
        rotated = SigningKey.from_private_key(generate_private_key("ES256"))
        jwks_server.publish(es256_key, rotated)
        token = sign(make_credential(), rotated)
        result = verify(token)
        assert failed(result) == [("key", KeyNotYetKnown.code)]
        assert judge(result).state == CANNOT_CHECK
        clock.advance(1)
        assert verify(token).verified

    def test_compromised_key(self, verify: Verify, jwks_server: JwksServer,
                             es256_key: SigningKey, eddsa_key: SigningKey) -> None:
        compromised = {es256_key.kid: KeyWindow(compromised_at=int(NOW.timestamp()))}
        jwks_server.publish(es256_key, eddsa_key, windows=compromised)
        result = verify(sign(make_credential(), es256_key))
        assert result.verified is False
        assert failed(result) == [("key", KeyCompromised.code)]
        assert result.check("signature").code == "skipped" and result.credential is None

    @pytest.mark.parametrize(("window", "verified"), [
        (KeyWindow(not_before=int(NOW.timestamp()) + 1), False),
        (KeyWindow(not_after=int(NOW.timestamp()) - 1), False),
        (KeyWindow(int(NOW.timestamp()) - 1, int(NOW.timestamp()) + 1), True),
        (KeyWindow(not_before=int(NOW.timestamp())), True),
    ])
    def test_iat_against_the_key_window(self, verify: Verify, jwks_server: JwksServer,
                                        es256_key: SigningKey, window: KeyWindow,
                                        verified: bool) -> None:
        jwks_server.publish(es256_key, windows={es256_key.kid: window})
        result = verify(sign(make_credential(issued_at=NOW), es256_key))
        assert result.verified is verified
        if not verified:
            assert failed(result) == [("signature", KeyNotValidAtIssuance.code)]
            assert result.credential is None

    def test_rotation_and_compromise_are_seen_after_the_cache_age(
            self, verify: Verify, jwks_server: JwksServer, clock: FakeClock,
            es256_key: SigningKey) -> None:
        """Same process, no restart: a new kid and a compromise marking on a cached kid are
        both picked up once ``jwks_cache_seconds`` (300) has passed."""
        old_token = sign(make_credential(), es256_key)
        assert verify(old_token).verified
        rotated = SigningKey.from_private_key(generate_private_key("ES256"))
        jwks_server.publish(rotated, es256_key, windows={
            es256_key.kid: KeyWindow(compromised_at=int(NOW.timestamp()))})
        assert verify(old_token).verified  # cached keys: the marking is not seen yet
        clock.advance(301)
        assert failed(verify(old_token)) == [("key", KeyCompromised.code)]
        assert verify(sign(make_credential(), rotated)).verified
        assert jwks_server.hits == 2

    def test_jwks_unavailable(self, verify: Verify, jwks_server: JwksServer,
                              es256_key: SigningKey) -> None:
        jwks_server.status = 503
        result = verify(sign(make_credential(), es256_key))
        assert result.verified is False
        assert failed(result) == [("key", UpstreamUnavailable.code)]
        assert "cannot be reached" in result.check("key").detail or \
            "503" in result.check("key").detail


class TestVerifyOverHTTP(TestVerify):
    @pytest.fixture
    def verify(self, trust: TrustStore, registry: Registry,
               verifier_settings: VerifierSettings) -> Iterator[Verify]:
        verifier = Verifier(trust, algorithms=ALGORITHMS, registry=registry)
        wall = SetClock(NOW)
        app = create_app(verifier_settings, verifier=verifier, clock=wall)
        with TestClient(app) as client:
            def run(token: str, now: datetime = NOW) -> VerificationResult:
                wall.now = now
                response = client.post("/verify", json={"token": token})
                assert response.status_code == 200, response.text
                body = response.json()
                assert set(body) == {"verified", "checks", "credential", "status", "verdict",
                                     "pdfSignature"}
                return VerificationResult(body["verified"],
                                          tuple(Check(**c) for c in body["checks"]),
                                          body["credential"], token=None)
            yield run


def hs256_confusion_token(key: SigningKey) -> str:
    """RFC 8725 §2.1: HS256 keyed with the issuer's *public* key, which anyone can fetch."""
    secret = key.key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    head = unsigned_token({"alg": "HS256", "typ": "vc+jwt", "kid": key.kid}, make_credential())
    signing_input = head.rsplit(".", 1)[0]
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def test_hs256_is_refused_even_if_a_caller_allows_it(trust: TrustStore, registry: Registry,
                                                      es256_key: SigningKey) -> None:
    result = verify_credential(hs256_confusion_token(es256_key), trust=trust,
                               algorithms=["ES256", "HS256"], registry=registry, now=NOW)
    assert result.verified is False
    assert failed(result) == [("signature", BadSignature.code)]


def test_an_independent_jose_library_verifies_our_credential(jwks_server: JwksServer,
                                                             es256_key: SigningKey) -> None:
    credential = make_credential()
    token = sign(credential, es256_key)
    keyset = jwk.JWKSet.from_json(httpx.get(jwks_server.jwks_uri).text)
    checked = jws.JWS()
    checked.deserialize(token)
    checked.verify(keyset.get_key(es256_key.kid), alg="ES256")
    assert checked.jose_header["typ"] == "vc+jwt"
    assert json.loads(checked.payload) == credential


def test_only_a_credential_without_status_entries_is_verifiable_unchecked() -> None:
    """``status.none`` is the one advisory case: a status not established must reject."""
    checks = [Check(name, True, "ok", "") for name in ORDER[:-1]]
    assert is_verified([*checks, Check("status", None, "status.none", "")])
    assert not is_verified([*checks, Check("status", False, "credential.revoked", "")])
    assert not is_verified([*checks, Check("status", False, "status.unknown", "")])
    assert not is_verified([*checks, Check("status", None, "status.not_checked", "")])
    assert not is_verified([*checks[:-1], Check("schema", None, "skipped", "")])


def test_concurrent_lookups_of_a_new_kid_share_one_fetch(trust: TrustStore, registry: Registry,
                                                         jwks_server: JwksServer,
                                                         es256_key: SigningKey) -> None:
    """The threads the service verifies on: one refetch in flight per issuer, the others wait."""
    def verify(token: str) -> VerificationResult:
        return verify_credential(token, trust=trust, algorithms=ALGORITHMS, registry=registry,
                                 now=NOW)

    assert verify(sign(make_credential(), es256_key)).verified
    rotated = SigningKey.from_private_key(generate_private_key("ES256"))
    jwks_server.publish(es256_key, rotated)
    token = sign(make_credential(), rotated)
    start = threading.Barrier(8)

    def at_once(_: int) -> VerificationResult:
        start.wait()
        return verify(token)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(at_once, range(8)))
    assert [failed(r) for r in results] == [[]] * 8
    assert jwks_server.hits == 2
