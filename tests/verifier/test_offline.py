"""Offline verification: ``verifier sync`` against the real servers, then ``check --offline``
with the servers stopped. Every offline answer says how old its status data is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from keys.signing import SigningKey
from schemas.errors import UnknownKey
from schemas.registry import Registry
from tests.verifier.conftest import ALGORITHMS, JwksServer, make_credential, sign
from verifier import bundle
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.verify import Verifier

VERIFIER = Path(sys.executable).with_name("verifier")
INDEX = 4_242


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PRAMAAN_VERIFIER_")}
    return subprocess.run([str(VERIFIER), *args], capture_output=True, text=True,
                          env=clean | env, timeout=60, check=False)


def check_json(*args: str, **env: str) -> tuple[int, dict[str, Any]]:
    done = run("check", *args, "--json", **env)
    return done.returncode, json.loads(done.stdout)


@pytest.fixture
def live(jwks_server: JwksServer) -> JwksServer:
    """The server issuing lists by the wall clock, which is what the CLI reads."""
    jwks_server.issued_at = datetime.now(UTC) - timedelta(minutes=1)
    return jwks_server


@pytest.fixture
def token(live: JwksServer, es256_key: SigningKey) -> str:
    now = datetime.now(UTC)
    credential = make_credential(public_base=live.base_url, valid_from=now - timedelta(days=1),
                                 valid_until=now + timedelta(days=30), issued_at=now,
                                 status=live.status_entries(INDEX))
    return sign(credential, es256_key)


@pytest.fixture
def council(live: JwksServer) -> TrustedIssuer:
    return TrustedIssuer(issuer=live.base_url, jwks_uri=live.jwks_uri, name="test council")


def trust_flags(server: JwksServer) -> list[str]:
    return ["--issuer", server.base_url, "--jwks", server.jwks_uri]


def sync_cli(server: JwksServer, out: Path) -> subprocess.CompletedProcess[str]:
    return run("sync", "--out", str(out), *trust_flags(server))


def test_sync_then_check_offline_with_the_servers_stopped(tmp_path: Path, live: JwksServer,
                                                          token: str) -> None:
    path = tmp_path / "trust.json"
    done = sync_cli(live, path)
    assert done.returncode == 0, done.stderr
    assert "2 status list(s)" in done.stdout
    document = json.loads(path.read_text())
    assert document["format"] == bundle.BUNDLE_FORMAT
    assert sorted(document["status_lists"]) == [live.list_url("revocation"),
                                                live.list_url("suspension")]
    live.stop()

    status, body = check_json(token, "--offline", "--bundle", str(path))
    assert status == 0, body
    assert body["verified"] is True
    assert body["status"]["source"] == "bundle" and body["status"]["state"] == "active"
    assert 0 <= body["status"]["ageSeconds"] < 600
    status_check = next(c for c in body["checks"] if c["check"] == "status")
    assert "from the offline bundle" in status_check["detail"]

    text = run("check", token, "--bundle", str(path))  # --bundle implies --offline
    assert text.returncode == 0, text.stdout + text.stderr
    assert "status data: offline bundle, as of" in text.stdout


def test_a_revocation_is_in_the_bundle(tmp_path: Path, live: JwksServer, token: str) -> None:
    live.revoked.add(INDEX)
    path = tmp_path / "trust.json"
    assert sync_cli(live, path).returncode == 0
    live.stop()
    status, body = check_json(token, "--offline", "--bundle", str(path))
    assert status == 1
    assert body["status"]["state"] == "revoked"
    detail = next(c for c in body["checks"] if c["check"] == "status")["detail"]
    assert "not available here" in detail and "offline bundle" in detail


def old_bundle(server: JwksServer, council: TrustedIssuer, path: Path, age: timedelta) -> None:
    """A bundle synced ``age`` ago: the lists were issued then, and fetched then."""
    then = datetime.now(UTC) - age
    server.issued_at = then - timedelta(minutes=1)
    synced, problems = bundle.sync([council], algorithms=ALGORITHMS, timeout=5,
                                   clock=lambda: then)
    assert problems == [] and len(synced.lists) == 2
    bundle.write_bundle(synced, path)


def test_an_old_bundle_still_reports_its_age(tmp_path: Path, live: JwksServer,
                                             council: TrustedIssuer, token: str) -> None:
    path = tmp_path / "trust.json"
    old_bundle(live, council, path, timedelta(days=3))
    live.stop()
    status, body = check_json(token, "--offline", "--bundle", str(path))
    assert status == 0, body
    assert 3 * 86_400 <= body["status"]["ageSeconds"] < 3 * 86_400 + 600
    text = run("check", token, "--offline", PRAMAAN_VERIFIER_BUNDLE=str(path))
    assert text.returncode == 0, text.stdout
    assert "3 days old" in text.stdout and "status data: offline bundle" in text.stdout


def test_a_bundle_past_the_maximum_age_is_stale(tmp_path: Path, live: JwksServer,
                                                council: TrustedIssuer, token: str) -> None:
    path = tmp_path / "trust.json"
    old_bundle(live, council, path, timedelta(days=8))
    live.stop()
    status, body = check_json(token, "--offline", "--bundle", str(path))
    assert status == 1
    assert body["verified"] is False
    check = next(c for c in body["checks"] if c["check"] == "status")
    assert (check["ok"], check["code"]) == (False, "status.stale")
    assert "8 days" in check["detail"]
    assert body["status"]["ageSeconds"] >= 8 * 86_400


def test_offline_without_a_bundle_is_never_valid(tmp_path: Path, live: JwksServer,
                                                 token: str) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(live.document))
    live.stop()
    flags = ["--offline", "--issuer", live.base_url, "--jwks-file", str(jwks)]
    status, body = check_json(token, *flags)
    assert status == 1
    assert body["verified"] is False
    check = next(c for c in body["checks"] if c["check"] == "status")
    assert (check["ok"], check["code"]) == (False, "status.unknown")
    assert next(c for c in body["checks"] if c["check"] == "signature")["ok"] is True
    text = run("check", token, *flags)
    assert text.returncode == 1
    assert "status data: none (offline without a trust bundle)" in text.stdout


def test_offline_uses_no_network(tmp_path: Path, live: JwksServer, council: TrustedIssuer,
                                 token: str, registry: Registry) -> None:
    path = tmp_path / "trust.json"
    synced, _problems = bundle.sync([council], algorithms=ALGORITHMS, timeout=5,
                                    clock=lambda: datetime.now(UTC))
    bundle.write_bundle(synced, path)
    live.revoked.add(INDEX)  # too late for the bundle
    hits, list_hits = live.hits, dict(live.list_hits)
    settings = VerifierSettings(trusted_issuers=[council], algorithms=list(ALGORITHMS),
                                offline=True, bundle=path, registry_files=[])
    verifier = Verifier.from_settings(settings)
    try:
        result = verifier.verify(token, now=datetime.now(UTC))
    finally:
        verifier.close()
    assert result.verified is True
    assert (live.hits, live.list_hits) == (hits, list_hits)
    del registry


def test_offline_an_unknown_key_fetches_nothing(tmp_path: Path, live: JwksServer,
                                               council: TrustedIssuer, es256_key: SigningKey,
                                               rogue_key: SigningKey) -> None:
    """The online store refetches the JWKS for a new kid; the bundle's store never does."""
    path = tmp_path / "trust.json"
    synced, _problems = bundle.sync([council], algorithms=ALGORITHMS, timeout=5,
                                    clock=lambda: datetime.now(UTC))
    bundle.write_bundle(synced, path)
    live.publish(es256_key, rogue_key)  # too late for the bundle
    hits = live.hits
    settings = VerifierSettings(trusted_issuers=[council], algorithms=list(ALGORITHMS),
                                offline=True, bundle=path, registry_files=[])
    verifier = Verifier.from_settings(settings)
    try:
        now = datetime.now(UTC)
        result = verifier.verify(sign(make_credential(public_base=live.base_url,
                                                      valid_from=now - timedelta(days=1)),
                                      rogue_key), now=now)
    finally:
        verifier.close()
    assert [(c.check, c.code) for c in result.failures] == [("key", UnknownKey.code)]
    assert live.hits == hits


def test_a_tampered_bundled_list_fails_verification(tmp_path: Path, live: JwksServer,
                                                    council: TrustedIssuer, token: str) -> None:
    path = tmp_path / "trust.json"
    synced, _problems = bundle.sync([council], algorithms=ALGORITHMS, timeout=5,
                                    clock=lambda: datetime.now(UTC))
    document = synced.to_json()
    live.revoked.add(INDEX)
    revoked_payload = live.list_token("revocation", 1).split(".")[1]
    url = live.list_url("revocation")
    header, _payload, signature = document["status_lists"][url]["token"].split(".")
    document["status_lists"][url]["token"] = f"{header}.{revoked_payload}x.{signature}"
    path.write_text(json.dumps(document))
    live.stop()
    status, body = check_json(token, "--offline", "--bundle", str(path))
    assert status == 1
    check = next(c for c in body["checks"] if c["check"] == "status")
    assert check["code"] in ("STATUS_VERIFICATION_ERROR",)


def test_sync_leaves_out_a_list_that_does_not_verify(tmp_path: Path, live: JwksServer,
                                                     rogue_key: SigningKey) -> None:
    live.list_signer = rogue_key
    path = tmp_path / "trust.json"
    done = sync_cli(live, path)
    assert done.returncode == 1
    assert "left out" in done.stderr and "publishes no key" in done.stderr
    assert json.loads(path.read_text())["status_lists"] == {}


def test_sync_with_nothing_reachable_writes_nothing(tmp_path: Path, live: JwksServer) -> None:
    live.status = 503
    path = tmp_path / "trust.json"
    done = sync_cli(live, path)
    assert done.returncode == 2
    assert not path.exists()


@pytest.mark.parametrize("content", ["not json", '{"format": "other"}',
                                     '{"format": "pramaan-verifier-bundle/1"}'])
def test_an_unreadable_bundle_is_unusable_input(tmp_path: Path, token: str,
                                                content: str) -> None:
    path = tmp_path / "trust.json"
    path.write_text(content)
    done = run("check", token, "--bundle", str(path))
    assert done.returncode == 2
    assert "trust bundle" in done.stderr
