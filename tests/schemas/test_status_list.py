"""Status list encodings against the published vectors (W3C REC Example 3, the IETF draft's byte
arrays), both bit orders, and every W3C error code ``schemas.status_list`` raises."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from keys.jwk import parse_jwks
from keys.signing import verify_jws
from schemas import status_list as sl
from schemas.errors import BadSignature
from tests.clock import NOW

VECTORS = Path(__file__).parents[1] / "vectors"
BASE = "https://pramaan.hr.gov.in"


def vectors(name: str, group: str) -> list[Any]:
    """One group of a vector file, as ``parametrize`` arguments named by each vector."""
    document = json.loads((VECTORS / name).read_text("utf-8"))
    return [pytest.param(v, id=v["name"]) for v in document[group]]


@pytest.mark.parametrize("vector", vectors("status_list.json", "w3c_encoded_lists"))
def test_w3c_published_encoded_list(vector: dict[str, Any]) -> None:
    bits = sl.decode_list(vector["encodedList"])
    assert len(bits) == vector["byte_length"]
    assert [i for i in range(len(bits) * 8) if sl.get_bit(bits, i)] == vector["set_indices"]
    assert sl.decode_list(sl.encode_list(bits)) == bits


@pytest.mark.parametrize("vector", vectors("status_list.json", "ietf_byte_arrays"))
def test_ietf_published_byte_arrays(vector: dict[str, Any]) -> None:
    array = bytes.fromhex(vector["byte_array"])
    bits = vector["bits"]
    statuses = vector["statuses"]
    assert [sl.ietf_value(array, i, bits=bits) for i in range(len(statuses))] == statuses
    packed = sl.ietf_byte_array(dict(enumerate(statuses)), entries=len(statuses), bits=bits)
    assert bytes(packed) == array
    assert zlib.compress(array, 9).hex() == vector["zlib"]
    assert sl.encode_ietf_list(array) == vector["lst"]
    assert sl.decode_ietf_list(vector["lst"]) == array


@pytest.mark.parametrize("vector", vectors("status_list.json", "ietf_tokens"))
def test_ietf_published_status_list_token(vector: dict[str, Any]) -> None:
    """The draft's signed example verifies with its key and reads as its listed statuses."""
    keys = parse_jwks({"keys": [vector["jwk"]]})
    verified = verify_jws(vector["token"], resolve_key=lambda header: keys[header["kid"]],
                          algorithms=["ES256"], types=("statuslist+jwt",))
    claims = json.loads(verified.payload)
    assert (claims["sub"], claims["ttl"]) == (vector["sub"], vector["ttl"])
    assert claims["status_list"]["bits"] == vector["bits"]
    array = sl.decode_ietf_list(claims["status_list"]["lst"])
    statuses = vector["statuses"]
    assert [sl.ietf_value(array, i, bits=vector["bits"]) for i in range(len(statuses))] == \
        statuses
    forged = vector["token"][:-4] + ("AAAA" if not vector["token"].endswith("AAAA") else "BBBB")
    with pytest.raises(BadSignature):
        verify_jws(forged, resolve_key=lambda header: keys[header["kid"]],
                   algorithms=["ES256"], types=("statuslist+jwt",))


def test_ietf_two_bit_values_of_our_lists() -> None:
    values = {0: sl.IETF_INVALID, 5: sl.IETF_SUSPENDED, 131_071: sl.IETF_INVALID}
    array = sl.ietf_byte_array(values, entries=sl.MIN_ENTRIES)
    decoded = sl.decode_ietf_list(sl.encode_ietf_list(array))
    assert len(decoded) == sl.MIN_ENTRIES // 4
    assert {i: sl.ietf_value(decoded, i, bits=2) for i in (0, 1, 5, 131_071)} == {
        0: 1, 1: 0, 5: 2, 131_071: 1}


class TestW3cBitOrder:
    """§7.1: index 0 is the left-most bit, the most significant bit of byte 0."""

    @pytest.mark.parametrize(("index", "byte", "value"), [
        (0, 0, 0x80), (1, 0, 0x40), (7, 0, 0x01), (8, 1, 0x80), (15, 1, 0x01)])
    def test_msb_first(self, index: int, byte: int, value: int) -> None:
        bits = sl.bitstring_of(16, [index])
        assert bits[byte] == value and sum(bits) == value
        assert sl.get_bit(bits, index) and not sl.get_bit(bits, index ^ 1)

    def test_set_and_clear(self) -> None:
        bits = sl.new_bitstring(16)
        sl.set_bit(bits, 9)
        sl.set_bit(bits, 3)
        sl.set_bit(bits, 9, False)
        assert bits.hex() == "1000"

    def test_round_trip_at_the_minimum_size(self) -> None:
        indices = {0, 1, 4_242, 94_567, sl.MIN_ENTRIES - 1}
        bits = sl.decode_list(sl.encode_list(sl.bitstring_of(sl.MIN_ENTRIES, indices)))
        assert {i for i in range(sl.MIN_ENTRIES) if sl.get_bit(bits, i)} == indices

    def test_encoding_is_a_function_of_the_bits(self) -> None:
        bits = sl.bitstring_of(sl.MIN_ENTRIES, [3])
        assert sl.encode_list(bits) == sl.encode_list(bytes(bits))
        assert sl.encode_list(bits).startswith("uH4sI")  # multibase u + GZIP magic


def gzip_encoded(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(data, mtime=0)).rstrip(b"=").decode()


class TestDecodeErrors:
    @pytest.mark.parametrize("encoded", [
        None, 42, "", "H4sIAAAA", "z" + "A" * 10,  # no multibase u prefix
        "u!!!!",  # not base64url
        "u" + base64.urlsafe_b64encode(b"plain text").decode(),  # not gzip
        gzip_encoded(bytes(1024))[:-12],  # truncated stream
    ])
    def test_malformed(self, encoded: object) -> None:
        with pytest.raises(sl.MalformedStatus) as caught:
            sl.decode_list(encoded)
        assert caught.value.code == "MALFORMED_VALUE_ERROR"

    def test_a_gzip_bomb_stops_at_the_cap(self) -> None:
        bomb = gzip_encoded(bytes(16 * 1024 * 1024))
        with pytest.raises(sl.StatusListLengthError) as caught:
            sl.decode_list(bomb, max_entries=sl.MIN_ENTRIES * 8)
        assert caught.value.code == "STATUS_LIST_LENGTH_ERROR"

    def test_ietf_list_that_is_not_zlib(self) -> None:
        with pytest.raises(sl.MalformedStatus):
            sl.decode_ietf_list("bm90IHpsaWI")


def list_credential(purpose: str = "revocation", entries: int = sl.MIN_ENTRIES,
                    indices: tuple[int, ...] = ()) -> dict[str, Any]:
    return sl.list_credential(
        url=sl.list_url(BASE, purpose, 1), issuer=f"{BASE}/councils/hmc", purpose=purpose,
        bits=bytes(sl.bitstring_of(entries, indices)), issued_at=NOW,
        valid_until=NOW + timedelta(days=2), ttl_seconds=300)


class TestReadListBit:
    def test_reads_the_bit(self) -> None:
        credential = list_credential(indices=(94_567,))
        assert sl.read_list_bit(credential, purpose="revocation", index=94_567) is True
        assert sl.read_list_bit(credential, purpose="revocation", index=94_566) is False

    def test_list_credential_shape(self) -> None:
        credential = list_credential("suspension")
        assert credential["id"] == f"{BASE}/status/suspension/1"
        assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        assert credential["credentialSubject"]["ttl"] == 300_000
        assert credential["issuer"] == credential["iss"]

    def test_purpose_may_be_a_list(self) -> None:
        credential = list_credential()
        credential["credentialSubject"]["statusPurpose"] = ["suspension", "revocation"]
        assert sl.read_list_bit(credential, purpose="revocation", index=0) is False

    @pytest.mark.parametrize(("change", "error", "code"), [
        ({"type": ["VerifiableCredential"]}, sl.StatusVerificationError,
         "STATUS_VERIFICATION_ERROR"),
        ({"credentialSubject": "x"}, sl.MalformedStatus, "MALFORMED_VALUE_ERROR"),
    ])
    def test_not_a_list_credential(self, change: dict[str, Any], error: type[sl.StatusError],
                                   code: str) -> None:
        with pytest.raises(error) as caught:
            sl.read_list_bit(list_credential() | change, purpose="revocation", index=0)
        assert caught.value.code == code

    def test_purpose_mismatch(self) -> None:
        with pytest.raises(sl.StatusVerificationError, match="not a revocation list"):
            sl.read_list_bit(list_credential("suspension"), purpose="revocation", index=0)

    def test_too_short(self) -> None:
        with pytest.raises(sl.StatusListLengthError) as caught:
            sl.read_list_bit(list_credential(entries=1024), purpose="revocation", index=0)
        assert caught.value.code == "STATUS_LIST_LENGTH_ERROR"

    def test_out_of_range(self) -> None:
        with pytest.raises(sl.StatusRangeError) as caught:
            sl.read_list_bit(list_credential(), purpose="revocation", index=sl.MIN_ENTRIES)
        assert caught.value.code == "RANGE_ERROR"


class TestReadEntry:
    def test_our_entries(self) -> None:
        revocation, suspension = sl.status_entries(BASE, 3, 17)
        assert sl.read_entry(revocation) == ("revocation", f"{BASE}/status/revocation/3", 17)
        assert sl.read_entry(suspension) == ("suspension", f"{BASE}/status/suspension/3", 17)
        assert revocation["id"] != revocation["statusListCredential"]  # §2.1: MUST NOT equal

    @pytest.mark.parametrize("change", [
        {"statusListIndex": 17}, {"statusListIndex": "-1"}, {"statusListIndex": "1.5"},
        {"statusListIndex": "\u0661\u0667"}, {"statusListIndex": ""},
        {"statusListCredential": "ftp://x/1"}, {"statusPurpose": None}, {"statusSize": 2},
    ])
    def test_malformed(self, change: dict[str, Any]) -> None:
        entry = sl.status_entries(BASE, 1, 17)[0] | change
        with pytest.raises(sl.MalformedStatus) as caught:
            sl.read_entry(entry)
        assert caught.value.code == "MALFORMED_VALUE_ERROR"


@pytest.mark.parametrize(("ttl", "seconds"), [
    (300_000, 300.0), (1_000, 1.0), (10, 1.0), (10**12, 86_400.0), (None, 42.0), (-5, 42.0),
    (True, 42.0), ("300000", 42.0)])
def test_ttl_is_milliseconds_bounded(ttl: object, seconds: float) -> None:
    credential = list_credential()
    credential["credentialSubject"]["ttl"] = ttl
    assert sl.ttl_seconds_of(credential, default=42.0) == seconds


def test_error_codes_are_the_w3c_names() -> None:
    assert {cls.code for cls in (sl.StatusRetrievalError, sl.StatusVerificationError,
                                 sl.StatusListLengthError, sl.StatusRangeError,
                                 sl.MalformedStatus)} == {
        "STATUS_RETRIEVAL_ERROR", "STATUS_VERIFICATION_ERROR", "STATUS_LIST_LENGTH_ERROR",
        "RANGE_ERROR", "MALFORMED_VALUE_ERROR"}
