"""The text of a certificate's QR code: the whole signed vc+jwt, as a URL a phone camera opens.

``<page_url>#<version digit><digits>``. The fragment never reaches the server's access logs, and an
all-digit fragment lets the QR writer use numeric mode (3.33 bits a digit). The digits carry the
signature as is and the JWS header and payload raw-DEFLATEd against a versioned, frozen preset
dictionary of the credential's fixed vocabulary, so the signed bytes, and hence the exact token,
come back on decoding and any JOSE library verifies them. Layout, digit conversion, dictionaries,
caps and test vectors: ``docs/qr-format.md``. Pure standard library: the issuer and the public
verifier both import it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import zlib
from functools import cache
from pathlib import Path

from schemas.errors import (
    ConfigurationError,
    MalformedCredential,
    MalformedQr,
    QrTooLarge,
    UnsupportedQrVersion,
)

VERSION = 1
"""The format version ``encode_qr_text`` writes: the first digit after the ``#``."""

# version -> (file in this package, SHA-256). A released dictionary is frozen forever: a change is a
# new version, and every earlier one keeps decoding.
DICTIONARIES: dict[int, tuple[str, str]] = {
    1: ("qr_dictionary_v1.txt", "cac8466d4b63b2860ab11fb8dd243b84599295e735de41610cc51211026f806c"),
}

MAX_QR_TEXT = 4296
"""Most characters accepted as QR text, checked before anything else (a QR symbol's maximum)."""
MAX_INFLATED = 16 * 1024
"""Most bytes of header JSON + separator + payload JSON that decoding will inflate."""
MAX_SIGNATURE = 255
"""Longest signature v1 carries (its length is one byte): ES256/EdDSA 64, ES384 96, ES512 132."""
MAX_TOKEN = 32 * 1024
"""Longest token ``encode_qr_text`` will parse; anything near it cannot fit a QR anyway."""

CHUNK_BYTES = 7
# DIGITS_FOR[k]: the digits that write k bytes, len(str(256**k - 1)). 7 bytes fit 17 digits.
DIGITS_FOR = (0, 3, 5, 8, 10, 13, 15, 17)
SEPARATOR = b"\n"
"""Between header and payload in the deflated body: JSON strings never hold a raw line feed."""

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_DIGITS = re.compile(r"[0-9]+")


def encode_qr_text(token: str, *, page_url: str) -> str:
    """The QR text for a compact vc+jwt: ``page_url#`` then the version digit and the digits.

    Refuses (``MalformedCredential``) a token whose exact characters would not come back, such as
    padded or non-canonical base64url or segments that are not JSON, and (``QrTooLarge``) one over
    the caps. The result is decoded again before it is returned: printed codes always verify.
    """
    if not page_url or "#" in page_url or any(c.isspace() for c in page_url):
        raise ConfigurationError(f"the verifier page URL {page_url!r} must be non-empty, "
                                 "without '#' or whitespace")
    if len(token) > MAX_TOKEN:
        raise QrTooLarge(f"the token has {len(token)} characters, more than {MAX_TOKEN}")
    text = f"{page_url}#{VERSION}{to_digits(_pack(token))}"
    if len(text) > MAX_QR_TEXT:
        raise QrTooLarge(f"the QR text would have {len(text)} characters, more than {MAX_QR_TEXT}",
                         hint="shorten the credential's free-text fields")
    if decode_qr_text(text) != token:
        raise MalformedCredential("the token does not survive the QR encoding unchanged")
    return text


def decode_qr_text(text: str) -> str:
    """The compact JWS in any scanned text; *unverified*: the caller checks its signature.

    Accepts the QR text with whatever URL a scanner puts before the ``#`` (the fragment is what
    counts, whitespace removed), the digits alone, or a plain compact JWS (returned as is).
    Every failure is a ``MalformedQr``: ``qr.malformed``, ``qr.unsupported_version`` or
    ``qr.too_large``.
    """
    if len(text) > MAX_QR_TEXT:
        raise QrTooLarge(f"the scanned text has {len(text)} characters, more than {MAX_QR_TEXT}")
    candidate = "".join(text.rpartition("#")[2].split())
    if _COMPACT_JWS.fullmatch(candidate):
        return candidate
    if not _DIGITS.fullmatch(candidate):
        raise MalformedQr("the scanned text holds neither a Pramaan QR payload (digits after '#') "
                          "nor a compact JWS", hint="scan the QR code on the certificate again")
    zdict = _dictionary_for(int(candidate[0]))
    return _unpack(from_digits(candidate[1:]), zdict)


def to_digits(data: bytes) -> str:
    """Each 7-byte chunk as a 17-digit big-endian number; a last chunk of k bytes: DIGITS_FOR[k]."""
    chunks = (data[i:i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES))
    return "".join(str(int.from_bytes(chunk, "big")).zfill(DIGITS_FOR[len(chunk)])
                   for chunk in chunks)


def from_digits(digits: str) -> bytes:
    """The exact inverse of ``to_digits``; refuses lengths and values it could not have written."""
    if digits and not _DIGITS.fullmatch(digits):
        raise MalformedQr("the QR payload must be decimal digits only")
    whole = DIGITS_FOR[CHUNK_BYTES]
    if len(digits) % whole not in DIGITS_FOR[:CHUNK_BYTES]:
        raise MalformedQr(f"{len(digits)} digits cannot be a QR payload (truncated scan?)")
    out = bytearray()
    for i in range(0, len(digits), whole):
        group = digits[i:i + whole]
        size = DIGITS_FOR.index(len(group))
        value = int(group)
        if value >= 1 << (8 * size):
            raise MalformedQr(f"digits {i + 1}-{i + len(group)} exceed {size} bytes")
        out += value.to_bytes(size, "big")
    return bytes(out)


def dictionary(version: int) -> bytes:
    """The preset DEFLATE dictionary of a format version, checked against its pinned SHA-256."""
    name, digest = DICTIONARIES[version]
    return _load_dictionary(name, digest)


@cache
def _load_dictionary(name: str, digest: str) -> bytes:
    try:
        data = (Path(__file__).parent / name).read_bytes()
    except OSError as err:
        raise ConfigurationError(f"QR dictionary {name} cannot be read: {err}") from err
    if hashlib.sha256(data).hexdigest() != digest:
        raise ConfigurationError(f"QR dictionary {name} was altered: released dictionaries are "
                                 "frozen; make a new version instead")
    return data


def _dictionary_for(version: int) -> bytes:
    if version not in DICTIONARIES:
        raise UnsupportedQrVersion(f"QR format version {version} is not supported "
                                   f"(this verifier reads {sorted(DICTIONARIES)})",
                                   hint="update the verifier", version=version)
    return dictionary(version)


def _pack(token: str) -> bytes:
    segments = token.split(".")
    if len(segments) != 3:
        raise MalformedCredential(f"a compact JWS has 3 segments, this token has {len(segments)}")
    header = _segment(segments[0], "header")
    payload = _segment(segments[1], "payload")
    signature = _segment(segments[2], "signature")
    if not isinstance(_json(header, "header"), dict):
        raise MalformedCredential("the JWS header is not a JSON object", field="header")
    _json(payload, "payload")
    if SEPARATOR in header:
        raise MalformedCredential("the JWS header contains a line feed, which v1 cannot carry",
                                  field="header")
    if len(signature) > MAX_SIGNATURE:
        raise MalformedCredential(f"the signature has {len(signature)} bytes; the QR format "
                                  f"carries at most {MAX_SIGNATURE}", field="signature")
    body = header + SEPARATOR + payload
    if len(body) > MAX_INFLATED:
        raise QrTooLarge(f"header and payload are {len(body)} bytes, more than {MAX_INFLATED}")
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=dictionary(VERSION))
    return bytes([len(signature)]) + signature + packer.compress(body) + packer.flush()


def _unpack(binary: bytes, zdict: bytes) -> str:
    if len(binary) < 2 or binary[0] == 0 or len(binary) < 2 + binary[0]:
        raise MalformedQr("the QR payload is too short for a signature and a credential")
    signature, deflated = binary[1:1 + binary[0]], binary[1 + binary[0]:]
    header, separator, payload = _inflate(deflated, zdict).partition(SEPARATOR)
    if not (header and separator and payload):
        raise MalformedQr("the QR payload does not hold a JWS header and payload")
    return ".".join(_base64url(part) for part in (header, payload, signature))


def _inflate(data: bytes, zdict: bytes) -> bytes:
    unpacker = zlib.decompressobj(-15, zdict=zdict)
    try:
        body = unpacker.decompress(data, MAX_INFLATED + 1)
    except zlib.error as err:
        raise MalformedQr("the compressed credential in the QR code is corrupt") from err
    if len(body) > MAX_INFLATED:
        raise QrTooLarge(f"the credential inflates to more than {MAX_INFLATED} bytes")
    if not unpacker.eof:
        raise MalformedQr("the compressed credential in the QR code is truncated")
    if unpacker.unused_data:
        raise MalformedQr("the QR payload has bytes after the compressed credential")
    return body


def _segment(value: str, name: str) -> bytes:
    if not _BASE64URL.fullmatch(value):
        raise MalformedCredential(f"the JWS {name} is empty or not unpadded base64url",
                                  field=name)
    try:
        data = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except binascii.Error as err:
        raise MalformedCredential(f"the JWS {name} is not valid base64url", field=name) from err
    if _base64url(data) != value:
        raise MalformedCredential(f"the JWS {name} is not canonical base64url (stray low bits)",
                                  field=name)
    return data


def _json(data: bytes, name: str) -> object:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise MalformedCredential(f"the JWS {name} is not UTF-8 JSON", field=name) from err


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
