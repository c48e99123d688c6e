"""The trust store against a real JWKS server, and the settings that configure it."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import ValidationError

from keys.signing import SigningKey
from schemas.errors import KeyNotYetKnown, UnknownKey, UntrustedIssuer, UpstreamUnavailable
from tests.verifier.conftest import PUBLIC_BASE, FakeClock, JwksServer
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.trust import MAX_JWKS_BYTES, FetchNeeded, TrustStore, cache_only


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class TestTrustedIssuer:
    @pytest.mark.parametrize(("issuer", "matches"), [
        (PUBLIC_BASE, True),
        (f"{PUBLIC_BASE}/councils/hmc", True),
        (f"{PUBLIC_BASE}.evil.example/councils/hmc", False),
        (f"{PUBLIC_BASE}evil/councils/hmc", False),
        ("http://pramaan.hr.gov.in/councils/hmc", False),
    ])
    def test_prefix_match(self, issuer: str, matches: bool) -> None:
        entry = TrustedIssuer(issuer=PUBLIC_BASE + "/", jwks_uri="https://x.example/jwks",
                              name="t")
        assert entry.matches(issuer) is matches

    def test_most_specific_entry_wins(self) -> None:
        broad = TrustedIssuer(issuer=PUBLIC_BASE, jwks_uri="https://a.example/j", name="broad")
        narrow = TrustedIssuer(issuer=f"{PUBLIC_BASE}/councils/hmc",
                               jwks_uri="https://b.example/j", name="narrow")
        store = TrustStore([broad, narrow])
        try:
            assert store.trusted_issuer(f"{PUBLIC_BASE}/councils/hmc").name == "narrow"
            assert store.trusted_issuer(f"{PUBLIC_BASE}/councils/hdc").name == "broad"
            with pytest.raises(UntrustedIssuer) as caught:
                store.trusted_issuer("https://elsewhere.example/councils/x")
            assert caught.value.code == "credential.untrusted_issuer"
        finally:
            store.close()

    @pytest.mark.parametrize("uri", ["http://issuer.example/jwks.json", "ftp://x.example/j",
                                     "jwks.json"])
    def test_jwks_uri_must_be_https_loopback_or_file(self, uri: str) -> None:
        with pytest.raises(ValidationError, match="jwks_uri"):
            TrustedIssuer(issuer=PUBLIC_BASE, jwks_uri=uri, name="t")


class TestSettings:
    @pytest.mark.parametrize("alg", ["none", "None", "HS256", "hs512", "RS256"])
    def test_refuses_unsafe_or_unsupported_algorithms(self, alg: str) -> None:
        with pytest.raises(ValidationError, match=alg):
            VerifierSettings(algorithms=["ES256", alg])

    def test_reads_trusted_issuers_from_the_environment(self, monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
        monkeypatch.setenv("PRAMAAN_VERIFIER_TRUSTED_ISSUERS", json.dumps([{
            "issuer": PUBLIC_BASE, "jwks_uri": f"{PUBLIC_BASE}/.well-known/jwks.json",
            "name": "Haryana"}]))
        monkeypatch.setenv("PRAMAAN_VERIFIER_ALGORITHMS", '["ES256"]')
        settings = VerifierSettings()
        assert settings.trusted_issuers[0].name == "Haryana"
        assert settings.algorithms == ["ES256"]
        assert settings.jwks_cache_seconds == 300 and settings.max_upload_bytes == 16 * 2**20

    def test_has_no_database_or_private_key_setting(self) -> None:
        fields = " ".join(VerifierSettings.model_fields)
        assert not any(word in fields for word in ("database", "passphrase", "private"))


class TestTrustStore:
    def test_caches_for_cache_seconds(self, trust: TrustStore, trusted: TrustedIssuer,
                                      jwks_server: JwksServer, clock: FakeClock,
                                      es256_key: SigningKey) -> None:
        assert trust.signing_key(trusted, es256_key.kid).kid == es256_key.kid
        clock.advance(299)
        trust.signing_key(trusted, es256_key.kid)
        assert jwks_server.hits == 1
        clock.advance(2)
        trust.signing_key(trusted, es256_key.kid)
        assert jwks_server.hits == 2

    def test_a_removed_key_is_gone_after_the_cache_expires(
            self, trust: TrustStore, trusted: TrustedIssuer, jwks_server: JwksServer,
            clock: FakeClock, es256_key: SigningKey, eddsa_key: SigningKey) -> None:
        trust.signing_key(trusted, es256_key.kid)
        jwks_server.publish(eddsa_key)
        clock.advance(301)
        with pytest.raises(UnknownKey) as caught:
            trust.signing_key(trusted, es256_key.kid)
        assert caught.value.code == "credential.unknown_key"
        assert caught.value.facts["kid"] == es256_key.kid

    def test_missing_kid(self, trust: TrustStore, trusted: TrustedIssuer) -> None:
        with pytest.raises(UnknownKey, match="names no key"):
            trust.signing_key(trusted, None)

    def test_unreachable_host(self, es256_key: SigningKey, clock: FakeClock) -> None:
        trusted = TrustedIssuer(issuer=PUBLIC_BASE, name="down",
                                jwks_uri=f"http://127.0.0.1:{closed_port()}/jwks.json")
        store = TrustStore([trusted], now=clock, timeout=2)
        try:
            with pytest.raises(UpstreamUnavailable) as caught:
                store.signing_key(trusted, es256_key.kid)
            assert caught.value.code == "upstream.unavailable"
            assert "cannot be reached" in caught.value.detail
            assert caught.value.hint
        finally:
            store.close()

    def test_a_failure_is_remembered_then_retried(self, trust: TrustStore,
                                                  trusted: TrustedIssuer,
                                                  jwks_server: JwksServer, clock: FakeClock,
                                                  es256_key: SigningKey) -> None:
        jwks_server.status = 500
        for _ in range(3):
            with pytest.raises(UpstreamUnavailable, match="HTTP 500"):
                trust.signing_key(trusted, es256_key.kid)
        assert jwks_server.hits == 1
        jwks_server.status = 200
        clock.advance(31)
        assert trust.signing_key(trusted, es256_key.kid).kid == es256_key.kid

    def test_a_failed_refresh_keeps_the_cached_keys(self, trust: TrustStore,
                                                    trusted: TrustedIssuer,
                                                    jwks_server: JwksServer, clock: FakeClock,
                                                    es256_key: SigningKey,
                                                    rogue_key: SigningKey) -> None:
        trust.signing_key(trusted, es256_key.kid)
        jwks_server.status = 500
        clock.advance(60)
        with pytest.raises(UpstreamUnavailable):
            trust.signing_key(trusted, rogue_key.kid)
        assert trust.signing_key(trusted, es256_key.kid).kid == es256_key.kid

    @pytest.mark.parametrize(("document", "problem"), [
        ({"keys": "not a list"}, "'keys' list"),
        ({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}, None),
        ({"keys": [{"x": "y" * MAX_JWKS_BYTES}]}, "larger than"),
    ])
    def test_bad_documents(self, trust: TrustStore, trusted: TrustedIssuer,
                           jwks_server: JwksServer, es256_key: SigningKey,
                           document: dict[str, object], problem: str | None) -> None:
        jwks_server.document = document
        expected = UpstreamUnavailable if problem else UnknownKey
        with pytest.raises(expected, match=problem or "publishes no key"):
            trust.signing_key(trusted, es256_key.kid)

    def test_a_compressed_jwks_is_refused_before_it_is_inflated(self) -> None:
        """A gzip bomb served as the JWKS must not be inflated: identity is asked for, and
        anything else is refused unread."""
        bomb = gzip.compress(b" " * (50 * MAX_JWKS_BYTES))
        asked: list[str | None] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                asked.append(self.headers.get("Accept-Encoding"))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(bomb)))
                self.end_headers()
                self.wfile.write(bomb)

            def log_message(self, *_args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            trusted = TrustedIssuer(issuer=PUBLIC_BASE, name="bomb", jwks_uri=(
                f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"))
            store = TrustStore([trusted])
            with pytest.raises(UpstreamUnavailable, match="compressed"):
                store.signing_key(trusted, "any")
            store.close()
        finally:
            server.shutdown()
        assert asked == ["identity"]

    def test_a_local_jwks_file(self, tmp_path: Path, jwks_server: JwksServer,
                               es256_key: SigningKey) -> None:
        path = tmp_path / "jwks.json"
        path.write_text(json.dumps(jwks_server.document))
        trusted = TrustedIssuer(issuer=PUBLIC_BASE, jwks_uri=path.as_uri(), name="offline")
        store = TrustStore([trusted])
        try:
            assert store.signing_key(trusted, es256_key.kid).alg == "ES256"
        finally:
            store.close()
        assert jwks_server.hits == 0


class TestCacheOnly:
    """What the service relies on to verify on its event loop: no fetch, no wait, ever."""

    def test_answers_from_fresh_keys(self, trust: TrustStore, trusted: TrustedIssuer,
                                     jwks_server: JwksServer, es256_key: SigningKey) -> None:
        with cache_only(), pytest.raises(FetchNeeded):
            trust.signing_key(trusted, es256_key.kid)
        assert jwks_server.hits == 0
        trust.signing_key(trusted, es256_key.kid)
        with cache_only():
            assert trust.signing_key(trusted, es256_key.kid).kid == es256_key.kid
        assert jwks_server.hits == 1

    def test_an_unknown_kid_asks_for_a_refetch_at_once(
            self, trust: TrustStore, trusted: TrustedIssuer, rogue_key: SigningKey,
            es256_key: SigningKey) -> None:
        trust.signing_key(trusted, es256_key.kid)
        with cache_only(), pytest.raises(FetchNeeded):
            trust.signing_key(trusted, rogue_key.kid)

    def test_an_unknown_kid_within_the_spacing_is_an_answer(
            self, trust: TrustStore, trusted: TrustedIssuer, rogue_key: SigningKey,
            es256_key: SigningKey) -> None:
        with pytest.raises(UnknownKey):
            trust.signing_key(trusted, rogue_key.kid)
        with pytest.raises(UnknownKey):
            trust.signing_key(trusted, rogue_key.kid)  # refetched
        with cache_only(), pytest.raises(KeyNotYetKnown) as caught:
            trust.signing_key(trusted, rogue_key.kid)
        assert caught.value.code == "key.unconfirmed" and caught.value.hint
        with cache_only():
            assert trust.signing_key(trusted, es256_key.kid).kid == es256_key.kid

    def test_asks_for_a_fetch_when_the_keys_are_stale_or_may_have_rotated(
            self, trust: TrustStore, trusted: TrustedIssuer, jwks_server: JwksServer,
            clock: FakeClock, es256_key: SigningKey, rogue_key: SigningKey) -> None:
        trust.signing_key(trusted, es256_key.kid)
        clock.advance(31)
        with cache_only(), pytest.raises(FetchNeeded):
            trust.signing_key(trusted, rogue_key.kid)
        clock.advance(300)
        with cache_only(), pytest.raises(FetchNeeded):
            trust.signing_key(trusted, es256_key.kid)
        assert jwks_server.hits == 1
        trust.signing_key(trusted, es256_key.kid)  # outside the block it fetches again
        assert jwks_server.hits == 2
