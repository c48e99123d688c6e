"""Compact JWS for credentials (VC-JOSE-COSE §3.1.1, RFC 7515), signing and verification.

Signing takes the credential's exact payload bytes, so the signed token carries byte for byte what
the issuer built. Verification is split like RFC 7519 §7.2: the header is checked (``alg`` against
the configured allow-list, never the token's word; ``typ``; ``cty``; ``crit``) before any key is
looked up, then the signature; the caller checks the claims.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from keys.jwk import PrivateKey, VerificationKey, algorithm_for, public_jwk
from schemas.errors import (
    BadSignature,
    MalformedCredential,
    UnsupportedAlgorithm,
    WrongMediaType,
)

MAX_TOKEN_LENGTH = 16_384
CREDENTIAL_TYPES = frozenset({"vc+jwt", "application/vc+jwt"})
_jws = jwt.PyJWS()
_ALGORITHMS = {name: jwt.get_algorithm_by_name(name) for name in ("ES256", "ES384", "EdDSA")}
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def _b64decode(segment: str) -> bytes:
    """Strict base64url without padding (RFC 7515 §2); PyJWT's own check is a per-character
    Python loop costing ~0.6 ms a token, half of a whole verification."""
    if len(segment) % 4 == 1 or not _BASE64URL.fullmatch(segment):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


@dataclass(frozen=True)
class SigningKey:
    """A private key object loaded once and reused (PEM parsing per call is 30 ms for RSA)."""

    kid: str
    alg: str
    key: PrivateKey

    @classmethod
    def from_private_key(cls, key: PrivateKey) -> SigningKey:
        public = key.public_key()
        return cls(kid=public_jwk(public)["kid"], alg=algorithm_for(public), key=key)

    def __repr__(self) -> str:  # never show key material
        return f"SigningKey(kid={self.kid!r}, alg={self.alg!r})"


def sign_credential(payload: bytes, key: SigningKey, *, typ: str = "vc+jwt",
                    cty: str | None = "vc") -> str:
    """Sign the exact payload bytes; the header names ``typ``, ``cty`` and the key's ``kid``."""
    headers: dict[str, Any] = {"typ": typ, "kid": key.kid}
    if cty:
        headers["cty"] = cty
    return _jws.encode(payload, key.key, algorithm=key.alg, headers=headers)


@dataclass(frozen=True)
class VerifiedJws:
    header: Mapping[str, Any]
    payload: bytes
    key: VerificationKey


def read_unverified_header(token: str, *, max_length: int = MAX_TOKEN_LENGTH) -> dict[str, Any]:
    """The JOSE header of a compact JWS, *untrusted*: only for choosing how to verify."""
    if not isinstance(token, str) or len(token) > max_length:
        raise MalformedCredential(f"a credential token is at most {max_length} characters")
    if token.count(".") != 2:
        raise MalformedCredential("a compact JWS has exactly three dot-separated parts",
                                  hint="paste the whole vc+jwt token")
    try:
        header = json.loads(_b64decode(token.split(".", 1)[0]))
    except (ValueError, UnicodeDecodeError) as err:
        raise MalformedCredential("the token's header is not base64url JSON") from err
    if not isinstance(header, dict) or not isinstance(header.get("kid", ""), str):
        raise MalformedCredential("the token's header is not a JSON object with a string kid")
    return header


def check_header(header: Mapping[str, Any], *, algorithms: Collection[str],
                 types: Collection[str] = CREDENTIAL_TYPES, cty: str | None = "vc") -> None:
    alg = header.get("alg")
    if alg not in algorithms:
        raise UnsupportedAlgorithm(
            f"algorithm {alg!r} is not accepted; this verifier accepts {', '.join(algorithms)}",
            alg=alg)
    if header.get("typ") not in types:
        raise WrongMediaType(f"typ {header.get('typ')!r} is not one of {', '.join(sorted(types))}",
                             field="typ")
    if "cty" in header and header["cty"] != cty:
        raise WrongMediaType(f"cty {header.get('cty')!r} is not {cty!r}", field="cty")
    if "crit" in header:
        raise MalformedCredential("the token has critical header parameters this verifier does "
                                  "not understand", field="crit")


def verify_jws(token: str, *, resolve_key: Callable[[Mapping[str, Any]], VerificationKey],
               algorithms: Collection[str], types: Collection[str] = CREDENTIAL_TYPES,
               cty: str | None = "vc", max_length: int = MAX_TOKEN_LENGTH,
               header: Mapping[str, Any] | None = None) -> VerifiedJws:
    """Check header, find the trusted key, verify the signature; claims are left to the caller.

    ``resolve_key`` receives the already checked header and returns a *trusted* key (by ``kid``)
    or raises ``UnknownKey``; keys embedded in the token (``jwk``, ``x5c``) are never used.
    ``header``, when the caller has already read this token's header, saves reading it again;
    it is checked here all the same.
    """
    if header is None:
        header = read_unverified_header(token, max_length=max_length)
    check_header(header, algorithms=algorithms, types=types, cty=cty)
    key = resolve_key(header)
    if key.alg != header["alg"]:
        raise BadSignature(f"the token says {header['alg']} but key {key.kid} is an {key.alg} key",
                           kid=key.kid)
    header_b64, payload_b64, signature_b64 = token.split(".")
    try:
        payload = _b64decode(payload_b64)
        signature = _b64decode(signature_b64)
    except ValueError as err:
        raise MalformedCredential("the token's payload or signature is not base64url") from err
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    if not _ALGORITHMS[key.alg].verify(signing_input, key.key, signature):
        raise BadSignature("the signature does not match the issuer's key", kid=key.kid)
    return VerifiedJws(header=header, payload=payload, key=key)


def parse_payload(payload: bytes) -> dict[str, Any]:
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as err:
        raise MalformedCredential("the token's payload is not JSON") from err
    if not isinstance(document, dict):
        raise MalformedCredential("the token's payload is not a JSON object")
    return document
