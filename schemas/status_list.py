"""Status lists, both standards, from one bitstring per purpose: shared by issuer and verifier.

W3C Bitstring Status List v1.0: ``encodedList`` is multibase base64url (prefix ``u``) of the GZIP
of the bitstring, index 0 the most significant bit of byte 0 (§7.1); a list has at least 131,072
entries (herd privacy); ``ttl`` is in milliseconds. IETF Token Status List: ``lst`` is plain
base64url of the ZLIB of a byte array packed from the least significant bit; ``ttl`` in seconds.

Each of our lists pairs a ``revocation`` and a ``suspension`` bitstring with the same size and the
same index per credential, so the IETF form is one 2-bit list (0 valid, 1 invalid, 2 suspended)
built from the same data. Shapes are documented in ``docs/status-lists.md``.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from schemas import errors
from schemas.credential import CONTEXT_V2, format_time

MIN_ENTRIES = 131_072
MAX_ENTRIES = 8 * 1024 * 1024
"""A verifier refuses to inflate a list beyond this (1 MiB of bits): a gzip bomb stays small."""
PURPOSES = ("revocation", "suspension")
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
ENTRY_TYPE = "BitstringStatusListEntry"
IETF_VALID, IETF_INVALID, IETF_SUSPENDED = 0, 1, 2
STATUS_CONTEXT = "https://www.w3.org/ns/credentials/status/v1"
"""Its terms are also in the v2 base context, which our list credentials use alone."""

# The W3C status errors (§3.2) live in the one catalogue, ``schemas/errors.py``; named here too.
StatusError = errors.StatusError
StatusRetrievalError = errors.StatusRetrievalError
StatusVerificationError = errors.StatusVerificationError
StatusListLengthError = errors.StatusListLengthError
StatusRangeError = errors.StatusRangeError
MalformedStatus = errors.MalformedStatus


# --- bitstrings ----------------------------------------------------------------------------


def new_bitstring(entries: int) -> bytearray:
    if entries <= 0 or entries % 8:
        raise ValueError("a status list has a positive multiple of 8 entries")
    return bytearray(entries // 8)


def set_bit(bits: bytearray, index: int, value: bool = True) -> None:
    """W3C order: index 0 is the most significant bit of byte 0."""
    mask = 0x80 >> (index % 8)
    if value:
        bits[index // 8] |= mask
    else:
        bits[index // 8] &= ~mask & 0xFF


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def bitstring_of(entries: int, set_indices: Iterable[int]) -> bytearray:
    bits = new_bitstring(entries)
    for index in set_indices:
        set_bit(bits, index)
    return bits


def encode_list(bits: bytes | bytearray) -> str:
    """``encodedList``: ``u`` + base64url(GZIP(bits)), no padding. Level 6: level 9 costs 15x
    for 13 % (performance.md §7); ``mtime=0`` makes the output a function of the bits alone."""
    packed = gzip.compress(bytes(bits), compresslevel=6, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode_list(encoded: object, *, max_entries: int = MAX_ENTRIES) -> bytes:
    """The bitstring of an ``encodedList``, inflating at most ``max_entries`` bits."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise MalformedStatus("encodedList must be a multibase base64url string (prefix 'u')")
    body = encoded[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as err:
        raise MalformedStatus("encodedList is not base64url") from err
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
    try:
        bits = inflater.decompress(packed, max_entries // 8 + 1)
    except zlib.error as err:
        raise MalformedStatus("encodedList is not GZIP data") from err
    if len(bits) > max_entries // 8 or inflater.unconsumed_tail:
        raise StatusListLengthError(f"the status list is longer than {max_entries} entries")
    if not inflater.eof:
        raise MalformedStatus("encodedList ends before its GZIP stream does")
    return bits


# --- IETF Token Status List ---------------------------------------------------------------


def ietf_byte_array(values: Mapping[int, int], *, entries: int, bits: int = 2) -> bytearray:
    """Pack ``{index: value}`` LSB-first (draft-ietf-oauth-status-list §4.1)."""
    per_byte = 8 // bits
    array = bytearray(-(-entries // per_byte))
    for index, value in values.items():
        array[index // per_byte] |= value << (bits * (index % per_byte))
    return array


def ietf_value(array: bytes | bytearray, index: int, *, bits: int) -> int:
    per_byte = 8 // bits
    return (array[index // per_byte] >> (bits * (index % per_byte))) & ((1 << bits) - 1)


def encode_ietf_list(array: bytes | bytearray) -> str:
    """``lst``: base64url of ZLIB (RFC 1950); level 9 as the draft recommends (the 2-bit array is
    sparse, a few ms per republish, and republishing is cached)."""
    return base64.urlsafe_b64encode(zlib.compress(bytes(array), 9)).rstrip(b"=").decode("ascii")


def decode_ietf_list(lst: str, *, max_bytes: int = MAX_ENTRIES // 8) -> bytes:
    try:
        packed = base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4))
        inflater = zlib.decompressobj()
        array = inflater.decompress(packed, max_bytes + 1)
    except (binascii.Error, ValueError, zlib.error) as err:
        raise MalformedStatus("lst is not base64url ZLIB data") from err
    if len(array) > max_bytes:
        raise StatusListLengthError(f"the status list is longer than {max_bytes} bytes")
    return array


# --- documents ------------------------------------------------------------------------------


def list_url(public_base: str, purpose: str, list_number: int) -> str:
    """e.g. ``https://pramaan.hr.gov.in/status/revocation/1`` (the QR dictionary knows it)."""
    return f"{public_base.rstrip('/')}/status/{purpose}/{list_number}"


def token_list_url(public_base: str, list_number: int) -> str:
    """The IETF Token Status List of list ``list_number`` (both purposes, 2 bits an entry)."""
    return f"{public_base.rstrip('/')}/status/{list_number}/token"


def status_entries(public_base: str, list_number: int, index: int) -> list[dict[str, str]]:
    """The credential's ``credentialStatus``: a revocation and a suspension entry."""
    entries = []
    for purpose in PURPOSES:
        url = list_url(public_base, purpose, list_number)
        entries.append({"id": f"{url}#{index}", "type": ENTRY_TYPE, "statusPurpose": purpose,
                        "statusListIndex": str(index), "statusListCredential": url})
    return entries


def list_credential(*, url: str, issuer: str, purpose: str, bits: bytes | bytearray,
                    issued_at: datetime, valid_until: datetime, ttl_seconds: int
                    ) -> dict[str, Any]:
    """An unsecured ``BitstringStatusListCredential`` (secured as vc+jwt by the issuer)."""
    return {
        "@context": [CONTEXT_V2],
        "id": url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "iss": issuer,
        "iat": int(issued_at.timestamp()),
        "validFrom": format_time(issued_at),
        "validUntil": format_time(valid_until),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": purpose, "encodedList": encode_list(bits),
                              "ttl": ttl_seconds * 1000},
    }


def ietf_claims(*, url: str, issuer: str, array: bytes | bytearray, issued_at: datetime,
                valid_until: datetime, ttl_seconds: int) -> dict[str, Any]:
    """The claims of a ``statuslist+jwt`` (``sub`` is the list's own URI)."""
    return {"sub": url, "iss": issuer, "iat": int(issued_at.timestamp()),
            "exp": int(valid_until.timestamp()), "ttl": ttl_seconds,
            "status_list": {"bits": 2, "lst": encode_ietf_list(array)}}


def read_entry(entry: Mapping[str, Any]) -> tuple[str, str, int]:
    """(purpose, list URL, index) of a ``BitstringStatusListEntry``; malformed → error."""
    purpose, url, index = (entry.get("statusPurpose"), entry.get("statusListCredential"),
                           entry.get("statusListIndex"))
    if not isinstance(purpose, str) or not isinstance(url, str) or not url.startswith("http"):
        raise MalformedStatus("a status entry needs statusPurpose and an http(s) "
                              "statusListCredential")
    if not isinstance(index, str) or not index.isascii() or not index.isdigit():
        raise MalformedStatus("statusListIndex must be a base-10 integer string")
    if entry.get("statusSize", 1) != 1:
        raise MalformedStatus("only 1-bit status entries are supported")
    return purpose, url, int(index)


def read_list_bit(list_credential: Mapping[str, Any], *, purpose: str, index: int,
                  min_entries: int = MIN_ENTRIES) -> bool:
    """The bit at ``index`` of a verified list credential (W3C §3.2 steps 3–5)."""
    types = list_credential.get("type")
    if not isinstance(types, list) or LIST_CREDENTIAL_TYPE not in types:
        raise StatusVerificationError("the status list is not a BitstringStatusListCredential")
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise MalformedStatus("the status list credential has no credentialSubject")
    purposes = subject.get("statusPurpose")
    purposes = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(purposes, list) or purpose not in purposes:
        raise StatusVerificationError(f"the status list is not a {purpose} list")
    bits = decode_list(subject.get("encodedList"))
    if len(bits) * 8 < min_entries:
        raise StatusListLengthError(f"the status list has {len(bits) * 8} entries, fewer than "
                                    f"the {min_entries} required for herd privacy")
    if index >= len(bits) * 8:
        raise StatusRangeError(f"index {index} is beyond the list's {len(bits) * 8} entries")
    return get_bit(bits, index)


def ttl_seconds_of(list_credential: Mapping[str, Any], *, default: float, floor: float = 1.0,
                   ceiling: float = 86_400.0) -> float:
    """The list's ``ttl`` in seconds, bounded to sane values (a tiny ttl must not make every
    verification refetch; a huge one must not freeze a revocation out)."""
    subject = list_credential.get("credentialSubject")
    ttl = subject.get("ttl") if isinstance(subject, dict) else None
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl <= 0:
        return default
    return min(max(ttl / 1000, floor), ceiling)
