"""Trust from the anchor's signed list (``docs/trust.md``): served over real HTTP (the test issuer
server of ``conftest``) or from a file, verified with the anchor's key, its last good copy kept when
the anchor cannot be reached."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from keys.jwk import public_jwk
from keys.signing import SigningKey, sign_credential
from keys.storage import generate_private_key
from schemas import trust_list as tl
from schemas.errors import (
    IssuerNotListed,
    IssuerRetired,
    IssuerSuspended,
    IssuerTypeNotAllowed,
    TrustListStale,
)
from schemas.registry import default_registry
from tests.clock import NOW
from tests.verifier.conftest import ALGORITHMS, PUBLIC_BASE, FakeClock, JwksServer, make_credential
from tests.verifier.conftest import sign as sign_vc
from tests.verifier.test_trust import closed_port
from verifier import bundle, cli
from verifier import verdict as v
from verifier.settings import VerifierSettings
from verifier.trust_list import (
    ListedTrustStore,
    TrustListSource,
    load_anchor_keys,
    verify_trust_list,
)
from verifier.verify import VerificationResult, Verifier

LIST_PATH = "/trust/list.jwt"
ANCHOR = "https://health.hr.gov.in"


@pytest.fixture(scope="session")
def anchor_key() -> SigningKey:
    return SigningKey.from_private_key(generate_private_key("ES256"))


def entry(server: JwksServer, **overrides: Any) -> dict[str, Any]:
    return {"id": PUBLIC_BASE, "name": "Haryana Medical Council (test)",
            "name_hi": "हरियाणा चिकित्सा परिषद", "jwks_uri": server.jwks_uri,
            "status_origin": server.base_url,
            "certificate_types": ["registration", "good-standing", "noc"],
            "standing": "active"} | overrides


def signed_list(key: SigningKey, issuers: list[dict[str, Any]], *, issued_at: datetime = NOW,
                valid_for: timedelta = timedelta(days=30)) -> str:
    listed = tl.build_payload({"iss": ANCHOR, "issuers": issuers}, now=issued_at,
                              valid_for=valid_for)
    return sign_credential(json.dumps(listed.to_json()).encode(), key, typ=tl.TRUST_LIST_TYP,
                           cty=None)


def publish(server: JwksServer, token: str) -> None:
    server.responses[LIST_PATH] = (200, "application/jwt", token.encode())


Make = Callable[..., Verifier]


@pytest.fixture
def make_verifier(jwks_server: JwksServer, anchor_key: SigningKey, clock: FakeClock
                  ) -> Iterator[Make]:
    made: list[Verifier] = []

    def make(url: str | None = None, anchor: SigningKey = anchor_key) -> Verifier:
        source = TrustListSource(url or jwks_server.base_url + LIST_PATH,
                                 anchor=load_anchor_keys(json.dumps(public_jwk(
                                     anchor.key.public_key()))),
                                 algorithms=ALGORITHMS, refresh_seconds=60, clock=clock)
        verifier = Verifier(ListedTrustStore(source, now=clock), algorithms=ALGORITHMS,
                            registry=default_registry())
        made.append(verifier)
        return verifier

    yield make
    for verifier in made:
        verifier.close()


def verdict_of(result: VerificationResult) -> v.Verdict:
    assert result.verdict is not None
    return result.verdict


def test_a_listed_issuer_is_trusted_as_the_list_names_it(
        jwks_server: JwksServer, anchor_key: SigningKey, es256_key: SigningKey,
        make_verifier: Make) -> None:
    publish(jwks_server, signed_list(anchor_key, [entry(jwks_server)]))
    result = make_verifier().verify(sign_vc(make_credential(), es256_key), now=NOW)
    assert result.verified, result.failures
    detail = result.check("issuer").detail
    assert "Haryana Medical Council (test)" in detail and "trust list of 2026-11-26" in detail
    holder = verdict_of(result).holder  # the page names the issuer as the list does
    assert holder is not None
    assert (holder.council, holder.council_hi) == ("Haryana Medical Council (test)",
                                                   "हरियाणा चिकित्सा परिषद")


def test_an_issuer_removed_from_the_list_is_not_genuine(
        jwks_server: JwksServer, anchor_key: SigningKey, es256_key: SigningKey,
        make_verifier: Make, clock: FakeClock) -> None:
    token = sign_vc(make_credential(), es256_key)
    publish(jwks_server, signed_list(anchor_key, [entry(jwks_server)]))
    verifier = make_verifier()
    assert verifier.verify(token, now=NOW).verified

    later = NOW + timedelta(hours=1)
    publish(jwks_server, signed_list(anchor_key, [entry(
        jwks_server, id="https://pramaan.ka.gov.in")], issued_at=later))
    clock.advance(61)  # the next refresh
    result = verifier.verify(token, now=later)
    issuer = result.check("issuer")
    assert issuer.ok is False and issuer.code == IssuerNotListed.code
    assert "not on the trust list" in issuer.detail
    verdict = verdict_of(result)
    assert (verdict.state, verdict.reason) == (v.NOT_GENUINE, "not_listed")
    assert "list of trusted issuers" in verdict.text


def test_a_type_the_issuer_may_not_issue_is_not_genuine(
        jwks_server: JwksServer, anchor_key: SigningKey, es256_key: SigningKey,
        make_verifier: Make) -> None:
    publish(jwks_server, signed_list(anchor_key, [entry(
        jwks_server, certificate_types=["registration"])]))
    verifier = make_verifier()
    assert verifier.verify(sign_vc(make_credential(), es256_key), now=NOW).verified
    result = verifier.verify(sign_vc(make_credential("noc"), es256_key), now=NOW)
    assert result.check("issuer").code == IssuerTypeNotAllowed.code
    assert (verdict_of(result).state, verdict_of(result).reason) == (v.NOT_GENUINE,
                                                                     "type_not_allowed")


def test_a_retired_issuer_s_earlier_certificates_still_verify(
        jwks_server: JwksServer, anchor_key: SigningKey, es256_key: SigningKey,
        make_verifier: Make) -> None:
    retired_from = NOW - timedelta(hours=1)
    publish(jwks_server, signed_list(anchor_key, [entry(
        jwks_server, standing="retired", retired_from=retired_from.isoformat())]))
    verifier = make_verifier()
    before = verifier.verify(sign_vc(make_credential(issued_at=retired_from - timedelta(days=1)),
                                     es256_key), now=NOW)
    assert before.verified, before.failures
    after = verifier.verify(sign_vc(make_credential(issued_at=retired_from), es256_key), now=NOW)
    assert after.check("issuer").code == IssuerRetired.code
    assert (verdict_of(after).state, verdict_of(after).reason) == (v.NOT_GENUINE,
                                                                   "issuer_retired")


def test_a_suspended_issuer_is_refused(jwks_server: JwksServer, anchor_key: SigningKey,
                                       es256_key: SigningKey, make_verifier: Make) -> None:
    publish(jwks_server, signed_list(anchor_key, [entry(jwks_server, standing="suspended")]))
    result = make_verifier().verify(sign_vc(make_credential(), es256_key), now=NOW)
    assert result.check("issuer").code == IssuerSuspended.code
    assert verdict_of(result).state == v.NOT_GENUINE


def test_the_anchor_unreachable_keeps_the_last_good_list_until_its_exp(
        jwks_server: JwksServer, anchor_key: SigningKey, es256_key: SigningKey,
        make_verifier: Make, clock: FakeClock) -> None:
    token = sign_vc(make_credential(), es256_key)
    publish(jwks_server, signed_list(anchor_key, [entry(jwks_server)],
                                     valid_for=timedelta(days=2)))
    verifier = make_verifier()
    assert verifier.verify(token, now=NOW).verified

    jwks_server.responses[LIST_PATH] = (503, "text/plain", b"down")
    clock.advance(61)
    result = verifier.verify(token, now=NOW + timedelta(days=1))
    assert result.verified, result.failures
    detail = result.check("issuer").detail
    assert "1 day old" in detail and "last good" in detail and "HTTP 503" in detail

    stale = verifier.verify(token, now=NOW + timedelta(days=2))  # the last good list's exp
    assert stale.check("issuer").code == TrustListStale.code
    assert (verdict_of(stale).state, verdict_of(stale).reason) == (v.CANNOT_CHECK,
                                                                   "trust_list_unreachable")


def test_the_anchor_unreachable_with_no_list_cannot_check(
        es256_key: SigningKey, make_verifier: Make) -> None:
    verifier = make_verifier(f"http://127.0.0.1:{closed_port()}{LIST_PATH}")
    result = verifier.verify(sign_vc(make_credential(), es256_key), now=NOW)
    assert result.check("issuer").code == TrustListStale.code
    assert "cannot be reached" in result.check("issuer").detail
    assert verdict_of(result).state == v.CANNOT_CHECK


def test_a_list_not_signed_by_the_anchor_is_not_used(
        jwks_server: JwksServer, anchor_key: SigningKey, rogue_key: SigningKey,
        es256_key: SigningKey, make_verifier: Make, clock: FakeClock) -> None:
    token = sign_vc(make_credential(), es256_key)
    publish(jwks_server, signed_list(rogue_key, [entry(jwks_server)]))
    verifier = make_verifier()
    result = verifier.verify(token, now=NOW)
    assert result.check("issuer").code == TrustListStale.code
    assert "not the anchor's" in result.check("issuer").detail
    assert verdict_of(result).state == v.CANNOT_CHECK

    publish(jwks_server, signed_list(anchor_key, [entry(jwks_server)]))
    clock.advance(61)
    assert verifier.verify(token, now=NOW).verified


def test_an_older_list_does_not_replace_a_newer_one(
        jwks_server: JwksServer, anchor_key: SigningKey, es256_key: SigningKey,
        make_verifier: Make, clock: FakeClock) -> None:
    token = sign_vc(make_credential(), es256_key)
    publish(jwks_server, signed_list(anchor_key, [], issued_at=NOW))
    verifier = make_verifier()
    assert verifier.verify(token, now=NOW).check("issuer").code == IssuerNotListed.code
    publish(jwks_server, signed_list(anchor_key, [entry(jwks_server)],
                                     issued_at=NOW - timedelta(days=1)))  # replayed
    clock.advance(61)
    assert verifier.verify(token, now=NOW).check("issuer").code == IssuerNotListed.code


def test_settings_need_the_anchor_key_with_the_list(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="trust_anchor_jwks"):
        VerifierSettings(trust_list_url=(tmp_path / "list.jwt").as_uri())
    with pytest.raises(ValidationError, match="trust_list_url"):
        VerifierSettings(trust_list_url="http://anchor.example/list.jwt",
                         trust_anchor_jwks="{}")


def test_trust_show_prints_the_list(jwks_server: JwksServer, anchor_key: SigningKey,
                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    # valid for a century: the CLI reads the wall clock, whatever day the suite runs on
    listing = tmp_path / "list.jwt"
    listing.write_text(signed_list(anchor_key, [entry(jwks_server, standing="retired",
                                                      retired_from=NOW.isoformat())],
                                   valid_for=timedelta(days=36_500)), "ascii")
    monkeypatch.setenv("PRAMAAN_VERIFIER_TRUST_LIST_URL", listing.as_uri())
    monkeypatch.setenv("PRAMAAN_VERIFIER_TRUST_ANCHOR_JWKS",
                       json.dumps(public_jwk(anchor_key.key.public_key())))
    assert cli.main(["trust", "show"]) == 0
    out = capsys.readouterr().out
    assert f"signed by {ANCHOR} on 2026-11-26T10:00:00+00:00" in out
    assert "Haryana Medical Council (test) / हरियाणा चिकित्सा परिषद" in out
    assert "standing: retired from 2026-11-26T10:00:00+00:00" in out

    listing.write_text(signed_list(SigningKey.from_private_key(generate_private_key("ES256")),
                                   [], valid_for=timedelta(days=36_500)), "ascii")
    assert cli.main(["trust", "show"]) == 1
    assert "not the anchor's" in capsys.readouterr().err


def test_the_offline_bundle_carries_the_signed_list(
        jwks_server: JwksServer, anchor_key: SigningKey, es256_key: SigningKey,
        tmp_path: Path) -> None:
    token = sign_vc(make_credential(), es256_key)
    listed = signed_list(anchor_key, [entry(jwks_server)], valid_for=timedelta(days=2))
    anchor = json.dumps(public_jwk(anchor_key.key.public_key()))
    loaded = verify_trust_list(listed, anchor=load_anchor_keys(anchor), algorithms=ALGORITHMS,
                               now=NOW)
    synced, _problems = bundle.sync(loaded.entries, algorithms=ALGORITHMS, timeout=5,
                                    clock=lambda: NOW, trust_list=loaded.token)
    assert len(synced.issuers) == 1  # (the test server's status lists name another issuer)
    path = tmp_path / "bundle.json"
    bundle.write_bundle(synced, path)
    assert bundle.load_bundle(path).trust_list == listed
    jwks_server.stop()  # offline: nothing but the bundle

    verifier = Verifier.from_settings(VerifierSettings(
        offline=True, bundle=path, trust_anchor_jwks=anchor, algorithms=list(ALGORITHMS)))
    try:
        result = verifier.verify(token, now=NOW + timedelta(days=1))
        assert result.check("issuer").ok is True, result.failures
        assert "Haryana Medical Council (test)" in result.check("issuer").detail
        other = sign_vc(make_credential(public_base="https://pramaan.ka.gov.in"), es256_key)
        assert verifier.verify(other, now=NOW).check("issuer").code == IssuerNotListed.code
        expired = verifier.verify(token, now=NOW + timedelta(days=2))
        assert expired.check("issuer").code == TrustListStale.code
        assert verdict_of(expired).state == v.CANNOT_CHECK
    finally:
        verifier.close()


def test_verifier_sync_puts_the_list_in_the_bundle(
        jwks_server: JwksServer, anchor_key: SigningKey, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    listed = signed_list(anchor_key, [entry(jwks_server)], valid_for=timedelta(days=36_500))
    publish(jwks_server, listed)
    monkeypatch.setenv("PRAMAAN_VERIFIER_TRUST_LIST_URL", jwks_server.base_url + LIST_PATH)
    monkeypatch.setenv("PRAMAAN_VERIFIER_TRUST_ANCHOR_JWKS",
                       json.dumps(public_jwk(anchor_key.key.public_key())))
    out = tmp_path / "bundle.json"
    # the CLI judges the test server's status lists by the wall clock: some may be left out (1)
    assert cli.main(["sync", "--out", str(out)]) in (0, 1)
    synced = bundle.load_bundle(out)
    assert synced.trust_list == listed
    assert [i.entry.name_hi for i in synced.issuers] == ["हरियाणा चिकित्सा परिषद"]
