"""JSON Web Keys: public JWKs out (RFC 7517), RFC 7638 thumbprints, JWKS in for the verifier."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from schemas.errors import (
    ConfigurationError,
    KeyCompromised,
    KeyNotValidAtIssuance,
    MalformedCredential,
    UnknownKey,
)

PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

# RFC 7638 §3.2: the required members of each key type, which alone enter the thumbprint.
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"),
                       "RSA": ("e", "kty", "n")}
_CURVE_OF_ALG = {"ES256": "P-256", "ES384": "P-384", "EdDSA": "Ed25519"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 JWK SHA-256 thumbprint, base64url: the ``kid`` of every key we publish."""
    members = _THUMBPRINT_MEMBERS.get(str(jwk.get("kty")))
    if members is None:
        raise ConfigurationError(f"cannot take the thumbprint of a {jwk.get('kty')!r} key")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def algorithm_for(public_key: PublicKey) -> str:
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    curve = public_key.curve.name
    alg = {"secp256r1": "ES256", "secp384r1": "ES384"}.get(curve)
    if alg is None:
        raise ConfigurationError(f"curve {curve} is not supported; use P-256, P-384 or Ed25519")
    return alg


@dataclass(frozen=True)
class KeyWindow:
    """When a key may sign, published with it so verifiers can hold the issuer to it.

    JWK members (RFC 7517 §4 allows more): ``nbf`` and ``exp`` bound the signing window in Unix
    seconds (``exp`` is set when the key retires); ``revoked`` (the shape OpenID Federation uses
    for JWKs: ``{"revoked_at", "reason"}``) marks a compromised key, whose every signature is
    distrusted, since whoever holds it can write any ``iat``.
    """

    not_before: int | None = None
    not_after: int | None = None
    compromised_at: int | None = None

    def members(self) -> dict[str, Any]:
        members: dict[str, Any] = {}
        if self.not_before is not None:
            members["nbf"] = self.not_before
        if self.not_after is not None:
            members["exp"] = self.not_after
        if self.compromised_at is not None:
            members["revoked"] = {"revoked_at": self.compromised_at, "reason": "compromised"}
        return members

    @classmethod
    def from_jwk(cls, entry: Mapping[str, Any]) -> KeyWindow:
        """Any ``revoked`` member marks the key compromised, whatever its shape: a marking we
        cannot read (``true``, a string ``revoked_at``) must not leave the key trusted."""
        revoked = entry.get("revoked")
        compromised = None
        if revoked is not None and revoked is not False:
            at = _seconds(revoked.get("revoked_at")) if isinstance(revoked, dict) else None
            compromised = at if at is not None else 0
        return cls(_seconds(entry.get("nbf")), _seconds(entry.get("exp")), compromised)

    def check_not_compromised(self, kid: str) -> None:
        """Refuse a compromised key before its signature is even looked at."""
        if self.compromised_at is not None:
            raise KeyCompromised(f"the issuer has declared key {kid} compromised; nothing it "
                                 "signed can be trusted", kid=kid,
                                 hint="ask the council for a re-issued certificate")

    def check(self, kid: str, issued_at: object) -> None:
        """Refuse a signature made outside the window, or by a compromised key."""
        self.check_not_compromised(kid)
        if self.not_before is None and self.not_after is None:
            return
        if isinstance(issued_at, bool) or not isinstance(issued_at, (int, float)):
            raise MalformedCredential("the credential has no numeric iat, so the signing key's "
                                      "validity window cannot be checked", field="iat")
        if ((self.not_before is not None and issued_at < self.not_before)
                or (self.not_after is not None and issued_at > self.not_after)):
            raise KeyNotValidAtIssuance(
                f"the credential claims to be signed at {int(issued_at)}, outside the window in "
                f"which key {kid} could sign ({self.not_before} to {self.not_after or 'now'})",
                kid=kid, hint="the certificate may be forged; check it with the council")


def _seconds(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def public_jwk(public_key: PublicKey, window: KeyWindow | None = None) -> dict[str, Any]:
    """The public JWK with ``kid`` (thumbprint), ``alg``, ``use`` and the key's signing window;
    never a private member."""
    alg = algorithm_for(public_key)
    algorithm = jwt.get_algorithm_by_name(alg)
    jwk: dict[str, Any] = json.loads(algorithm.to_jwk(public_key))
    jwk = {k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y")}
    return {**jwk, "kid": thumbprint(jwk), "alg": alg, "use": "sig",
            **(window.members() if window else {})}


@dataclass(frozen=True)
class VerificationKey:
    """A trusted public key, as the verifier knows it from an issuer's JWKS."""

    kid: str
    alg: str
    key: PublicKey
    jwk: Mapping[str, Any]
    window: KeyWindow = KeyWindow()


def parse_jwks(document: Any) -> dict[str, VerificationKey]:
    """Read a JWKS document fetched from a trusted issuer; skip keys we cannot use.

    The ``alg`` of each key is fixed by its curve, so a token cannot talk us into another
    algorithm for the same key material (RFC 8725 §3.1).
    """
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise UnknownKey("the issuer's JWKS is not a JSON object with a 'keys' list")
    found: dict[str, VerificationKey] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        if any(member in entry for member in ("d", "p", "q", "k")):
            continue  # never accept (or keep) private or symmetric material
        alg = _alg_of(entry)
        if alg is None:
            continue
        try:
            key = jwt.get_algorithm_by_name(alg).from_jwk(entry)
        except (jwt.exceptions.InvalidKeyError, ValueError, KeyError, TypeError):
            continue
        if not isinstance(key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)):
            continue
        kid = entry.get("kid") or thumbprint(entry)
        found[str(kid)] = VerificationKey(str(kid), alg, key, dict(entry),
                                          KeyWindow.from_jwk(entry))
    return found


def _alg_of(entry: Mapping[str, Any]) -> str | None:
    curve = entry.get("crv")
    alg = next((a for a, c in _CURVE_OF_ALG.items() if c == curve), None)
    declared = entry.get("alg")
    if declared is not None and declared != alg:
        return None
    return alg
