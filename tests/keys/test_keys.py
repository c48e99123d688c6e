"""Key recipes: thumbprints from the RFC vector, sealed storage, JWKS without private parts."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from keys.jwk import KeyWindow, parse_jwks, public_jwk, thumbprint
from keys.keyring import KeyRing
from keys.signing import SigningKey, sign_credential, verify_jws
from keys.storage import decrypt_private_key, encrypt_private_key, generate_private_key
from schemas.errors import (
    ConfigurationError,
    KeyCompromised,
    KeyNotValidAtIssuance,
    MalformedCredential,
)

# RFC 7638 §3.1
RFC7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc"
         "_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0"
         "_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhA"
         "I4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"}


def test_thumbprint_matches_rfc7638_vector() -> None:
    assert thumbprint(RFC7638_KEY) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize("alg", ["ES256", "ES384", "EdDSA"])
def test_public_jwk_has_kid_alg_and_no_private_member(alg: str) -> None:
    key = generate_private_key(alg)
    jwk = public_jwk(key.public_key())
    assert jwk["alg"] == alg and jwk["use"] == "sig"
    assert jwk["kid"] == thumbprint(jwk)
    assert not {"d", "p", "q"} & set(jwk)


def test_sealed_key_round_trips_and_is_not_in_clear() -> None:
    key = generate_private_key("ES256")
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    blob = encrypt_private_key(key, "a long passphrase", cost=10)
    clear = key.private_numbers().private_value.to_bytes(32, "big")
    assert clear not in blob
    restored = decrypt_private_key(blob, "a long passphrase")
    assert SigningKey.from_private_key(restored).kid == SigningKey.from_private_key(key).kid


@pytest.mark.parametrize("damage", ["wrong passphrase", "flipped byte", "downgraded cost"])
def test_sealed_key_fails_opaquely(damage: str) -> None:
    blob = bytearray(encrypt_private_key(generate_private_key(), "a long passphrase", cost=11))
    passphrase = "a long passphrase"
    if damage == "wrong passphrase":
        passphrase = "another passphrase"
    elif damage == "flipped byte":
        blob[-5] ^= 1
    else:
        blob[4] = 10
    with pytest.raises(ConfigurationError) as caught:
        decrypt_private_key(bytes(blob), passphrase)
    assert caught.value.code == "configuration"
    assert caught.value.detail == "a stored signing key cannot be decrypted"


def test_signing_key_repr_hides_key_material() -> None:
    key = SigningKey.from_private_key(generate_private_key())
    assert repr(key) == f"SigningKey(kid={key.kid!r}, alg='ES256')"


def test_keyring_publishes_every_key_and_signs_with_the_chosen_one() -> None:
    old, new = (SigningKey.from_private_key(generate_private_key()) for _ in range(2))
    ring = KeyRing.of([old, new], signer_kid=new.kid)
    document = json.loads(json.dumps(ring.jwks()))
    trusted = parse_jwks(document)
    assert set(trusted) == {old.kid, new.kid}
    for key in (old, new):
        token = sign_credential(b'{"x":1}', key)
        verified = verify_jws(token, resolve_key=lambda h: trusted[h["kid"]],
                              algorithms=["ES256"])
        assert verified.payload == b'{"x":1}'
    with pytest.raises(ConfigurationError):
        KeyRing.of([old], signer_kid=new.kid)


def test_parse_jwks_ignores_private_and_symmetric_entries() -> None:
    key = generate_private_key()
    private = json.loads(__import__("jwt").algorithms.ECAlgorithm.to_jwk(key))
    document = {"keys": [private | {"kid": "leaked"}, {"kty": "oct", "k": "c2VjcmV0", "kid": "h"},
                         public_jwk(key.public_key())]}
    assert list(parse_jwks(document)) == [public_jwk(key.public_key())["kid"]]


@pytest.mark.parametrize("revoked", [
    {"revoked_at": 1_790_000_000, "reason": "compromised"},
    {"revoked_at": "2026-11-20T00:00:00Z"},  # unreadable time: still compromised
    {},
    True,
    "yes",
])
def test_any_revoked_marking_makes_a_key_compromised(revoked: object) -> None:
    window = KeyWindow.from_jwk({"kty": "EC", "revoked": revoked})
    assert window.compromised_at is not None
    with pytest.raises(KeyCompromised) as caught:
        window.check("k1", 1_700_000_000)
    assert caught.value.code == "credential.key_compromised"


@pytest.mark.parametrize(("iat", "error"), [
    (999, KeyNotValidAtIssuance), (1000, None), (2000, None), (2001, KeyNotValidAtIssuance),
    ("1500", MalformedCredential), (None, MalformedCredential), (True, MalformedCredential),
])
def test_key_window_bounds_iat(iat: object, error: type[Exception] | None) -> None:
    window = KeyWindow.from_jwk({"nbf": 1000, "exp": 2000})
    assert window.members() == {"nbf": 1000, "exp": 2000}
    if error is None:
        window.check("k1", iat)
        return
    with pytest.raises(error):
        window.check("k1", iat)
