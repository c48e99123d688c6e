"""Private keys at rest: PKCS#8 DER sealed with AES-256-GCM under a scrypt key from a passphrase.

Layout: ``PRK1`` | log2(scrypt N) (1 byte) | salt (16) | nonce (12) | ciphertext+tag. The header
is authenticated as associated data, so a blob cannot be downgraded to a cheaper KDF. A wrong
passphrase and a damaged blob fail the same opaque way, like Fernet's single ``InvalidToken``:
the error never says which, and never carries key bytes.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from keys.jwk import PrivateKey
from schemas.errors import ConfigurationError

SUPPORTED = ("ES256", "ES384", "EdDSA")
MAGIC = b"PRK1"
DEFAULT_COST = 15  # scrypt N = 2**15, r = 8: about 32 MiB and 50-100 ms, paid once per process
_HEADER = struct.Struct(">4sB16s12s")


def generate_private_key(alg: str = "ES256") -> PrivateKey:
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "ES384":
        return ec.generate_private_key(ec.SECP384R1())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ConfigurationError(f"signing algorithm {alg!r} is not supported",
                             hint=f"use one of {', '.join(SUPPORTED)}")


def _derive(passphrase: str, salt: bytes, cost: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**cost, r=8, p=1).derive(passphrase.encode("utf-8"))


def encrypt_private_key(key: PrivateKey, passphrase: str, *, cost: int = DEFAULT_COST) -> bytes:
    if not passphrase:
        raise ConfigurationError("an empty key passphrase would store the key in clear")
    if not 10 <= cost <= 22:
        raise ConfigurationError("the scrypt cost must be between 10 and 22")
    salt, nonce = os.urandom(16), os.urandom(12)
    header = _HEADER.pack(MAGIC, cost, salt, nonce)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return header + AESGCM(_derive(passphrase, salt, cost)).encrypt(nonce, der, header)


def decrypt_private_key(blob: bytes, passphrase: str) -> PrivateKey:
    failure = ConfigurationError(
        "a stored signing key cannot be decrypted",
        hint="check PRAMAAN_KEY_PASSPHRASE; it must be the one the key was created with")
    if len(blob) <= _HEADER.size:
        raise failure
    magic, cost, salt, nonce = _HEADER.unpack_from(blob)
    if magic != MAGIC or not 10 <= cost <= 22:
        raise failure
    try:
        der = AESGCM(_derive(passphrase, salt, cost)).decrypt(
            nonce, blob[_HEADER.size:], blob[:_HEADER.size])
        key = serialization.load_der_private_key(der, password=None)
    except (InvalidTag, ValueError) as err:
        raise failure from err
    if not isinstance(key, (ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
        raise failure
    return key
