"""``issuer … | head -1`` and ``verifier check … | head -1``: a reader that goes away ends the
command quietly (exit 141, 128 + SIGPIPE, as shell tools do), with no BrokenPipeError traceback.

Each command runs as a real process whose stdout pipe is closed before it writes a byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE


def _closed_stdout(command: list[str], env: dict[str, str], cwd: Path
                   ) -> subprocess.CompletedProcess[bytes]:
    reader, writer = os.pipe()
    os.close(reader)  # the reader has gone before the command starts: every write fails
    try:
        return subprocess.run(command, stdout=writer, stderr=subprocess.PIPE, env=env, cwd=cwd,
                              timeout=60, check=False)
    finally:
        os.close(writer)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PRAMAAN_")}
    return clean | {"PRAMAAN_ENV": "test", "PRAMAAN_KEY_PASSPHRASE": PASSPHRASE,
                    "PRAMAAN_KEY_KDF_COST": "10", "PRAMAAN_HOME": str(tmp_path)}


def test_issuer_ends_quietly_when_stdout_closes(env: dict[str, str], tmp_path: Path) -> None:
    issuer = [sys.executable, "-m", "issuer.cli"]
    subprocess.run([*issuer, "init"], env=env, cwd=tmp_path, check=True, capture_output=True,
                   timeout=60)
    done = _closed_stdout([*issuer, "keys", "list"], env, tmp_path)
    assert (done.returncode, done.stderr) == (141, b"")


def test_verifier_ends_quietly_when_stdout_closes(env: dict[str, str], tmp_path: Path) -> None:
    done = _closed_stdout([sys.executable, "-m", "verifier.cli", "check", "--json", "not-a-token"],
                          env, tmp_path)
    assert (done.returncode, done.stderr) == (141, b"")


def test_help_into_a_closed_pipe_is_quiet_too(env: dict[str, str], tmp_path: Path) -> None:
    for module in ("issuer.cli", "verifier.cli"):
        done = _closed_stdout([sys.executable, "-m", module, "--help"], env, tmp_path)
        assert done.returncode in (0, 141) and done.stderr == b"", module  # argparse swallows
