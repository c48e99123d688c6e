"""The newcomer's command starts both services with the settings in ``scripts/demo-env``: they
must parse, or the verifier refuses to start while the issuer runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from issuer.settings import IssuerSettings
from verifier.settings import VerifierSettings

ROOT = Path(__file__).resolve().parents[1]


def test_demo_settings_parse_for_both_services(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    printed = subprocess.run(["bash", "-c", "source scripts/demo-env && env -0"], cwd=ROOT,
                             capture_output=True, check=True, env={"PATH": "/usr/bin:/bin"})
    demo = dict(line.split("=", 1) for line in printed.stdout.decode().split("\0") if "=" in line)
    for name, value in demo.items():
        if name.startswith("PRAMAAN_"):
            monkeypatch.setenv(name, value)
    issuer = IssuerSettings()
    verifier = VerifierSettings()
    assert [t.jwks_uri for t in verifier.trusted_issuers] == [
        f"{issuer.public_base_url}/.well-known/jwks.json"]
    assert json.loads(demo["PRAMAAN_VERIFIER_TRUSTED_ISSUERS"])[0]["issuer"] == \
        issuer.public_base_url
    assert verifier.page_url == issuer.verify_page_url
    assert issuer.home == ROOT and issuer.database_url == f"sqlite:///{ROOT}/var/pramaan.db"
