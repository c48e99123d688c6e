"""Compact JWS for credentials (VC-JOSE-COSE §3.1.1, RFC 7515), signing and verification.

Signing takes the credential's exact payload bytes, so the signed token carries byte for byte what
the issuer built. Verification is split like RFC 7519 §7.2: the header is checked (``alg`` against
the configured allow-list, never the token's word; ``typ``; ``cty``; ``crit``) before any key is
looked up, then the signature; the caller checks the claims.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from keys.jwk import PrivateKey, VerificationKey, algorithm_for, public_jwk
from schemas.errors import (
    BadSignature,
    MalformedCredential,
    UnknownKey,
    UnsupportedAlgorithm,
    WrongMediaType,
)

MAX_TOKEN_LENGTH = 16_384
CREDENTIAL_TYPES = frozenset({"vc+jwt", "application/vc+jwt"})
_jws = jwt.PyJWS()


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


def read_unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS, *untrusted*: only for choosing how to verify."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise MalformedCredential(f"a credential token is at most {MAX_TOKEN_LENGTH} characters")
    if token.count(".") != 2:
        raise MalformedCredential("a compact JWS has exactly three dot-separated parts",
                                  hint="paste the whole vc+jwt token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.exceptions.InvalidTokenError as err:
        raise MalformedCredential("the token's header is not base64url JSON") from err
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
               cty: str | None = "vc") -> VerifiedJws:
    """Check header, find the trusted key, verify the signature; claims are left to the caller.

    ``resolve_key`` receives the already checked header and returns a *trusted* key (by ``kid``)
    or raises ``UnknownKey``; keys embedded in the token (``jwk``, ``x5c``) are never used.
    """
    header = read_unverified_header(token)
    check_header(header, algorithms=algorithms, types=types, cty=cty)
    key = resolve_key(header)
    if key.alg != header["alg"]:
        raise BadSignature(f"the token says {header['alg']} but key {key.kid} is an {key.alg} key",
                           kid=key.kid)
    try:
        decoded = _jws.decode_complete(token, key.key, algorithms=[key.alg])
    except jwt.exceptions.InvalidSignatureError as err:
        raise BadSignature("the signature does not match the issuer's key", kid=key.kid) from err
    except jwt.exceptions.DecodeError as err:
        raise MalformedCredential(f"the token cannot be decoded: {err}") from err
    except jwt.exceptions.InvalidKeyError as err:
        raise UnknownKey(f"key {key.kid} cannot verify this token") from err
    return VerifiedJws(header=header, payload=decoded["payload"], key=key)


def parse_payload(payload: bytes) -> dict[str, Any]:
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as err:
        raise MalformedCredential("the token's payload is not JSON") from err
    if not isinstance(document, dict):
        raise MalformedCredential("the token's payload is not a JSON object")
    return document
