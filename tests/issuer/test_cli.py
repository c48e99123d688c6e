"""The ``issuer`` command run as a real process against a fresh SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from issuer.settings import DEMO_PASSPHRASE, IssuerSettings
from tests.conftest import PASSPHRASE, registrant_data
from tests.pdfsig import pdfsig

ISSUER = [sys.executable, "-m", "issuer.cli"]


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "PRAMAAN_ENV": "test", "PRAMAAN_KEY_PASSPHRASE": PASSPHRASE,
           "PRAMAAN_KEY_KDF_COST": "10", "PRAMAAN_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
           "PRAMAAN_PUBLIC_BASE_URL": "https://pramaan.hr.gov.in"}

    def _run(*args: str, token: str | None = None, ok: bool = True
             ) -> subprocess.CompletedProcess[str]:
        extra = {"PRAMAAN_TOKEN": token} if token else {}
        result = subprocess.run([*ISSUER, *args], check=False, capture_output=True, text=True,
                                timeout=60,
                                env=env | extra, cwd=tmp_path)
        assert (result.returncode == 0) == ok, result.stdout + result.stderr
        return result
    return _run


def test_cli_sets_up_registers_issues_and_rotates(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    init = run("init").stdout
    assert "created signing key" in init
    assert "created the demo certifying authority" in init
    assert "issued 5 council document-signing certificates" in init
    assert "created the demo certifying" not in run("init").stdout  # made once
    token = run("tokens", "create", "--name", "asha", "--role", "registrar",
                "--council", "hmc").stdout.splitlines()[-1]
    assert token.startswith("prm_")
    data = registrant_data()
    (tmp_path / "person.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert "registration 1" in run("register", "person.json", token=token).stdout
    number = data["registration"]["registration_number"]
    issued = run("issue", "--council", "hmc", "--number", number, "--type", "noc",
                 "--purpose", "Transfer", "--destination", "Punjab Medical Council",
                 token=token).stdout
    certificate = issued.split()[1]
    shown = json.loads(run("show", certificate, token=token).stdout)
    assert shown["credential"]["credentialSubject"]["destination"] == "Punjab Medical Council"
    jwt_text = run("show", certificate, "--format", "jwt", token=token).stdout.strip()
    assert jwt_text == shown["token"]
    run("show", certificate, "--format", "pdf", "--out", "c.pdf", token=token)
    signature = pdfsig((tmp_path / "c.pdf").read_bytes(), tmp_path)
    assert "Signature is Valid." in signature and "Haryana Medical Council" in signature
    rotated = run("keys", "rotate", "--alg", "EdDSA").stdout
    assert "issued 5 council document-signing certificates for key" in rotated
    listing = run("keys", "list").stdout.splitlines()
    assert [line.split()[2] for line in listing] == ["active", "next"]  # published, not signing
    assert "-----BEGIN" not in " ".join(listing)


def test_cli_errors_say_what_to_do(run) -> None:  # type: ignore[no-untyped-def]
    run("init")
    denied = run("issue", "--council", "hmc", "--number", "X", "--type", "registration", ok=False)
    assert denied.returncode == 2 and "staff token is required" in denied.stderr
    assert "hint:" in denied.stderr
    wrong_council = run("tokens", "create", "--name", "x", "--role", "registrar",
                        "--council", "nowhere", ok=False)
    assert "unknown: ['nowhere']" in wrong_council.stderr


def test_production_refuses_the_demo_passphrase() -> None:
    with pytest.raises(ValidationError, match="PRAMAAN_KEY_PASSPHRASE"):
        IssuerSettings(env="production", key_passphrase=SecretStr(DEMO_PASSPHRASE))
    assert IssuerSettings(env="dev", key_passphrase=SecretStr(DEMO_PASSPHRASE)).env == "dev"
    assert "dev-only" not in repr(IssuerSettings(env="dev"))


def test_cli_changes_status_and_reissues_after_a_compromise(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("init")
    kid = run("keys", "list").stdout.split()[0]
    token = run("tokens", "create", "--name", "registrar", "--role", "registrar",
                "--council", "hmc").stdout.splitlines()[-1]
    numbers = []
    for _ in range(3):
        data = registrant_data()
        (tmp_path / "person.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        run("register", "person.json", token=token)
        issued = run("issue", "--council", "hmc", "--number",
                     data["registration"]["registration_number"], "--type", "registration",
                     token=token).stdout
        numbers.append(issued.split()[1])
    first, second, third = numbers
    assert "suspended" in run("suspend", first, "--until", "2099-01-31",
                              "--reason", "court_order", token=token).stdout
    twice = run("suspend", first, token=token, ok=False)
    assert twice.returncode == 2 and "only an active certificate" in twice.stderr
    assert "reinstated" in run("reinstate", first, token=token).stdout
    assert "revoked" in run("revoke", second, "--reason", "deceased", token=token).stdout
    refused = run("reinstate", second, token=token, ok=False)
    assert "revocation is permanent" in refused.stderr
    bad_reason = run("revoke", third, "--reason", "whim", token=token, ok=False)
    assert bad_reason.returncode == 2

    compromised = run("keys", "compromise", "--", kid).stdout  # a kid may start with "-"
    assert "2 still-valid certificates" in compromised
    listing = run("keys", "list").stdout
    assert "COMPROMISED" in listing and "active" in listing
    reissued = run("reissue", f"--key={kid}", token=token).stdout
    assert "[1/2]" in reissued and "[2/2]" in reissued and "re-issued 2, failed 0" in reissued
    assert "re-issued 0, failed 0" in run("reissue", f"--key={kid}", token=token).stdout
    shown = json.loads(run("show", first, token=token).stdout)
    assert shown["kid"] == kid


def test_cli_tokens_expire_are_listed_and_revoked(run) -> None:  # type: ignore[no-untyped-def]
    run("init")
    made = run("tokens", "create", "--name", "desk", "--role", "viewer", "--council", "hmc",
               "--days", "7").stdout
    token = made.splitlines()[-1]
    assert "expires" in made
    run("tokens", "create", "--name", "other", "--role", "viewer", "--council", "hmc")
    listing = run("tokens", "list").stdout
    assert "prm_" not in listing and "desk" in listing and "other" in listing
    missing = run("show", "HMC-RC-0000-0000", token=token, ok=False)
    assert "does not exist" in missing.stderr
    assert "revoked" in run("tokens", "revoke", "desk").stdout
    refused = run("show", "HMC-RC-0000-0000", token=token, ok=False)
    assert "staff token is required" in refused.stderr
    after = {line.split()[1]: line for line in run("tokens", "list").stdout.splitlines()}
    assert "REVOKED" in after["desk"] and "REVOKED" not in after["other"]
    assert "revoked" in run("tokens", "revoke", after["other"].split()[0]).stdout
    assert run("tokens", "revoke", "nobody", ok=False).returncode == 2
    too_long = run("tokens", "create", "--name", "x", "--role", "viewer", "--council", "hmc",
                   "--days", "1000", ok=False)
    assert "1 to 730 days" in too_long.stderr
