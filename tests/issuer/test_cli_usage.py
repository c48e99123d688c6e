"""The ``issuer`` command's answers to a user's mistakes: one clear line and an exit code, never a
traceback, and no database created by any command but ``init`` and ``demo``. Runs ``main``
in-process (with the test clock) from a directory of the test's own."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from issuer import db
from issuer.cli import main
from issuer.cli.instance import require_schema
from issuer.state import build_state
from schemas.errors import ConfigurationError
from tests.clock import TestClock
from tests.conftest import PASSPHRASE, make_settings, registrant_data
from tests.live import POSTGRES_URL

Run = Callable[..., tuple[str, str]]


@pytest.fixture
def issuer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
           ) -> Run:
    """``issuer ARGS…`` run in ``tmp_path/elsewhere``; returns (stdout, stderr)."""
    for name in list(os.environ):
        if name.startswith("PRAMAAN_"):
            monkeypatch.delenv(name)
    for name, value in {"ENV": "test", "KEY_PASSPHRASE": PASSPHRASE, "KEY_KDF_COST": "10",
                        "HOME": str(tmp_path / "home")}.items():
        monkeypatch.setenv(f"PRAMAAN_{name}", value)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")

    def run(*args: str, code: int = 0) -> tuple[str, str]:
        result = main(list(args), clock=TestClock())
        out, err = capsys.readouterr()
        assert result == code, out + err
        assert "Traceback" not in err
        return out, err
    return run


@pytest.mark.parametrize("command", [["keys", "list"], ["audit", "verify"], ["show", "X"],
                                     ["tokens", "create", "--name", "a", "--role", "admin",
                                      "--council", "*"]])
def test_a_missing_database_is_named_and_never_created(issuer: Run, tmp_path: Path,
                                                       command: list[str]) -> None:
    _, err = issuer(*command, code=1)
    where = tmp_path / "home" / "var" / "pramaan.db"
    assert err == (f"error: no database at {where}: run `issuer init` to create it, or set "
                   "PRAMAAN_HOME or PRAMAAN_DATABASE_URL to where it is\n")
    assert not (tmp_path / "home").exists() and not any((tmp_path / "elsewhere").iterdir())


def test_init_creates_it_under_home_whatever_the_directory(issuer: Run, tmp_path: Path) -> None:
    out, _ = issuer("init")
    assert f"database ready: {tmp_path}/home/var/pramaan.db" in out
    assert "ES256" in issuer("keys", "list")[0]


def test_an_empty_database_says_to_run_init(issuer: Run, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    sqlite3.connect(tmp_path / "empty.db").close()
    monkeypatch.setenv("PRAMAAN_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    _, err = issuer("keys", "list", code=1)
    assert err.startswith(f"error: the database {tmp_path}/empty.db has no Pramaan tables: "
                          "run `issuer init`")
    assert err.count("\n") == 1


def test_a_file_that_is_no_database_is_one_line(issuer: Run, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes.db").write_text("not a database at all, but long enough to be read")
    monkeypatch.setenv("PRAMAAN_DATABASE_URL", f"sqlite:///{tmp_path}/notes.db")
    _, err = issuer("keys", "list", code=1)
    assert err == f"error: cannot open the database {tmp_path}/notes.db: file is not a database\n"


@pytest.mark.postgresql
def test_an_unmigrated_postgresql_schema_says_to_run_init() -> None:
    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = db.make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = db.make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    state = build_state(make_settings(POSTGRES_URL), engine)
    try:
        with pytest.raises(ConfigurationError, match="has no Pramaan tables: run `issuer init`"):
            require_schema(state)
        db.migrate(engine)
        require_schema(state)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


UNSET_ENV = ("error: settings: built-in demo secrets are refused (PRAMAAN_ENV is unset, which "
             "means production): set PRAMAAN_LINK_SECRETS, PRAMAAN_SESSION_SECRETS to real "
             "secrets, or PRAMAAN_ENV=dev for a local demo")
UNKNOWN_ENV = "error: settings: PRAMAAN_ENV: Input should be 'dev', 'test' or 'production'"
NOT_JSON = ("error: settings: PRAMAAN_LINK_SECRETS cannot be parsed: lists and objects are JSON, "
            'e.g. ["first", "second"]')


@pytest.mark.parametrize(("variable", "value", "line"), [
    ("PRAMAAN_ENV", None, UNSET_ENV), ("PRAMAAN_ENV", "prod", UNKNOWN_ENV),
    ("PRAMAAN_LINK_SECRETS", "not-json", NOT_JSON)])
def test_bad_settings_are_one_line_naming_the_variable(
        issuer: Run, monkeypatch: pytest.MonkeyPatch, variable: str, value: str | None,
        line: str) -> None:
    if value is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, value)
    assert issuer("init", code=2) == ("", line + "\n")


@pytest.mark.parametrize("group", ["keys", "tokens", "audit"])
def test_a_group_without_an_action_prints_its_own_help(issuer: Run, group: str) -> None:
    out, err = issuer(group, code=2)
    assert out == "" and err.startswith(f"usage: issuer {group} [-h] ACTION")
    assert "``" not in err


def test_no_command_prints_the_top_level_help_without_markup(issuer: Run) -> None:
    _, err = issuer(code=2)
    assert err.startswith("usage: issuer [-h] COMMAND") and "``" not in err


@pytest.fixture
def certificate(issuer: Run, tmp_path: Path) -> tuple[str, str]:
    """A certificate number in a fresh database, and a registrar token that may see it."""
    issuer("init")
    token = issuer("tokens", "create", "--name", "asha", "--role", "registrar",
                   "--council", "hmc")[0].splitlines()[-1]
    data = registrant_data()
    (tmp_path / "person.json").write_text(json.dumps(data), "utf-8")
    issuer("register", str(tmp_path / "person.json"), "--token", token)
    out, _ = issuer("issue", "--council", "hmc", "--number",
                    data["registration"]["registration_number"], "--type", "registration",
                    "--token", token)
    return out.split()[1], token


def test_show_writes_every_format_to_out(issuer: Run, certificate: tuple[str, str],
                                         tmp_path: Path) -> None:
    number, token = certificate
    printed = {fmt: issuer("show", number, "--format", fmt, "--token", token)[0]
               for fmt in ("json", "jwt")}
    for fmt in ("json", "jwt", "pdf"):
        out, _ = issuer("show", number, "--format", fmt, "--out", str(tmp_path / fmt),
                        "--token", token)
        assert out == f"{fmt.upper()} written to {tmp_path / fmt}\n"
    assert (tmp_path / "json").read_text() == printed["json"]
    assert (tmp_path / "jwt").read_text() == printed["jwt"]
    assert json.loads(printed["json"])["token"] == printed["jwt"].strip()
    assert (tmp_path / "pdf").read_bytes().startswith(b"%PDF-")
    _, err = issuer("show", number, "--format", "pdf", "--token", token, code=2)
    assert err == "error: --out FILE is required for a PDF\n"


def test_user_mistakes_are_errors_not_tracebacks(issuer: Run, certificate: tuple[str, str],
                                                 tmp_path: Path) -> None:
    number, token = certificate
    _, err = issuer("show", "HMC-RC-NONE-0000", "--token", token, code=2)
    assert err.startswith("error: certificate HMC-RC-NONE-0000 does not exist in the register "
                          "of hmc\n")
    _, err = issuer("register", str(tmp_path / "missing.json"), "--token", token, code=2)
    assert err == f"error: {tmp_path}/missing.json cannot be read: No such file or directory\n"
    (tmp_path / "broken.json").write_text('{"professional": ')
    _, err = issuer("register", str(tmp_path / "broken.json"), "--token", token, code=2)
    assert err.startswith(f"error: {tmp_path}/broken.json is not JSON: Expecting value at line 1")
    (tmp_path / "number.json").write_text("42")
    _, err = issuer("register", str(tmp_path / "number.json"), "--token", token, code=2)
    assert "holds neither a registrant nor a list of them" in err
    _, err = issuer("show", number, "--out", str(tmp_path / "no" / "dir.json"), "--token", token,
                    code=2)
    assert err == f"error: {tmp_path}/no/dir.json cannot be written: No such file or directory\n"


def test_demo_reruns_keep_the_token_file_and_replace_a_lost_one(
        issuer: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRAMAAN_ENV", "dev")
    token_file = tmp_path / "home" / "var" / "demo-token.txt"
    out, _ = issuer("demo")
    assert f"written to {token_file}" in out
    first = token_file.read_text()
    assert "still works; kept" in issuer("demo")[0] and token_file.read_text() == first
    token_file.write_text("prm_lost\n")
    issuer("demo")
    second = token_file.read_text().strip()
    assert second != first.strip()
    _, err = issuer("show", "HMC-RC-NONE-0000", "--token", first.strip(), code=2)
    assert "staff token is required" in err
    _, err = issuer("show", "HMC-RC-NONE-0000", "--token", second, code=2)
    assert "does not exist" in err
