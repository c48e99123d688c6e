"""Private keys at rest: PKCS#8, encrypted with the passphrase from settings.

``BestAvailableEncryption`` lets ``cryptography`` choose the current strong scheme (PBES2 with a
memory-hard KDF and AES-256). A wrong passphrase and a damaged blob fail the same opaque way,
like Fernet's single ``InvalidToken``: the error never says which, and never carries key bytes.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from keys.jwk import PrivateKey
from schemas.errors import ConfigurationError

SUPPORTED = ("ES256", "ES384", "EdDSA")


def generate_private_key(alg: str = "ES256") -> PrivateKey:
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "ES384":
        return ec.generate_private_key(ec.SECP384R1())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ConfigurationError(f"signing algorithm {alg!r} is not supported",
                             hint=f"use one of {', '.join(SUPPORTED)}")


def encrypt_private_key(key: PrivateKey, passphrase: str) -> bytes:
    if not passphrase:
        raise ConfigurationError("an empty key passphrase would store the key in clear")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )


def decrypt_private_key(blob: bytes, passphrase: str) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(blob, password=passphrase.encode("utf-8"))
    except (ValueError, TypeError) as err:
        raise ConfigurationError(
            "a stored signing key cannot be decrypted",
            hint="check PRAMAAN_KEY_PASSPHRASE; it must be the one the key was created with",
        ) from err
    if not isinstance(key, (ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
        raise ConfigurationError("a stored signing key is of an unsupported type")
    return key
