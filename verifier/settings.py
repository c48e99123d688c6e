"""Verifier settings (environment prefix ``PRAMAAN_VERIFIER_``). Nothing is read at import time.

The public verifier runs on its own machine: it has no database and no private key, only the list
of issuers it trusts and where their public keys are published. Trusted issuers come from the
environment as JSON, e.g.
``PRAMAAN_VERIFIER_TRUSTED_ISSUERS='[{"issuer": "https://pramaan.hr.gov.in",
"jwks_uri": "https://pramaan.hr.gov.in/.well-known/jwks.json", "name": "Haryana"}]'``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SUPPORTED_ALGORITHMS = ("ES256", "ES384", "EdDSA")
"""What ``keys`` can verify; the configured allow-list is a subset (RFC 8725 §3.1)."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class TrustedIssuer(BaseModel):
    """An issuer the verifier trusts and the JWKS its keys are read from.

    ``issuer`` is a URL prefix: a credential's issuer matches when it equals the prefix or
    continues it after a ``/`` (so ``https://council.example`` covers
    ``https://council.example/councils/hmc`` but not ``https://council.example.evil``).
    ``jwks_uri`` is ``https://``, ``http://`` to this machine only, or ``file://`` for a pinned,
    offline copy. The entry also covers the issuer's status lists: they must be served from the
    issuer's own origin (scheme, host and port), as ``{origin}/status/…``; ``status_index_uri``
    (default ``{origin}/status``) lists them for ``verifier sync``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer: str
    jwks_uri: str
    name: str
    status_index_uri: str | None = None
    # From a signed trust list (``verifier.trust_list``); a configured entry leaves them unset.
    name_hi: str | None = None
    status_origin: str | None = None
    certificate_types: tuple[str, ...] | None = None
    standing: str = "active"
    retired_from: datetime | None = None

    @field_validator("issuer")
    @classmethod
    def _issuer_is_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError(f"issuer {value!r} must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("jwks_uri")
    @classmethod
    def _jwks_uri_is_safe(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme == "file" and parts.path:
            return value
        if parts.scheme == "https" and parts.netloc:
            return value
        if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
            return value
        raise ValueError(f"jwks_uri {value!r} must be https:// (http:// only to this machine) "
                         "or file://")

    @field_validator("status_index_uri")
    @classmethod
    def _status_index_is_safe(cls, value: str | None) -> str | None:
        if value is not None and not is_fetchable(value):
            raise ValueError(f"status_index_uri {value!r} must be https:// (http:// only to "
                             "this machine)")
        return value

    def matches(self, issuer: str) -> bool:
        return issuer == self.issuer or issuer.startswith(self.issuer + "/")

    @property
    def origin(self) -> str:
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"

    def covers_status_list(self, url: str) -> bool:
        """A status list URL this entry vouches for: fetchable, and on the issuer's origin (or
        the status-list origin its trust-list entry names)."""
        parts = urlsplit(url)
        return (is_fetchable(url)
                and f"{parts.scheme}://{parts.netloc}" == (self.status_origin or self.origin)
                and not parts.username and not parts.password)

    def status_index(self) -> str:
        return self.status_index_uri or f"{self.status_origin or self.origin}/status"


def is_fetchable(url: str) -> bool:
    """``https://``, or ``http://`` to this machine only (tests and a local demo)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.netloc:
        return True
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS


class VerifierSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRAMAAN_VERIFIER_", env_file=None,
                                      extra="ignore")

    trusted_issuers: list[TrustedIssuer] = []
    algorithms: list[str] = ["ES256", "EdDSA"]
    jwks_cache_seconds: int = 300
    jwks_refresh_seconds: int = 30
    """A failed JWKS fetch is not tried again for this long."""
    jwks_refetch_spacing_seconds: float = 1
    """On an unknown ``kid`` the JWKS is fetched again at once, but not more often than this; an
    unknown ``kid`` met in between is Cannot check (``key.unconfirmed``), never Not genuine."""
    http_timeout_seconds: float = 5
    max_upload_bytes: int = 16 * 1024 * 1024
    """A phone's full-size photo (12 MP JPEG, about 5 MB; up to 15 MB) is taken as it is; the
    page shrinks big photos before sending them. Images stay bounded by pixels as well
    (``inputs.MAX_IMAGE_PIXELS``), PDFs by ``inputs.PDF_BOUNDS``."""
    registry_files: list[Path] = []
    page_url: str = "http://127.0.0.1:8001/v"
    rate_limit_per_minute: int = Field(default=600, ge=0)
    """Requests a minute each client (IP address) may make to the JSON API; 0 turns it off."""
    rate_limit_burst: int = Field(default=60, ge=1)
    status_default_ttl_seconds: int = 300
    """How long a status list without a ``ttl`` is cached (a list's own ``ttl`` is bounded to
    1 s – 1 day)."""
    status_cache_lists: int = 256
    """At most this many status lists are cached; the least recently fetched goes first."""
    offline: bool = False
    """Never use the network: keys and status lists come from ``bundle`` (or ``file://`` JWKS)."""
    bundle: Path | None = None
    """A trust bundle written by ``verifier sync``, used when ``offline``."""
    trust_list_url: str | None = None
    """Where the trust anchor publishes the signed trust list (``https://``, ``http://`` to this
    machine, or ``file://``); when set, it replaces ``trusted_issuers`` (``docs/trust.md``)."""
    trust_anchor_jwks: str | None = None
    """The anchor's public key(s): a JWK or JWKS as inline JSON, or the path of a file holding
    one. Required with ``trust_list_url``."""
    trust_list_refresh_seconds: int = 300
    """How often the trust list is fetched again; a failed fetch keeps the last good list."""
    bundle_max_age_seconds: int = 7 * 86_400
    """Offline, status data older than this no longer counts: ``status.stale``, not verified."""

    @field_validator("algorithms")
    @classmethod
    def _only_asymmetric_algorithms(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("algorithms must name at least one of "
                             f"{', '.join(SUPPORTED_ALGORITHMS)}")
        for alg in value:
            if alg.lower() == "none" or alg.upper().startswith("HS"):
                raise ValueError(f"algorithm {alg!r} is never accepted: 'none' has no signature "
                                 "and HS* would let a public key act as a shared secret")
            if alg not in SUPPORTED_ALGORITHMS:
                raise ValueError(f"algorithm {alg!r} is not supported; use "
                                 f"{', '.join(SUPPORTED_ALGORITHMS)}")
        return value

    @field_validator("jwks_cache_seconds", "jwks_refresh_seconds",
                     "jwks_refetch_spacing_seconds", "max_upload_bytes",
                     "http_timeout_seconds", "status_default_ttl_seconds", "status_cache_lists",
                     "bundle_max_age_seconds", "trust_list_refresh_seconds")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be a positive number")
        return value

    @model_validator(mode="after")
    def _trust_list_has_an_anchor(self) -> VerifierSettings:
        if self.trust_list_url is None:
            return self
        if not self.trust_anchor_jwks:
            raise ValueError("trust_list_url needs trust_anchor_jwks: the anchor's public key "
                             "the list is verified with")
        if not (is_fetchable(self.trust_list_url) or self.trust_list_url.startswith("file:")):
            raise ValueError(f"trust_list_url {self.trust_list_url!r} must be https:// "
                             "(http:// only to this machine) or file://")
        return self
