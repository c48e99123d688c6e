"""The QR text format (docs/qr-format.md): exact round trips, size target, vectors, bad input."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import random
import time
import zlib
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
import zxingcpp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from issuer.delivery.qr import qr_image, qr_version
from schemas import credential as cred
from schemas import qr_payload
from schemas.errors import (
    ConfigurationError,
    MalformedCredential,
    MalformedQr,
    QrTooLarge,
    UnsupportedQrVersion,
)
from schemas.qr_payload import decode_qr_text, encode_qr_text, from_digits, to_digits
from schemas.registry import default_registry

PAGE_URL = "https://verify.pramaan.hr.gov.in/v"
PUBLIC_BASE = "https://pramaan.hr.gov.in"
VECTORS = Path(__file__).parents[1] / "vectors" / "qr"
DOCS = Path(__file__).parents[2] / "docs" / "qr-format.md"
DICTIONARY_V1_SHA256 = "cac8466d4b63b2860ab11fb8dd243b84599295e735de41610cc51211026f806c"
TARGET_VERSION = 22

# The reference record (shared/fixtures/reference-registrant.json): deliberately long fields.
UNIVERSITY = "Pt. Bhagwat Dayal Sharma University of Health Sciences, Rohtak"
REFERENCE = cred.PractitionerRecord(
    name="Dr. Venkata Lakshmi Narasimha Rao Bhagavatula",
    name_hi="डॉ. वेंकट लक्ष्मी नरसिम्हा राव भागवतुला",
    father_name="Sri Rama Chandra Murthy Bhagavatula",
    registration_number="HMC/2016/0045217",
    registration_date=date(2016, 7, 14),
    registration_type="permanent",
    qualifications=(cred.Qualification("MBBS", UNIVERSITY, 2015),
                    cred.Qualification("MD (General Medicine)", UNIVERSITY, 2019)),
)
STATUS = [
    {"id": f"{PUBLIC_BASE}/status/revocation/1#94567", "type": "BitstringStatusListEntry",
     "statusPurpose": "revocation", "statusListIndex": "94567",
     "statusListCredential": f"{PUBLIC_BASE}/status/revocation/1"},
    {"id": f"{PUBLIC_BASE}/status/suspension/1#3071", "type": "BitstringStatusListEntry",
     "statusPurpose": "suspension", "statusListIndex": "3071",
     "statusListCredential": f"{PUBLIC_BASE}/status/suspension/1"},
]
EXTRAS = {
    "registration": {},
    "good-standing": {"addressee": "General Medical Council, United Kingdom",
                      "purpose": "Registration with a foreign medical regulator"},
    "noc": {"purpose": "Transfer of registration to the Delhi Medical Council",
            "destination": "Delhi Medical Council"},
}
Signer = Callable[[str], str]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638: SHA-256 of the required members, sorted, no whitespace."""
    required = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}[jwk["kty"]]
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def jws(header: dict[str, str], payload: bytes, sign: Callable[[bytes], bytes]) -> str:
    encoded_header = b64url(json.dumps(header, separators=(",", ":")).encode())
    signing_input = f"{encoded_header}.{b64url(payload)}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


def es256_signer(key: ec.EllipticCurvePrivateKey) -> Signer:
    numbers = key.public_key().public_numbers()
    kid = thumbprint({"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
                      "y": b64url(numbers.y.to_bytes(32, "big"))})

    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    header = {"alg": "ES256", "typ": "vc+jwt", "cty": "vc", "kid": kid}
    return lambda payload: jws(header, payload.encode(), sign)


def eddsa_signer(key: ed25519.Ed25519PrivateKey) -> Signer:
    public = key.public_key().public_bytes_raw()
    kid = thumbprint({"kty": "OKP", "crv": "Ed25519", "x": b64url(public)})
    header = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": kid}
    return lambda payload: jws(header, payload.encode(), key.sign)


@pytest.fixture(scope="module", params=["ES256", "EdDSA"])
def signer(request: pytest.FixtureRequest) -> Signer:
    if request.param == "ES256":
        return es256_signer(ec.generate_private_key(ec.SECP256R1()))
    return eddsa_signer(ed25519.Ed25519PrivateKey.generate())


def certificate(type_id: str) -> dict[str, Any]:
    """The reference record's certificate of a type, with the status entries before the subject."""
    registry = default_registry()
    draft = cred.CredentialDraft(
        registry.certificate_type(type_id), registry.council("hmc"), REFERENCE,
        f"HMC-{registry.certificate_type(type_id).code}-7K3M-Q9PX",
        cred.start_of_day(date(2024, 7, 14)), cred.end_of_day(date(2029, 7, 13)),
        extra=EXTRAS[type_id])
    built = cred.build_credential(draft, public_base=PUBLIC_BASE,
                                  issued_at=datetime(2025, 11, 26, 9, 30, tzinfo=UTC))
    subject = built.pop("credentialSubject")
    return built | {"credentialStatus": STATUS, "credentialSubject": subject}


def token_for(type_id: str, signer: Signer) -> str:
    return signer(cred.encode_payload(certificate(type_id)).decode())


def reference_token() -> str:
    return token_for("registration", es256_signer(ec.generate_private_key(ec.SECP256R1())))


def qr_digits(binary: bytes) -> str:
    return f"{PAGE_URL}#1{to_digits(binary)}"


# -- round trips --------------------------------------------------------------------------------
@pytest.mark.parametrize("type_id", ["registration", "good-standing", "noc"])
def test_round_trip_is_byte_identical(type_id: str, signer: Signer) -> None:
    token = token_for(type_id, signer)
    text = encode_qr_text(token, page_url=PAGE_URL)
    assert text.startswith(PAGE_URL + "#1")
    assert text[len(PAGE_URL) + 1:].isdigit()
    assert decode_qr_text(text) == token


def test_reference_registration_fits_version_22_at_q() -> None:
    token = reference_token()
    text = encode_qr_text(token, page_url=PAGE_URL)
    version = qr_version(qr_image(text))
    payload = len(cred.encode_payload(certificate("registration")))
    assert version <= TARGET_VERSION, (
        f"payload {payload} B, token {len(token)}, QR text {len(text)}, version {version} at Q")


def test_drawn_qr_reads_back_to_the_token() -> None:
    token = reference_token()
    image = qr_image(encode_qr_text(token, page_url=PAGE_URL))
    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    scanned = zxingcpp.read_barcode(image, formats=qr_only)
    assert scanned is not None
    assert decode_qr_text(scanned.text) == token


@pytest.mark.parametrize("wrap", [
    lambda text: text.rpartition("#")[2],
    lambda text: text.upper(),
    lambda text: f"  {text}\n",
    lambda text: "QR-Code:" + text.replace(PAGE_URL, "http://example.org/?x=1"),
], ids=["digits-only", "uppercased-url", "whitespace", "other-prefix"])
def test_decode_accepts_what_scanners_return(wrap: Callable[[str], str]) -> None:
    token = reference_token()
    assert decode_qr_text(wrap(encode_qr_text(token, page_url=PAGE_URL))) == token


def test_decode_passes_a_plain_compact_jws_through() -> None:
    token = reference_token()
    assert decode_qr_text(f" {token}\n") == token


# -- the frozen dictionary and the vectors ------------------------------------------------------
def test_dictionary_v1_is_frozen() -> None:
    data = (Path(qr_payload.__file__).parent / "qr_dictionary_v1.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == DICTIONARY_V1_SHA256
    assert qr_payload.DICTIONARIES[1][1] == DICTIONARY_V1_SHA256


def test_an_altered_dictionary_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        qr_payload._load_dictionary("qr_dictionary_v1.txt", "0" * 64)


def _docs_text() -> str:
    return "".join(DOCS.read_text("utf-8").split())


def _token_vectors() -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(VECTORS.glob("token-*.json"))]


@pytest.mark.parametrize("vector", json.loads((VECTORS / "digits.json").read_text("utf-8")),
                         ids=lambda v: v["hex"])
def test_digit_vectors(vector: dict[str, str]) -> None:
    assert to_digits(bytes.fromhex(vector["hex"])) == vector["digits"]
    assert from_digits(vector["digits"]) == bytes.fromhex(vector["hex"])
    assert f"`{vector['hex']}`|`{vector['digits']}`" in _docs_text()


@pytest.mark.parametrize("vector", _token_vectors(), ids=lambda v: v["jwk"]["kty"])
def test_token_vectors(vector: dict[str, Any]) -> None:
    assert decode_qr_text(vector["qr_text"]) == vector["token"]
    assert encode_qr_text(vector["token"], page_url=vector["page_url"]) == vector["qr_text"]
    docs = _docs_text()
    assert vector["token"] in docs
    assert vector["qr_text"] in docs


def test_eddsa_vector_is_reproducible_from_its_key() -> None:
    vector = json.loads((VECTORS / "token-eddsa-minimal.json").read_text("utf-8"))
    key = ed25519.Ed25519PrivateKey.from_private_bytes(
        base64.urlsafe_b64decode(vector["jwk"]["d"] + "="))
    segment = vector["token"].split(".")[1]
    payload = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode()
    assert eddsa_signer(key)(payload) == vector["token"]


def test_es256_vector_verifies_with_a_generic_jose_library() -> None:
    vector = json.loads((VECTORS / "token-es256-registration.json").read_text("utf-8"))
    public = jwt.PyJWK({k: v for k, v in vector["jwk"].items() if k != "d"})
    decoded = jwt.api_jws.decode_complete(decode_qr_text(vector["qr_text"]), public,
                                          algorithms=["ES256"])
    assert decoded["header"]["typ"] == "vc+jwt"


# -- refusing to encode what would not come back ------------------------------------------------
HEADER = b64url(b'{"alg":"ES256"}')
PAYLOAD = b64url(b'{"a":1}')
SIGNATURE = b64url(bytes(64))
NOT_UTF8 = b64url(b'{"n":"' + bytes([0xFF]) + b'"}')
HEADER_WITH_LF = b64url(b'{' + bytes([10]) + b'}')
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def non_canonical(segment: str) -> str:
    """The same bytes with a stray low bit set in the last character (RFC 4648 §3.5)."""
    return segment[:-1] + ALPHABET[ALPHABET.index(segment[-1]) | 1]



@pytest.mark.parametrize("token", [
    f"{HEADER}.{PAYLOAD}",
    f"{HEADER}.{PAYLOAD}.{SIGNATURE}.x",
    f"{HEADER}=.{PAYLOAD}.{SIGNATURE}",
    f"{HEADER}.{non_canonical(PAYLOAD)}.{SIGNATURE}",
    f"{HEADER}.{PAYLOAD}.{non_canonical(SIGNATURE)}",
    f"{HEADER}.{PAYLOAD}.",
    f"{HEADER}.{PAYLOAD}.{SIGNATURE}+",
    f"{b64url(b'not json')}.{PAYLOAD}.{SIGNATURE}",
    f"{b64url(b'[1]')}.{PAYLOAD}.{SIGNATURE}",
    f"{b64url(b'{}' + bytes(1))}.{PAYLOAD}.{SIGNATURE}",
    f"{HEADER}.{b64url(b'{}' + bytes(1))}.{SIGNATURE}",
    f"{HEADER}.{NOT_UTF8}.{SIGNATURE}",
    f"{HEADER_WITH_LF}.{PAYLOAD}.{SIGNATURE}",
    f"{HEADER}.{PAYLOAD}.{b64url(bytes(256))}",
    f"{HEADER}.{b64url(b'[' * 5000 + b']' * 5000)}.{SIGNATURE}",
], ids=["two-segments", "four-segments", "padding", "non-canonical-payload",
        "non-canonical-signature", "empty-signature", "not-base64url", "header-not-json",
        "header-not-object", "nul-in-header", "nul-in-payload", "payload-not-utf8",
        "line-feed-in-header", "signature-too-long", "deeply-nested-json"])
def test_encode_refuses_tokens_that_would_not_round_trip(token: str) -> None:
    with pytest.raises(MalformedCredential) as caught:
        encode_qr_text(token, page_url=PAGE_URL)
    assert type(caught.value) is MalformedCredential
    assert caught.value.code == "credential.malformed"


def test_encode_refuses_a_credential_too_big_for_a_qr_code() -> None:
    payload = b64url(json.dumps({"n": b64url(random.Random(1).randbytes(3000))}).encode())
    with pytest.raises(QrTooLarge) as caught:
        encode_qr_text(f"{HEADER}.{payload}.{SIGNATURE}", page_url=PAGE_URL)
    assert caught.value.code == "qr.too_large"


@pytest.mark.parametrize("page_url", ["", "https://v.example/#x", "https://v.example/ v"])
def test_encode_refuses_a_bad_page_url(page_url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        encode_qr_text(f"{HEADER}.{PAYLOAD}.{SIGNATURE}", page_url=page_url)
    assert caught.value.code == "configuration"


# -- malformed QR text ---------------------------------------------------------------------------
def _deflated(body: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=qr_payload.dictionary(1))
    return packer.compress(body) + packer.flush()


VALID_BODY = b'{"alg":"ES256"}\n{"a":1}'
MALFORMED: list[tuple[str, str, type[MalformedQr], str]] = [
    ("empty", "", MalformedQr, "qr.malformed"),
    ("no-fragment", PAGE_URL, MalformedQr, "qr.malformed"),
    ("empty-fragment", PAGE_URL + "#", MalformedQr, "qr.malformed"),
    ("letters", PAGE_URL + "#12a4", MalformedQr, "qr.malformed"),
    ("unicode-digits", PAGE_URL + "#1" + "٣" * 17, MalformedQr, "qr.malformed"),
    ("version-0", PAGE_URL + "#0" + "0" * 17, UnsupportedQrVersion, "qr.unsupported_version"),
    ("version-2", PAGE_URL + "#2" + "0" * 17, UnsupportedQrVersion, "qr.unsupported_version"),
    ("version-only", PAGE_URL + "#1", MalformedQr, "qr.malformed"),
    ("bad-digit-count", PAGE_URL + "#1" + "0" * 18, MalformedQr, "qr.malformed"),
    ("chunk-over-7-bytes", PAGE_URL + "#1" + "9" * 17, MalformedQr, "qr.malformed"),
    ("tail-over-1-byte", PAGE_URL + "#1" + "0" * 17 + "256", MalformedQr, "qr.malformed"),
    ("too-long", PAGE_URL + "#1" + "0" * 4300, QrTooLarge, "qr.too_large"),
    ("zero-signature-length", qr_digits(b"\x00" + _deflated(VALID_BODY)),
     MalformedQr, "qr.malformed"),
    ("signature-only", qr_digits(b"\x40" + bytes(64)), MalformedQr, "qr.malformed"),
    ("corrupt-deflate", qr_digits(b"\x01\x00" + b"\xff" * 20), MalformedQr, "qr.malformed"),
    ("truncated-deflate", qr_digits(b"\x01\x00" + _deflated(VALID_BODY)[:-2]),
     MalformedQr, "qr.malformed"),
    ("trailing-bytes", qr_digits(b"\x01\x00" + _deflated(VALID_BODY) + b"\x00"),
     MalformedQr, "qr.malformed"),
    ("no-separator", qr_digits(b"\x01\x00" + _deflated(b'{"alg":"ES256"}')),
     MalformedQr, "qr.malformed"),
    ("empty-payload", qr_digits(b"\x01\x00" + _deflated(b'{"alg":"ES256"}\n')),
     MalformedQr, "qr.malformed"),
    ("inflate-bomb", qr_digits(b"\x01\x00" + _deflated(b"{}\n" + b"0" * 20_000)),
     QrTooLarge, "qr.too_large"),
]


@pytest.mark.parametrize(("text", "error", "code"), [m[1:] for m in MALFORMED],
                         ids=[m[0] for m in MALFORMED])
def test_decode_rejects_malformed_text(text: str, error: type[MalformedQr], code: str) -> None:
    with pytest.raises(error) as caught:
        decode_qr_text(text)
    assert type(caught.value) is error
    assert caught.value.code == code


def test_fuzzed_text_raises_only_malformed_qr_and_never_hangs() -> None:
    rng = random.Random(20251126)
    valid = encode_qr_text(reference_token(), page_url=PAGE_URL)
    digits = valid.rpartition("#")[2]
    binary = from_digits(digits[1:])
    cases = ["1" + "".join(rng.choices("0123456789", k=rng.randrange(0, 1500)))
             for _ in range(200)]
    cases += [digits[:cut] for cut in range(0, len(digits), 7)]
    for _ in range(500):
        at = rng.randrange(1, len(digits))
        cases.append(digits[:at] + rng.choice("0123456789") + digits[at + 1:])
        cases.append(digits[:at] + digits[at + 1:])
        cases.append(digits[:at] + rng.choice("0123456789#. x") + digits[at:])
        # Well-formed digits over damaged binaries reach the inflate step.
        flipped = bytearray(binary)
        flipped[rng.randrange(len(binary))] ^= 1 << rng.randrange(8)
        cases.append("1" + to_digits(bytes(flipped)))
        cases.append("1" + to_digits(binary[:rng.randrange(len(binary))]))
        cases.append("1" + to_digits(bytes([rng.randrange(256)]) + rng.randbytes(300)))
    started = time.monotonic()
    decoded = 0
    for case in cases:
        with contextlib.suppress(MalformedQr):
            decoded += isinstance(decode_qr_text(case), str)
    assert time.monotonic() - started < 10
    assert decoded > 0  # some damage goes unnoticed here: the signature check catches it
