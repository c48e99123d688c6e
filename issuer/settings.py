"""Issuer settings (environment prefix ``PRAMAAN_``). Nothing is read at import time.

Fail closed: ``PRAMAAN_ENV`` unset means ``production``, and production refuses every built-in
demo secret (key passphrase, link secrets, session secrets), naming the variable to set (the
FastAPI template's ``_enforce_non_default_secrets``). Only an explicit ``PRAMAAN_ENV=dev`` or
``test`` accepts them, so a deployment that forgot a variable does not start with the passphrase
the README prints.

Relative paths resolve against ``PRAMAAN_HOME`` (default: the current directory when the settings
are loaded), once, at load: a relative SQLite ``database_url`` (``sqlite:///var/pramaan.db``),
``maildir``, ``data_dir`` and ``registry_files`` are absolute from then on, so every message names
a real location and a later ``chdir`` changes nothing. ``scripts/demo-env`` sets ``PRAMAAN_HOME``
to the repository, so the demo's ``var/`` is the same wherever a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEMO_PASSPHRASE = "dev-only-passphrase-change-me"  # noqa: S105 (the demo value, refused outside dev/test)
DEMO_LINK_SECRET = "dev-only-link-secret-change-me"  # noqa: S105 (the demo value, refused outside dev/test)
DEMO_SESSION_SECRET = "dev-only-session-secret-change-me"  # noqa: S105 (the demo value, refused outside dev/test)
DEMO_ENVS = ("dev", "test")
"""The only values of ``PRAMAAN_ENV`` that accept the built-in demo secrets."""


class DigiLockerDocType(BaseModel):
    """One DigiLocker DocType: which council's certificate type it is, and the custom search
    parameters configured for it on the Partner Portal (element name -> register field)."""

    doc_type: str = Field(pattern=r"^[A-Za-z]{1,10}$")
    council: str
    certificate_type: str
    description: str = ""
    search: dict[str, Literal["registration_number", "certificate_number"]] = Field(
        default={"RegistrationNo": "registration_number"}, min_length=1)


def _demo_doc_types() -> list[DigiLockerDocType]:
    return [DigiLockerDocType(doc_type="HMCRC", council="hmc", certificate_type="registration",
                              description="Medical Registration Certificate"),
            DigiLockerDocType(doc_type="HMCGS", council="hmc", certificate_type="good-standing",
                              description="Medical Good Standing Certificate"),
            DigiLockerDocType(doc_type="HMCNC", council="hmc", certificate_type="noc",
                              description="Medical No-Objection Certificate")]


class IssuerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRAMAAN_", env_file=None, extra="ignore")

    env: Literal["dev", "test", "production"] = "production"
    home: Path = Field(default_factory=Path.cwd)
    """What relative paths below resolve against (``PRAMAAN_HOME``); absolute after loading."""
    database_url: str = "sqlite:///var/pramaan.db"
    key_passphrase: SecretStr = SecretStr(DEMO_PASSPHRASE)
    signing_algorithm: Literal["ES256", "ES384", "EdDSA"] = "ES256"
    key_kdf_cost: int = 15  # log2 of scrypt N for sealing private keys; tests use less
    key_prepublish_seconds: int = Field(default=600, ge=0, le=30 * 86_400)
    """How long a rotated-in key is published before it signs: longer than verifiers cache the
    JWKS (ours: ``PRAMAAN_VERIFIER_JWKS_CACHE_SECONDS``, 300 s; the JWKS' own ``max-age`` is
    300 s too), so none meets a credential whose key it has not fetched."""
    public_base_url: str = "http://127.0.0.1:8000"
    verify_page_url: str = "http://127.0.0.1:8001/v"
    registry_files: list[Path] = []
    max_request_bytes: int = 256 * 1024
    status_list_ttl_seconds: int = Field(default=300, ge=1, le=86_400)
    """How long verifiers may cache a status list (W3C ``ttl``, HTTP ``Cache-Control``): the
    longest a revocation can take to reach them."""
    status_list_entries: int = Field(default=131_072, ge=131_072, multiple_of=8)
    status_position_block: int = Field(default=1, ge=1, le=1024)
    """Status-list positions an issuer process reserves at a time, on PostgreSQL (1: each is
    taken inside its issuing transaction). Several issuer processes issuing for one council
    should set e.g. 32 (``issuer.status.allocation.PositionPool``, ``docs/scale.md``)."""

    # -- delivery: e-mail (docs/delivery in README) ------------------------------------------
    smtp_host: str | None = None
    """None: mails are written to ``maildir`` instead (the embedded default, for the demo)."""
    smtp_port: int = 587
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = 20.0
    mail_from: str = "Pramaan <no-reply@pramaan.invalid>"
    maildir: Path = Path("var/mail")
    link_secrets: list[SecretStr] = [SecretStr(DEMO_LINK_SECRET)]
    """Keys for signed download links; the last signs, all verify (rotate by appending)."""
    link_ttl_days: int = Field(default=7, ge=1, le=90)
    outbox_worker: bool = True
    """Run the outbox worker in the issuer service (``issuer serve``)."""
    outbox_poll_seconds: float = Field(default=2.0, gt=0)
    outbox_retry_seconds: float = Field(default=30.0, gt=0)
    """First retry delay; it doubles on each failure, up to ``outbox_retry_max_seconds``."""
    outbox_retry_max_seconds: float = Field(default=3600.0, gt=0)
    outbox_max_attempts: int = Field(default=15, ge=1)
    outbox_rate: float | None = Field(default=None, gt=0)
    """Sends (mails and DigiLocker pushes) a second, for all worker processes together
    (``issuer.outbox.pace``); None: as fast as they go. Bulk issuance of 100,000 certificates
    with ``PRAMAAN_OUTBOX_RATE=20`` drains in under an hour and a half."""

    # -- PDF signing (docs/credential.md, "The PDF's own signature") ----------------------
    pdf_certificates_dir: Path | None = None
    """Production: ``<council id>.pem`` per council, its document-signing certificate chain
    (leaf first) for the current signing key. Unset: certificates from the demo authority that
    ``issuer init`` makes in dev and test (none in production: PDFs are then refused)."""

    # -- online applications (docs/applications.md) ----------------------------------------
    data_dir: Path = Path("var/data")
    """Uploaded documents live in ``data_dir/uploads``, outside anything the service serves."""
    session_secrets: list[SecretStr] = [SecretStr(DEMO_SESSION_SECRET)]
    """Keys for applicant sessions and sign-in code hashes; the last signs, all verify."""
    session_hours: int = Field(default=12, ge=1, le=168)
    sign_in_code_minutes: int = Field(default=10, ge=1, le=60)
    sign_in_max_attempts: int = Field(default=5, ge=1, le=20)
    sign_in_per_email_per_hour: int = Field(default=5, ge=1)
    sign_in_per_ip_per_hour: int = Field(default=30, ge=1)
    upload_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    upload_max_per_application: int = Field(default=10, ge=1)
    cookie_secure: bool | None = None
    """Mark cookies ``Secure``; None: when ``public_base_url`` is https."""

    # -- delivery: DigiLocker issuer API (docs/digilocker.md) -------------------------------
    digilocker_issuer_id: str = Field(default="in.gov.haryana.health", pattern=r"^[^-\s]+$")
    digilocker_api_key: SecretStr | None = None
    """None: the Pull URI / Pull Doc endpoints answer 404."""
    digilocker_doc_types: list[DigiLockerDocType] = Field(default_factory=_demo_doc_types)
    digilocker_max_request_bytes: int = Field(default=64 * 1024, ge=1024)
    digilocker_push_url: str | None = None
    """None: nothing is pushed (documents are still pulled)."""
    digilocker_client_id: str | None = None
    digilocker_client_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _resolve_paths(self) -> IssuerSettings:
        self.home = self.home.expanduser().resolve()
        self.database_url = _absolute_sqlite(self.database_url, self.home)
        self.maildir = self.home / self.maildir.expanduser()
        self.data_dir = self.home / self.data_dir.expanduser()
        if self.pdf_certificates_dir is not None:
            self.pdf_certificates_dir = self.home / self.pdf_certificates_dir.expanduser()
        self.registry_files = [self.home / p.expanduser() for p in self.registry_files]
        return self

    @model_validator(mode="after")
    def _refuse_demo_secrets(self) -> IssuerSettings:
        demo = self.demo_secrets()
        if demo and self.env not in DEMO_ENVS:
            why = ("PRAMAAN_ENV is unset, which means production" if "env" not in
                   self.model_fields_set else f"PRAMAAN_ENV is {self.env}")
            raise ValueError(f"built-in demo secrets are refused ({why}): set "
                             f"{', '.join(demo)} to real secrets, or PRAMAAN_ENV=dev for a "
                             "local demo")
        return self

    def demo_secrets(self) -> list[str]:
        """The variables still holding a built-in demo secret."""
        found = []
        if self.key_passphrase.get_secret_value() == DEMO_PASSPHRASE:
            found.append("PRAMAAN_KEY_PASSPHRASE")
        if any(k.get_secret_value() == DEMO_LINK_SECRET for k in self.link_secrets):
            found.append("PRAMAAN_LINK_SECRETS")
        if any(k.get_secret_value() == DEMO_SESSION_SECRET for k in self.session_secrets):
            found.append("PRAMAAN_SESSION_SECRETS")
        return found

    @model_validator(mode="after")
    def _check_secrets(self) -> IssuerSettings:
        if not self.session_secrets or any(len(k.get_secret_value()) < 16
                                           for k in self.session_secrets):
            raise ValueError("PRAMAAN_SESSION_SECRETS needs at least one secret of 16+ characters")
        if not self.link_secrets or any(len(k.get_secret_value()) < 16
                                        for k in self.link_secrets):
            raise ValueError("PRAMAAN_LINK_SECRETS needs at least one secret of 16+ characters")
        if self.digilocker_push_url and not (self.digilocker_client_id
                                             and self.digilocker_client_secret):
            raise ValueError("PRAMAAN_DIGILOCKER_PUSH_URL needs PRAMAAN_DIGILOCKER_CLIENT_ID and "
                             "PRAMAAN_DIGILOCKER_CLIENT_SECRET")
        if len(self.key_passphrase.get_secret_value()) < 12:
            raise ValueError("PRAMAAN_KEY_PASSPHRASE must be at least 12 characters")
        return self


def _absolute_sqlite(url: str, home: Path) -> str:
    """``url`` with a relative SQLite file made absolute under ``home``; other URLs unchanged."""
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise ValueError("PRAMAAN_DATABASE_URL is not a database URL, e.g. "
                         "sqlite:///var/pramaan.db or postgresql+psycopg://host/db") from err
    file = parsed.database
    if (parsed.get_backend_name() != "sqlite" or not file or file == ":memory:"
            or file.startswith("file:") or Path(file).expanduser().is_absolute()):
        return url
    return parsed.set(database=str(home / file)).render_as_string(hide_password=False)
