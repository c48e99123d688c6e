"""``verifier check`` as a real subprocess: exit 0 valid, 1 not valid, 2 no credential at all."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image

from keys.signing import SigningKey
from tests.verifier.conftest import PUBLIC_BASE, JwksServer, make_credential, sign

VERIFIER = Path(sys.executable).with_name("verifier")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRAMAAN_VERIFIER_")}
    return subprocess.run([str(VERIFIER), *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


def check_json(*args: str) -> tuple[int, dict[str, Any]]:
    done = run("check", *args, "--json")
    return done.returncode, json.loads(done.stdout)


@pytest.fixture
def current_token(es256_key: SigningKey) -> str:
    """Valid by the wall clock, which is what the CLI reads."""
    now = datetime.now(UTC)
    return sign(make_credential(valid_from=now - timedelta(days=1),
                                valid_until=now + timedelta(days=30), issued_at=now), es256_key)


@pytest.fixture
def trust_flags(jwks_server: JwksServer) -> list[str]:
    return ["--issuer", PUBLIC_BASE, "--jwks", jwks_server.jwks_uri]


def test_valid_token_file(tmp_path: Path, current_token: str, trust_flags: list[str]) -> None:
    path = tmp_path / "credential.jwt"
    path.write_text(current_token + "\n")
    status, body = check_json(str(path), *trust_flags)
    assert status == 0
    assert body["verified"] is True
    assert body["credential"]["credentialSubject"]["registrationNumber"] == "HMC/2016/0045217"


def test_valid_pdf_offline_with_a_jwks_file(tmp_path: Path, current_token: str,
                                            jwks_server: JwksServer) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["credential.jwt"] = pikepdf.AttachedFileSpec(
        pdf, current_token.encode(), filename="credential.jwt", mime_type="application/vc+jwt")
    out = io.BytesIO()
    pdf.save(out)
    (tmp_path / "certificate.pdf").write_bytes(out.getvalue())
    (tmp_path / "jwks.json").write_text(json.dumps(jwks_server.document))
    status, body = check_json(str(tmp_path / "certificate.pdf"), "--issuer", PUBLIC_BASE,
                              "--jwks-file", str(tmp_path / "jwks.json"))
    assert status == 0 and body["verified"] is True
    assert jwks_server.hits == 0


def test_human_verdict(current_token: str, trust_flags: list[str]) -> None:
    done = run("check", current_token, *trust_flags)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].startswith("VALID: Registration Certificate for Dr. Venkata")
    assert [line.split()[0] for line in lines[1:-1]] == ["[ok"] * 9 + ["[--"]
    assert re.fullmatch(r"  checked \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d IST", lines[-1])


def test_tampered_token_is_1(current_token: str, trust_flags: list[str]) -> None:
    head, payload, signature = current_token.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    status, body = check_json(f"{head}.{payload}.{flipped}", *trust_flags)
    assert status == 1
    assert [c["code"] for c in body["checks"] if c["ok"] is False] == [
        "credential.bad_signature"]


def test_unreachable_jwks_is_1(current_token: str, jwks_server: JwksServer,
                               trust_flags: list[str]) -> None:
    jwks_server.status = 503
    status, body = check_json(current_token, *trust_flags)
    assert status == 1
    assert [c["code"] for c in body["checks"] if c["ok"] is False] == ["upstream.unavailable"]


def test_garbage_file_is_2(tmp_path: Path, trust_flags: list[str]) -> None:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    status, body = check_json(str(path), *trust_flags)
    assert status == 2
    assert body["error"] == "input.unreadable"


def test_a_missing_file_is_2_and_said_not_to_exist(tmp_path: Path,
                                                   trust_flags: list[str]) -> None:
    for source in ("missing.pdf", str(tmp_path / "nowhere" / "missing.pdf")):
        done = run("check", source, *trust_flags)
        assert done.returncode == 2
        assert f"{source} does not exist" in done.stderr
        assert "QR" not in done.stderr and "scan" not in done.stderr


def _blank_pdf() -> bytes:
    out = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize("corrupt", [
    lambda data: b"%PDF-1.7\n" + bytes(range(256)) * 8,  # the header, then noise
    lambda data: data[:len(data) // 2],  # cut off half-way
], ids=["noise", "truncated"])
def test_a_corrupted_pdf_is_said_not_to_be_a_readable_pdf(
        tmp_path: Path, trust_flags: list[str], corrupt: Callable[[bytes], bytes]) -> None:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(corrupt(_blank_pdf()))
    done = run("check", str(path), *trust_flags)
    assert done.returncode == 2
    assert "not a readable PDF" in done.stderr
    assert "QR" not in done.stderr and "scan" not in done.stderr


def test_text_that_is_no_credential_is_2(trust_flags: list[str]) -> None:
    done = run("check", "hello", *trust_flags)
    assert done.returncode == 2
    assert "CANNOT CHECK" in done.stderr and "qr.malformed" in done.stderr


def test_unpaired_issuer_flag_is_a_usage_error(current_token: str) -> None:
    done = run("check", current_token, "--issuer", PUBLIC_BASE)
    assert done.returncode == 2
    assert "--jwks" in done.stderr


class TestReport:
    """``verifier check`` over many files: a report for HR, progress on stderr."""

    @pytest.fixture
    def folder(self, tmp_path: Path, current_token: str, rogue_key: SigningKey) -> Path:
        folder = tmp_path / "staff"
        (folder / "ward-2").mkdir(parents=True)
        (folder / "a-valid.jwt").write_text(current_token)
        (folder / "ward-2" / "b-valid.txt").write_text(f"https://x.example/v#{current_token}")
        now = datetime.now(UTC)
        forged = sign(make_credential(valid_from=now - timedelta(days=1),
                                      valid_until=now + timedelta(days=30)), rogue_key)
        (folder / "c-forged.jwt").write_text(forged)
        blank = io.BytesIO()
        Image.new("L", (200, 200), 255).save(blank, "PNG")
        (folder / "d-blank.png").write_bytes(blank.getvalue())
        (folder / "notes.md").write_text("not a certificate")
        return folder

    def test_a_folder_to_csv(self, tmp_path: Path, folder: Path, trust_flags: list[str]
                             ) -> None:
        out = tmp_path / "report.csv"
        done = run("check", str(folder), "--report", str(out), *trust_flags)
        assert done.returncode == 1, done.stderr
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        assert [(Path(r["file"]).name, r["verdict"]) for r in rows] == [
            ("a-valid.jwt", "Valid"), ("c-forged.jwt", "Not genuine"),
            ("d-blank.png", "Unreadable"), ("b-valid.txt", "Valid")]
        assert rows[0]["name"] == "Dr. Venkata Lakshmi Narasimha Rao Bhagavatula"
        assert rows[0]["registration_number"] == "HMC/2016/0045217"
        assert rows[0]["council"] == "Haryana Medical Council"
        assert rows[0]["valid_until"] and rows[1]["name"] == ""
        assert "never published" in rows[1]["reason"]
        assert "[4/4]" in done.stderr and "2 of 4 valid" in done.stderr

    def test_files_to_json_all_valid(self, folder: Path, trust_flags: list[str]) -> None:
        done = run("check", str(folder / "a-valid.jwt"), str(folder / "ward-2" / "b-valid.txt"),
                   "--format", "json", *trust_flags)
        assert done.returncode == 0, done.stderr
        rows = json.loads(done.stdout)
        assert [row["state"] for row in rows] == ["valid", "valid"]

    def test_an_empty_folder(self, tmp_path: Path, trust_flags: list[str]) -> None:
        done = run("check", str(tmp_path), *trust_flags)
        assert done.returncode == 2 and "no certificate files" in done.stderr
