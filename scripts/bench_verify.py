#!/usr/bin/env python3
"""Verifications per second over HTTP, against a bare FastAPI endpoint on the same machine.

The verifier (``POST /verify`` with a JSON token: signature, data model, validity, schema) and a
bare FastAPI app with one JSON POST route each run in uvicorn pinned to CPU 0; ``wrk`` (Debian
package ``wrk``) loads them from CPU 1 over loopback with keep-alive connections. The issuer's
JWKS is given to the verifier as a file, so no third process competes for the cores. The two are
loaded in turn for ``--rounds`` rounds and each keeps its best rate, so that a burst of other work
on a shared machine lowers one round, not the ratio.
Usage: scripts/bench_verify.py [--seconds N] [--connections N] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]

from keys.keyring import KeyRing
from keys.signing import SigningKey, sign_credential
from keys.storage import generate_private_key
from schemas import credential as vc
from schemas.registry import default_registry

BASE = "https://pramaan.hr.gov.in"
BARE_APP = """
from fastapi import FastAPI
from pydantic import BaseModel
class Body(BaseModel):
    token: str
app = FastAPI()
@app.post("/verify")
def verify(body: Body) -> dict[str, object]:
    return {"verified": True, "length": len(body.token)}
"""


def reference_token(key: SigningKey) -> str:
    registry = default_registry()
    record = vc.PractitionerRecord(
        name="Dr. Venkata Lakshmi Narasimha Rao Bhagavatula",
        name_hi="डॉ. वेंकट लक्ष्मी नरसिम्हा राव भागवतुला",
        father_name="Sri Rama Chandra Murthy Bhagavatula",
        registration_number="HMC/2016/0045217", registration_date=date(2016, 7, 14),
        registration_type="permanent", qualifications=(
            vc.Qualification("MBBS", "Pt. Bhagwat Dayal Sharma University of Health Sciences, "
                             "Rohtak", 2015),
            vc.Qualification("MD (General Medicine)", "Pt. Bhagwat Dayal Sharma University of "
                             "Health Sciences, Rohtak", 2019)))
    draft = vc.CredentialDraft(registry.certificate_type("registration"),
                               registry.council("hmc"), record, "HMC-RC-7K3M-Q9PX",
                               vc.start_of_day(date(2024, 7, 14)),
                               vc.end_of_day(date(2029, 7, 13)))
    credential = vc.build_credential(draft, public_base=BASE, issued_at=datetime.now(UTC))
    return sign_credential(vc.encode_payload(credential), key)


def serve(command: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(["taskset", "-c", "0", *command, "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=0.5)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")


def load(url: str, body: str, seconds: int, connections: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                     f"wrk.body = {json.dumps(body)}\n")
        script.flush()
        out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}",
                              f"-d{seconds}s", "-s", script.name, url],
                             capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"errors while loading {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("install wrk (apt-get install wrk)")
    key = SigningKey.from_private_key(generate_private_key("ES256"))
    token = reference_token(key)
    with tempfile.TemporaryDirectory(prefix="pramaan-bench-") as scratch:
        compare(Path(scratch), token, key, args)


def compare(workdir: Path, token: str, key: SigningKey, args: argparse.Namespace) -> None:
    """Serve both apps from ``workdir`` and load them in turn; print each one's best rate."""
    (workdir / "jwks.json").write_text(json.dumps(KeyRing.of([key], signer_kid=key.kid).jwks()))
    (workdir / "bare.py").write_text(BARE_APP)
    env = {**os.environ, "PYTHONPATH": f"{workdir}:{ROOT}",
           "PRAMAAN_VERIFIER_RATE_LIMIT_PER_MINUTE": "0",  # wrk is one client
           "PRAMAAN_VERIFIER_TRUSTED_ISSUERS": json.dumps([{
               "issuer": BASE, "jwks_uri": (workdir / "jwks.json").as_uri(), "name": "bench"}])}
    uvicorn = [sys.executable, "-m", "uvicorn", "--no-access-log", "--log-level", "warning"]
    body = json.dumps({"token": token})
    apps = {"bare FastAPI": ([*uvicorn, "bare:app"], 8791),
            "verifier /verify": ([*uvicorn, "--factory", "verifier.api:app_from_env"], 8792)}
    servers: list[subprocess.Popen[bytes]] = []
    results: dict[str, float] = {}
    try:
        for command, port in apps.values():
            servers.append(serve(command, port, env))
            check = httpx.post(f"http://127.0.0.1:{port}/verify", content=body,
                               headers={"Content-Type": "application/json"}).json()
            assert check["verified"] is True, check
            load(f"http://127.0.0.1:{port}/verify", body, 2, args.connections)  # warm-up
        for _ in range(args.rounds):
            for name, (_command, port) in apps.items():
                rate = load(f"http://127.0.0.1:{port}/verify", body, args.seconds,
                            args.connections)
                print(f"  {name}: {rate:.0f} requests/s", file=sys.stderr)
                results[name] = max(rate, results.get(name, 0.0))
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    for name, rate in results.items():
        print(f"{name}: {rate:.0f} requests/s (server on one core, best of {args.rounds})")
    ratio = results["verifier /verify"] / results["bare FastAPI"]
    print(f"verifier throughput = {ratio:.0%} of the bare endpoint")


if __name__ == "__main__":
    main()
