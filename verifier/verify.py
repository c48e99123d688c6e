"""Verify a certificate credential (vc+jwt), reporting every check separately.

The order follows the verifier checklist (VC-JOSE-COSE §3.1, RFC 7519 §7.2, VC 2.0 §4 and its
validation appendix): the token's form and JOSE header are checked before any key is looked up, the
issuer is read from the *unverified* payload only to choose which trusted JWKS to consult, and the
claims are judged only once the signature holds. A failed check makes the checks that depend on it
``skipped``. The outcome is data (``VerificationResult``), not an exception: a forged or expired
certificate is an answer, not an error.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from keys.jwk import VerificationKey
from keys.signing import (
    CREDENTIAL_TYPES,
    check_header,
    parse_payload,
    read_unverified_header,
    verify_jws,
)
from schemas import credential as vc
from schemas.errors import (
    CredentialRejected,
    Expired,
    MalformedCredential,
    NotYetValid,
    SchemaViolation,
    UpstreamUnavailable,
)
from schemas.registry import Registry, load_registry
from verifier import bundle
from verifier.settings import TrustedIssuer, VerifierSettings
from verifier.status import NO_STATUS, StatusReport, check_status
from verifier.status_lists import StatusLists
from verifier.trust import Clock, TrustStore
from verifier.verdict import Verdict, judge

OK = "ok"
SKIPPED = "skipped"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Check:
    check: str
    ok: bool | None
    code: str
    detail: str


@dataclass(frozen=True)
class VerificationResult:
    verified: bool
    checks: tuple[Check, ...]
    credential: dict[str, Any] | None
    """The decoded payload, present only when the signature verified (even if a later check
    failed), so nothing unauthenticated is ever shown as the issuer's words."""
    token: str | None
    status: StatusReport | None = None
    """The status check's facts (state, reason, dates, age of the lists), when it ran."""
    verdict: Verdict | None = None
    """The one-word verdict for people (``verifier.verdict``); judged on demand when absent."""

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.check == name)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.ok is False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON answer; built field by field (``dataclasses.asdict`` deep-copies: 30x slower)."""
        return {"verified": self.verified,
                "checks": [{"check": c.check, "ok": c.ok, "code": c.code, "detail": c.detail}
                           for c in self.checks],
                "credential": self.credential,
                "status": self.status.to_dict() if self.status else None,
                "verdict": (self.verdict or judge(self)).to_dict()}


class Outcome(NamedTuple):
    ok: bool | None
    code: str
    detail: str


def passed(detail: str) -> Outcome:
    return Outcome(True, OK, detail)


@dataclass
class _Scratch:
    """What one verification has learnt so far; private to ``verify_credential``."""

    token: str
    trust: TrustStore
    algorithms: Collection[str]
    registry: Registry
    now: datetime
    header: dict[str, Any] = field(default_factory=dict)
    unverified: dict[str, Any] = field(default_factory=dict)
    trusted: TrustedIssuer | None = None
    key: VerificationKey | None = None
    credential: dict[str, Any] | None = None
    status_lists: StatusLists | None = None
    status: StatusReport | None = None


def read_unverified_payload(token: str) -> dict[str, Any]:
    """The payload of a compact JWS as a JSON object, *unverified*: only for choosing the issuer."""
    segment = token.split(".")[1]
    if not _BASE64URL.fullmatch(segment):
        raise MalformedCredential("the token's payload is not base64url")
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as err:
        raise MalformedCredential("the token's payload is not base64url") from err
    return parse_payload(data)


def _format(s: _Scratch) -> Outcome:
    s.header = read_unverified_header(s.token)
    s.unverified = read_unverified_payload(s.token)
    return passed(f"a compact JWS of {len(s.token)} characters with a JSON header and payload")


# ``check_header`` is the one place the header rules live; each check below lets it judge only
# its own part, so the algorithm and the media type are reported separately.
def _algorithm(s: _Scratch) -> Outcome:
    check_header({"alg": s.header.get("alg"), "typ": "vc+jwt"}, algorithms=s.algorithms)
    return passed(f"{s.header['alg']} is on this verifier's allow-list")


def _media_type(s: _Scratch) -> Outcome:
    judged_above: list[Any] = [s.header.get("alg")]
    # a tuple, not keys' frozenset: a list-valued typ must fail the check, not raise TypeError
    check_header(s.header, algorithms=judged_above, types=tuple(sorted(CREDENTIAL_TYPES)))
    return passed(f"typ {s.header['typ']}" + (f", cty {s.header['cty']}" if "cty" in s.header
                                               else ""))


def _issuer(s: _Scratch) -> Outcome:
    issuer = s.unverified.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise MalformedCredential("the credential names no issuer URL", field="issuer")
    if "iss" in s.unverified and s.unverified["iss"] != issuer_id:
        raise MalformedCredential("the JWT claim iss does not match the credential's issuer",
                                  field="iss")
    s.trusted = s.trust.trusted_issuer(issuer_id)
    return passed(f"{issuer_id} is trusted as {s.trusted.name}")


def _key(s: _Scratch) -> Outcome:
    assert s.trusted is not None
    s.key = s.trust.signing_key(s.trusted, s.header.get("kid"))
    s.key.window.check_not_compromised(s.key.kid)
    return passed(f"{s.trusted.name} publishes key {s.key.kid} ({s.key.alg})")


def _signature(s: _Scratch) -> Outcome:
    key = s.key
    assert key is not None
    verify_jws(s.token, resolve_key=lambda _header: key, algorithms=s.algorithms,
               header=s.header)
    # The signature covers the very payload segment ``_format`` parsed: reuse it, not parse twice.
    credential = s.unverified
    key.window.check(key.kid, credential.get("iat"))  # only now is iat the issuer's word
    s.credential = credential
    return passed(f"signed with {key.kid}" + (" within its signing window" if (
        key.window.not_before is not None or key.window.not_after is not None) else ""))


def _data_model(s: _Scratch) -> Outcome:
    assert s.credential is not None
    vc.check_data_model(s.credential)
    return passed("a W3C VC 2.0 credential secured as vc+jwt (no vc/vp claim, iss = issuer)")


def _validity(s: _Scratch) -> Outcome:
    assert s.credential is not None
    vc.check_validity_period(s.credential, now=s.now)
    _check_jwt_times(s.credential, now=s.now)
    start, end = vc.validity_window(s.credential)
    window = " ".join(part for part in (
        f"from {start.isoformat()}" if start else "", f"until {end.isoformat()}" if end else "")
        if part)
    return passed(f"valid {window or 'without a time limit'}")


def _schema(s: _Scratch) -> Outcome:
    assert s.credential is not None
    types = s.credential.get("type")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise SchemaViolation("type must be a list of strings", field="type")
    cert_type = vc.validate_against_schema(s.credential, s.registry)
    return passed(f"a {cert_type.title} conforming to {cert_type.schema}")


def _status(s: _Scratch) -> Outcome:
    assert s.credential is not None and s.trusted is not None
    s.status = check_status(s.credential, trusted=s.trusted, lists=s.status_lists, now=s.now)
    return Outcome(s.status.ok, s.status.code, s.status.detail)


Step = Callable[[_Scratch], Outcome]
STEPS: tuple[tuple[str, Step, tuple[str, ...]], ...] = (
    ("format", _format, ()),
    ("algorithm", _algorithm, ("format",)),
    ("media_type", _media_type, ("format",)),
    ("issuer", _issuer, ("format",)),
    ("key", _key, ("algorithm", "media_type", "issuer")),  # no key fetch for a bad header
    ("signature", _signature, ("key",)),
    ("data_model", _data_model, ("signature",)),
    ("validity", _validity, ("data_model",)),
    ("schema", _schema, ("data_model",)),
    ("status", _status, ("data_model",)),
)
"""(check, function, the checks it depends on), in the order they are reported."""


def verify_credential(token: str, *, trust: TrustStore, algorithms: Collection[str],
                      registry: Registry, now: datetime,
                      status: StatusLists | None = None) -> VerificationResult:
    """Verify a compact vc+jwt against the trusted issuers' keys at time ``now``.

    Pure apart from the trust store's cached JWKS and the status lists' cached retrieval.
    ``algorithms`` is the configured allow-list (RFC 8725 §2.1), never the token's word. Without
    ``status`` a credential that has status entries cannot be verified (``status.unknown``).
    """
    scratch = _Scratch(token, trust, tuple(algorithms), registry, now, status_lists=status)
    results: dict[str, Check] = {}
    cause: dict[str, str] = {}  # a skipped check -> the failed check it waits on
    for name, step, needs in STEPS:
        blocked = [d for d in needs if results[d].ok is not True]
        if blocked:
            cause[name] = cause.get(blocked[0], blocked[0])
            results[name] = Check(name, None, SKIPPED, f"not checked, as {cause[name]} failed")
            continue
        try:
            outcome = step(scratch)
        except (CredentialRejected, UpstreamUnavailable) as err:
            outcome = Outcome(False, err.code, err.detail)
        results[name] = Check(name, *outcome)
    checks = tuple(results.values())
    well_formed = results["format"].ok is True
    result = VerificationResult(is_verified(checks), checks, scratch.credential if
                                results["signature"].ok else None,
                                token if well_formed else None, scratch.status)
    return replace(result, verdict=judge(result, registry))


def is_verified(checks: Iterable[Check]) -> bool:
    """Every check passed, except that a credential with no status entry at all
    (``status.none``) is still verifiable; a status not established never is."""
    return all(c.ok is True or (c.check == "status" and c.ok is None and c.code == NO_STATUS)
               for c in checks)


def _check_jwt_times(credential: Mapping[str, Any], *, now: datetime) -> None:
    """RFC 7519 ``exp``/``nbf``, if an issuer adds them, bound the signature's validity."""
    for claim in ("exp", "nbf"):
        value = credential.get(claim)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise MalformedCredential(f"{claim} must be a NumericDate", field=claim)
        try:
            moment = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError) as err:
            raise MalformedCredential(f"{claim} is not a usable NumericDate", field=claim) from err
        if claim == "exp" and now >= moment:
            raise Expired(f"the signature expired at {moment.isoformat()} (exp)",
                          valid_until=moment)
        if claim == "nbf" and now < moment:
            raise NotYetValid(f"the signature is valid only from {moment.isoformat()} (nbf)",
                              valid_from=moment)


class Verifier:
    """A configured verifier: trusted issuers, algorithm allow-list, certificate registry."""

    def __init__(self, trust: TrustStore, *, algorithms: Collection[str],
                 registry: Registry, status: StatusLists | None = None) -> None:
        self.trust = trust
        self.algorithms = tuple(algorithms)
        self.registry = registry
        self.status = status

    @classmethod
    def from_settings(cls, settings: VerifierSettings, *, clock: Clock = time.monotonic
                      ) -> Verifier:
        """Online, or with ``settings.offline`` from the trust bundle alone (no network)."""
        registry = load_registry(settings.registry_files)
        if settings.offline:
            trust, status = bundle.offline_sources(settings)
        else:
            trust = TrustStore.from_settings(settings, now=clock)
            status = StatusLists.from_settings(settings, trust, now=clock)
        return cls(trust, algorithms=settings.algorithms, registry=registry, status=status)

    def verify(self, token: str, *, now: datetime) -> VerificationResult:
        return verify_credential(token, trust=self.trust, algorithms=self.algorithms,
                                 registry=self.registry, now=now, status=self.status)

    def close(self) -> None:
        self.trust.close()
        if self.status is not None:
            self.status.close()


def check_token(token: str, *, settings: VerifierSettings | None = None,
                now: datetime | None = None) -> VerificationResult:
    """One-shot facade for scripts and the CLI: settings from the environment, clock read here."""
    verifier = Verifier.from_settings(settings or VerifierSettings())
    try:
        return verifier.verify(token, now=now or datetime.now(UTC))
    finally:
        verifier.close()
