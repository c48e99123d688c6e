"""``issuer registrations …`` and ``issuer proceedings …`` in-process, on the test clock: each
prints what it changed, every certificate included."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from issuer.cli import main
from tests.clock import TestClock
from tests.conftest import PASSPHRASE, registrant_data

Run = Callable[..., str]


@pytest.fixture
def issuer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Run:
    for name in list(os.environ):
        if name.startswith("PRAMAAN_"):
            monkeypatch.delenv(name)
    for name, value in {"ENV": "test", "KEY_PASSPHRASE": PASSPHRASE, "KEY_KDF_COST": "10",
                        "HOME": str(tmp_path)}.items():
        monkeypatch.setenv(f"PRAMAAN_{name}", value)
    monkeypatch.chdir(tmp_path)

    def run(*args: str, code: int = 0) -> str:
        result = main(list(args), clock=TestClock())
        out, err = capsys.readouterr()
        assert result == code, out + err
        assert "Traceback" not in err
        return out + err
    return run


def test_the_register_from_the_command_line(issuer: Run, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    issuer("init")
    token = issuer("tokens", "create", "--name", "asha", "--role", "registrar",
                   "--council", "hmc").splitlines()[-1]
    monkeypatch.setenv("PRAMAAN_TOKEN", token)
    data = registrant_data()
    (tmp_path / "person.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    issuer("register", "person.json")
    number = data["registration"]["registration_number"]
    at = ("--council", "hmc")
    rc = issuer("issue", *at, "--number", number, "--type", "registration").split()[1]
    gs = issuer("issue", *at, "--number", number, "--type", "good-standing", "--addressee",
                "GMC", "--purpose", "abroad").split()[1]

    out = issuer("registrations", "suspend", number, *at, "--reason", "disciplinary_inquiry",
                 "--until", "2027-01-31", "--order", "HMC/DC/17")
    assert f"suspended certificate {rc}" in out and f"suspended certificate {gs}" in out
    assert "state: active -> suspended" in out and "order HMC/DC/17" in out
    refused = issuer("issue", *at, "--number", number, "--type", "good-standing",
                     "--addressee", "GMC", "--purpose", "abroad", code=2)
    assert "is suspended until 2027-01-31" in refused
    shown = issuer("registrations", "show", number, *at)
    assert "state: suspended (disciplinary_inquiry)" in shown
    assert "refuses good-standing: registration.suspended" in shown
    out = issuer("registrations", "restore", number, *at)
    assert f"reinstated certificate {rc}" in out and f"reinstated certificate {gs}" in out

    out = issuer("registrations", "correct", number, *at, "--field", "name", "--value",
                 "Asha Rani Verma")
    assert out.count("re-issued certificate") == 2 and f"{rc} revoked as superseded" in out

    out = issuer("proceedings", "open", number, *at, "--reference", "HMC/DC/18")
    assert "proceedings opened" in out
    assert "registration.proceedings_open" in issuer("registrations", "show", number, *at)
    out = issuer("proceedings", "close", number, *at, "--reference", "HMC/DC/18",
                 "--outcome", "no case")
    assert "proceedings closed" in out

    out = issuer("registrations", "remove", number, *at, "--reason", "deceased")
    assert out.count("revoked certificate") == 2
    assert "error: registration" in issuer("registrations", "restore", "NO/SUCH", *at, code=2)
    assert "enqueued 0 reminder(s)" in issuer("registrations", "remind")
