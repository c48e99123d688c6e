"""Issuer settings (environment prefix ``PRAMAAN_``). Nothing is read at import time.

Demo secrets are refused outside ``env=dev`` (the FastAPI template's
``_enforce_non_default_secrets``): a production deployment cannot start with the passphrase
the README prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_PASSPHRASE = "dev-only-passphrase-change-me"


class IssuerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRAMAAN_", env_file=None, extra="ignore")

    env: Literal["dev", "test", "production"] = "dev"
    database_url: str = "sqlite:///var/pramaan.db"
    key_passphrase: SecretStr = SecretStr(DEMO_PASSPHRASE)
    signing_algorithm: Literal["ES256", "ES384", "EdDSA"] = "ES256"
    key_kdf_cost: int = 15  # log2 of scrypt N for sealing private keys; tests use less
    public_base_url: str = "http://127.0.0.1:8000"
    verify_page_url: str = "http://127.0.0.1:8001/v"
    registry_files: list[Path] = []
    max_request_bytes: int = 256 * 1024
    status_list_ttl_seconds: int = Field(default=300, ge=1, le=86_400)
    """How long verifiers may cache a status list (W3C ``ttl``, HTTP ``Cache-Control``): the
    longest a revocation can take to reach them."""
    status_list_entries: int = Field(default=131_072, ge=131_072, multiple_of=8)

    @model_validator(mode="after")
    def _refuse_demo_secrets(self) -> IssuerSettings:
        if self.env == "production" and self.key_passphrase.get_secret_value() == DEMO_PASSPHRASE:
            raise ValueError("PRAMAAN_KEY_PASSPHRASE is the demo passphrase; set a real one "
                             "(or PRAMAAN_ENV=dev for a local demo)")
        if len(self.key_passphrase.get_secret_value()) < 12:
            raise ValueError("PRAMAAN_KEY_PASSPHRASE must be at least 12 characters")
        return self
