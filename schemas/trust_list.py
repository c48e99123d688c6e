"""The trust list: which issuers a verifier trusts, signed by the trust anchor (``docs/trust.md``).

Pure and shared: the issuer's ``issuer trust sign`` builds the payload with ``build_payload`` and
the verifier reads a verified payload with ``parse_trust_list``. The signed form is a compact JWS
(``typ`` ``trust-list+jwt``), shaped after an OpenID Federation entity statement: ``iss`` (the
anchor), ``iat``, ``exp``, and the ``issuers`` it vouches for, each with its names, JWKS URI,
status-list origin, the certificate types it may issue and its standing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from schemas.errors import TrustListInvalid

TRUST_LIST_TYP = "trust-list+jwt"
MAX_TRUST_LIST_BYTES = 1024 * 1024
MAX_ISSUERS = 1000
ACTIVE, SUSPENDED, RETIRED = "active", "suspended", "retired"
STANDINGS = (ACTIVE, SUSPENDED, RETIRED)
_ENTRY_FIELDS = frozenset({"id", "name", "name_hi", "jwks_uri", "status_origin",
                           "certificate_types", "standing", "retired_from"})
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class ListedIssuer:
    """One issuer as the anchor lists it. ``id`` is a URL prefix, matched like a configured
    trusted issuer; ``retired_from`` is set exactly when ``standing`` is ``retired``."""

    id: str
    name: str
    name_hi: str
    jwks_uri: str
    status_origin: str
    certificate_types: tuple[str, ...]
    standing: str = ACTIVE
    retired_from: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": self.id, "name": self.name, "name_hi": self.name_hi,
            "jwks_uri": self.jwks_uri, "status_origin": self.status_origin,
            "certificate_types": list(self.certificate_types), "standing": self.standing}
        if self.retired_from is not None:
            entry["retired_from"] = self.retired_from.isoformat()
        return entry


@dataclass(frozen=True)
class TrustList:
    iss: str
    issued_at: datetime
    expires_at: datetime
    issuers: tuple[ListedIssuer, ...]

    def to_json(self) -> dict[str, Any]:
        return {"iss": self.iss, "iat": int(self.issued_at.timestamp()),
                "exp": int(self.expires_at.timestamp()),
                "issuers": [i.to_json() for i in self.issuers]}


def build_payload(document: Any, *, now: datetime, valid_for: timedelta) -> TrustList:
    """The list to sign from an editable file ``{"iss", "issuers": [...]}``: ``iat`` is ``now``
    and ``exp`` ``now + valid_for``; any ``iat``/``exp`` in the file are replaced."""
    if not isinstance(document, dict):
        raise TrustListInvalid("the trust list file is not a JSON object")
    if valid_for <= timedelta(0):
        raise TrustListInvalid("a trust list must be valid for a positive time")
    stamped = {**document, "iat": int(now.timestamp()), "exp": int((now + valid_for).timestamp())}
    return parse_trust_list(stamped)


def parse_trust_list(payload: Any, *, certificate_types: Collection[str] | None = None
                     ) -> TrustList:
    """Read a trust list payload; anything outside the format is ``TrustListInvalid``.

    ``certificate_types``, when given, are the type ids an entry may name (the registry's).
    """
    if not isinstance(payload, dict):
        raise TrustListInvalid("the trust list payload is not a JSON object")
    unknown = set(payload) - {"iss", "iat", "exp", "issuers"}
    if unknown:
        raise TrustListInvalid(f"the trust list has unknown members: {', '.join(sorted(unknown))}")
    iss = _url(payload.get("iss"), "iss")
    issued_at, expires_at = _time(payload.get("iat"), "iat"), _time(payload.get("exp"), "exp")
    if expires_at <= issued_at:
        raise TrustListInvalid("the trust list's exp is not after its iat")
    entries = payload.get("issuers")
    if not isinstance(entries, list) or len(entries) > MAX_ISSUERS:
        raise TrustListInvalid(f"issuers must be a list of at most {MAX_ISSUERS} entries")
    issuers = tuple(_entry(e, n, certificate_types) for n, e in enumerate(entries))
    ids = [i.id for i in issuers]
    if len(set(ids)) != len(ids):
        raise TrustListInvalid("the trust list names an issuer id twice")
    return TrustList(iss, issued_at, expires_at, issuers)


def _entry(entry: Any, n: int, known_types: Collection[str] | None) -> ListedIssuer:
    where = f"issuers[{n}]"
    if not isinstance(entry, dict):
        raise TrustListInvalid(f"{where} is not an object")
    unknown = set(entry) - _ENTRY_FIELDS
    if unknown:
        raise TrustListInvalid(f"{where} has unknown members: {', '.join(sorted(unknown))}")
    types = entry.get("certificate_types")
    if (not isinstance(types, list) or not types
            or not all(isinstance(t, str) and t for t in types)):
        raise TrustListInvalid(f"{where}.certificate_types must be a non-empty list of type ids")
    if known_types is not None and set(types) - set(known_types):
        raise TrustListInvalid(f"{where}.certificate_types names unknown types: "
                               f"{', '.join(sorted(set(types) - set(known_types)))}")
    standing = entry.get("standing", ACTIVE)
    if standing not in STANDINGS:
        raise TrustListInvalid(f"{where}.standing must be one of {', '.join(STANDINGS)}")
    retired_from = entry.get("retired_from")
    if (standing == RETIRED) != (retired_from is not None):
        raise TrustListInvalid(f"{where}: retired_from is given exactly when standing is retired")
    jwks_uri = _text(entry.get("jwks_uri"), f"{where}.jwks_uri")
    if not _fetchable(jwks_uri) and not jwks_uri.startswith("file:"):
        raise TrustListInvalid(f"{where}.jwks_uri must be https:// (http:// only to this "
                               "machine) or file://")
    return ListedIssuer(
        id=_url(entry.get("id"), f"{where}.id").rstrip("/"),
        name=_text(entry.get("name"), f"{where}.name"),
        name_hi=_text(entry.get("name_hi"), f"{where}.name_hi"),
        jwks_uri=jwks_uri, status_origin=_origin(entry.get("status_origin"), where),
        certificate_types=tuple(types), standing=standing,
        retired_from=_iso_time(retired_from, f"{where}.retired_from") if retired_from else None)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        raise TrustListInvalid(f"{name} must be a non-empty string")
    return value


def _url(value: Any, name: str) -> str:
    text = _text(value, name)
    if not _fetchable(text):
        raise TrustListInvalid(f"{name} must be an https:// URL (http:// only to this machine)")
    return text


def _origin(value: Any, where: str) -> str:
    text = _url(value, f"{where}.status_origin").rstrip("/")
    parts = urlsplit(text)
    if parts.path or parts.query or parts.fragment or parts.username:
        raise TrustListInvalid(f"{where}.status_origin must be scheme://host[:port] only")
    return text


def _fetchable(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.scheme == "https" and bool(parts.netloc)) or (
        parts.scheme == "http" and parts.hostname in _LOOPBACK)


def _time(value: Any, name: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TrustListInvalid(f"{name} must be a NumericDate (integer seconds)")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise TrustListInvalid(f"{name} is not a usable NumericDate") from err


def _iso_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise TrustListInvalid(f"{name} must be an ISO 8601 date-time with a time zone")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise TrustListInvalid(f"{name} must be an ISO 8601 date-time with a time zone") from err
    if moment.tzinfo is None:
        raise TrustListInvalid(f"{name} must carry a time zone")
    return moment
