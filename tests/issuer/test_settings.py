"""Issuer settings fail closed: without ``PRAMAAN_ENV`` the issuer is production and refuses every
built-in demo secret; relative paths resolve against ``PRAMAAN_HOME`` once, at load."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import SecretStr, ValidationError

from issuer.settings import (
    DEMO_LINK_SECRET,
    DEMO_PASSPHRASE,
    DEMO_SESSION_SECRET,
    IssuerSettings,
)

REAL: dict[str, Any] = {"key_passphrase": "a-real-passphrase-42",
                        "link_secrets": ["a-real-link-secret-42"],
                        "session_secrets": ["a-real-session-secret-42"]}
DEMO: dict[str, Any] = {"key_passphrase": DEMO_PASSPHRASE, "link_secrets": [DEMO_LINK_SECRET],
        "session_secrets": [DEMO_SESSION_SECRET]}
VARIABLES = {"key_passphrase": "PRAMAAN_KEY_PASSPHRASE", "link_secrets": "PRAMAAN_LINK_SECRETS",
             "session_secrets": "PRAMAAN_SESSION_SECRETS"}


@pytest.fixture(autouse=True)
def no_pramaan_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("PRAMAAN_"):
            monkeypatch.delenv(name)


def test_unset_env_means_production_and_refuses_the_built_in_secrets() -> None:
    with pytest.raises(ValidationError) as raised:
        IssuerSettings()
    message = raised.value.errors()[0]["msg"]
    assert "PRAMAAN_ENV is unset, which means production" in message
    for variable in VARIABLES.values():
        assert variable in message
    assert IssuerSettings(**REAL).env == "production"


@pytest.mark.parametrize("field", sorted(DEMO))
def test_each_demo_secret_is_refused_by_its_variable_name(field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        IssuerSettings(**(REAL | {field: DEMO[field]}))
    message = raised.value.errors()[0]["msg"]
    assert [v for v in VARIABLES.values() if v in message] == [VARIABLES[field]]
    assert "dev-only" not in message


def test_production_named_explicitly_refuses_them_too() -> None:
    with pytest.raises(ValidationError, match="PRAMAAN_ENV is production"):
        IssuerSettings(env="production", key_passphrase=SecretStr(DEMO_PASSPHRASE))


@pytest.mark.parametrize("env", ["dev", "test"])
def test_dev_and_test_accept_the_demo_secrets(env: Literal["dev", "test"]) -> None:
    settings = IssuerSettings(env=env)
    assert settings.demo_secrets() == list(VARIABLES.values())
    assert "dev-only" not in repr(settings)


def test_production_with_real_secrets_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRAMAAN_ENV", "production")
    monkeypatch.setenv("PRAMAAN_KEY_PASSPHRASE", REAL["key_passphrase"])
    monkeypatch.setenv("PRAMAAN_LINK_SECRETS", '["a-real-link-secret-42"]')
    monkeypatch.setenv("PRAMAAN_SESSION_SECRETS", '["a-real-session-secret-42"]')
    settings = IssuerSettings()
    assert settings.env == "production" and settings.demo_secrets() == []


def test_relative_paths_resolve_against_home_at_load(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    settings = IssuerSettings(**REAL, home=tmp_path / "a" / ".." / "home",
                              registry_files=[Path("councils.json")])
    home = tmp_path / "home"
    assert settings.home == home
    assert settings.database_url == f"sqlite:///{home}/var/pramaan.db"
    assert settings.maildir == home / "var" / "mail"
    assert settings.data_dir == home / "var" / "data"
    assert settings.registry_files == [home / "councils.json"]
    monkeypatch.chdir(tmp_path)
    assert IssuerSettings(**REAL).database_url == f"sqlite:///{tmp_path}/var/pramaan.db"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:////srv/p.db",
                                 "postgresql+psycopg://pramaan:pw@db.internal/pramaan"])
def test_other_database_urls_are_left_alone(url: str, tmp_path: Path) -> None:
    assert IssuerSettings(**REAL, home=tmp_path, database_url=url).database_url == url


def test_an_unparsable_database_url_names_the_variable_not_the_value() -> None:
    with pytest.raises(ValidationError) as raised:
        IssuerSettings(**REAL, database_url="pw-in-here:nonsense")
    assert "PRAMAAN_DATABASE_URL is not a database URL" in str(raised.value)
    assert "pw-in-here" not in raised.value.errors()[0]["msg"]
