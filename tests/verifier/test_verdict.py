"""The clerk's verdict (``verifier.verdict.judge``): each state from real verifications against a
real issuer server, and the page's Hindi table covering every reason."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from keys.signing import SigningKey
from schemas.registry import Registry
from tests.clock import NOW
from tests.verifier.conftest import (
    ALGORITHMS,
    FakeClock,
    JwksServer,
    make_credential,
    sign,
    unsigned_token,
)
from verifier import verdict as v
from verifier.settings import TrustedIssuer
from verifier.status_lists import StatusLists
from verifier.trust import TrustStore
from verifier.verify import VerificationResult, verify_credential

INDEX = 4_242
NUMBER = "HMC-RC-7K3M-Q9PX"
STRINGS = Path(v.__file__).parent / "static" / "strings.json"
Verify = Callable[..., VerificationResult]


@pytest.fixture
def store(jwks_server: JwksServer, clock: FakeClock) -> Iterator[TrustStore]:
    trust = TrustStore([TrustedIssuer(issuer=jwks_server.base_url,
                                      jwks_uri=jwks_server.jwks_uri, name="test council")],
                       now=clock)
    yield trust
    trust.close()


@pytest.fixture
def verify(store: TrustStore, clock: FakeClock, registry: Registry) -> Iterator[Verify]:
    lists = StatusLists(store, algorithms=ALGORITHMS, now=clock)

    def run(token: str, now: datetime = NOW, *, online: bool = True) -> VerificationResult:
        return verify_credential(token, trust=store, algorithms=ALGORITHMS, registry=registry,
                                 now=now, status=lists if online else None)
    yield run
    lists.close()


@pytest.fixture
def issue(jwks_server: JwksServer, es256_key: SigningKey) -> Callable[..., str]:
    def make(type_id: str = "registration", key: SigningKey = es256_key, **claims: object
             ) -> str:
        credential = make_credential(type_id, public_base=jwks_server.base_url,
                                     status=jwks_server.status_entries(INDEX))
        return sign({**credential, **claims}, key)
    return make


def test_valid_with_the_holders_details(verify: Verify, issue: Callable[..., str]) -> None:
    verdict = verify(issue("good-standing")).verdict
    assert verdict is not None and verdict.state == v.VALID and verdict.code == "ok"
    holder = verdict.holder
    assert holder is not None
    assert holder.name == "Dr. Venkata Lakshmi Narasimha Rao Bhagavatula"
    assert holder.name_hi == "डॉ. वेंकट लक्ष्मी नरसिम्हा राव भागवतुला"
    assert (holder.registration_number, holder.council) == ("HMC/2016/0045217",
                                                            "Haryana Medical Council")
    assert (holder.profession, holder.profession_hi) == ("Modern medicine", "आधुनिक चिकित्सा")
    assert holder.certificate == "Good Standing Certificate"
    assert holder.addressee == "General Medical Council, United Kingdom"
    assert holder.qualifications[0].startswith("MBBS (Pt. Bhagwat Dayal Sharma")
    assert holder.valid_until == "2029-07-13T23:59:59+05:30"
    assert holder.issued == "2026-11-26T15:30:00+05:30"
    assert holder.certificate_id == NUMBER


def test_revoked_beats_expired(verify: Verify, issue: Callable[..., str],
                               jwks_server: JwksServer) -> None:
    jwks_server.revoked.add(INDEX)
    jwks_server.details[NUMBER] = {"state": "revoked", "reasonText": "removed from the register"}
    later = NOW.replace(year=2030)
    jwks_server.issued_at = later - timedelta(minutes=5)
    verdict = verify(issue(), later).verdict
    assert verdict is not None and verdict.state == v.REVOKED
    assert verdict.text == "The council has revoked this certificate."
    assert verdict.issuer_reason == "removed from the register"
    assert verdict.holder is not None  # the council's words, to see whose certificate it was


def test_the_councils_reason_comes_with_its_code(verify: Verify, issue: Callable[..., str],
                                                jwks_server: JwksServer) -> None:
    """The page shows the reason in the reader's language by its code; the words stay for
    readers that know no codes."""
    jwks_server.suspended.add(INDEX)
    jwks_server.details[NUMBER] = {"state": "suspended", "reason": "court_order",
                                   "reasonText": "suspended by a court order"}
    verdict = verify(issue()).verdict
    assert verdict is not None and verdict.state == v.SUSPENDED
    body = verdict.to_dict()
    assert (body["issuerReasonCode"], body["issuerReason"]) == ("court_order",
                                                               "suspended by a court order")
    strings = json.loads(STRINGS.read_text("utf-8"))
    assert strings["hi"]["issuerReason.court_order"] != strings["en"]["issuerReason.court_order"]


def test_every_code_the_issuer_sends_has_words_on_the_page() -> None:
    from issuer.status.service import REVOCATION_REASONS, SUSPENSION_REASONS

    strings = json.loads(STRINGS.read_text("utf-8"))
    for code, text in (REVOCATION_REASONS | SUSPENSION_REASONS).items():
        assert strings["en"][f"issuerReason.{code}"] == text
        assert strings["hi"][f"issuerReason.{code}"]


@pytest.mark.parametrize("until", ["2027-01-31T23:59:59+05:30", "2027-01-31T18:29:59+00:00"])
def test_suspended_until(verify: Verify, issue: Callable[..., str],
                         jwks_server: JwksServer, until: str) -> None:
    """Entered as 23:59:59 India time, shown as 23:59 IST of that day, however it was sent."""
    jwks_server.suspended.add(INDEX)
    jwks_server.details[NUMBER] = {"state": "suspended", "until": until}
    verdict = verify(issue()).verdict
    assert verdict is not None and verdict.state == v.SUSPENDED
    assert verdict.date == until  # for machines, as the issuer sent it
    assert verdict.text == ("The council has suspended this certificate until 31 Jan 2027, "
                            "23:59 IST.")


def test_expired_and_not_yet_valid(verify: Verify, issue: Callable[..., str]) -> None:
    expired = verify(issue(), NOW.replace(year=2030)).verdict
    assert expired is not None and expired.state == v.EXPIRED
    assert expired.text == "This certificate's validity ended on 13 Jul 2029, 23:59 IST."
    early = verify(issue(), NOW.replace(year=2020)).verdict
    assert early is not None and early.state == v.NOT_YET_VALID
    assert early.text == "This certificate is valid only from 14 Jul 2024, 00:00 IST."


@pytest.mark.parametrize("how", ["altered", "rogue key", "untrusted issuer", "unsigned"])
def test_not_genuine_shows_no_details(verify: Verify, issue: Callable[..., str],
                                      rogue_key: SigningKey, how: str) -> None:
    token = issue()
    if how == "altered":
        head, _payload, signature = token.split(".")
        other = issue(credentialSubject={**make_credential()["credentialSubject"],
                                         "name": "Someone Else"})
        token = ".".join((head, other.split(".")[1], signature))
    elif how == "rogue key":
        token = issue(key=rogue_key)
    elif how == "untrusted issuer":
        token = sign(make_credential(), rogue_key)
    else:
        token = unsigned_token({"alg": "none", "typ": "vc+jwt"}, make_credential())
    verdict = verify(token).verdict
    assert verdict is not None and verdict.state == v.NOT_GENUINE, verdict
    assert verdict.holder is None
    expected = {"altered": "forged", "rogue key": "unknown_key",
                "untrusted issuer": "untrusted_issuer", "unsigned": "malformed"}[how]
    assert verdict.reason == expected


def test_cannot_check_never_says_valid(verify: Verify, issue: Callable[..., str],
                                       jwks_server: JwksServer) -> None:
    token = issue()
    offline = verify(token, online=False).verdict
    assert offline is not None and (offline.state, offline.reason) == (v.CANNOT_CHECK,
                                                                       "status_offline")
    jwks_server.responses["/status/revocation/1"] = (503, "text/plain", b"down")
    lists_down = verify(token).verdict
    assert lists_down is not None and (lists_down.state, lists_down.reason) == (
        v.CANNOT_CHECK, "status_unreachable")


def test_unreachable_keys_are_cannot_check(verify: Verify, issue: Callable[..., str],
                                           jwks_server: JwksServer) -> None:
    token = issue()
    jwks_server.status = 503
    verdict = verify(token).verdict
    assert verdict is not None
    assert (verdict.state, verdict.reason, verdict.code) == (v.CANNOT_CHECK, "keys_unreachable",
                                                             "upstream.unavailable")


def test_the_answer_carries_the_verdict(verify: Verify, issue: Callable[..., str]) -> None:
    body = verify(issue("noc")).to_dict()["verdict"]
    assert body["state"] == "valid"
    assert body["holder"]["destination"] == "Karnataka Medical Council"
    assert body["holder"]["certificateHi"] == "अनापत्ति प्रमाणपत्र"


def test_the_verdict_names_the_certificate_and_when_it_was_checked(
        verify: Verify, issue: Callable[..., str], jwks_server: JwksServer) -> None:
    jwks_server.suspended.add(INDEX)
    verdict = verify(issue("good-standing")).verdict
    assert verdict is not None and verdict.state == v.SUSPENDED
    assert (verdict.certificate, verdict.checked_at) == ("Good Standing Certificate", NOW)
    body = verdict.to_dict()
    assert body["certificate"] == "Good Standing Certificate"
    assert body["checkedAt"] == "2026-11-26T15:30:00+05:30"  # for machines: ISO, India offset


def test_the_page_translates_every_state_and_reason() -> None:
    strings = json.loads(STRINGS.read_text("utf-8"))
    assert set(strings) == {"en", "hi"}
    assert set(strings["en"]) == set(strings["hi"])
    for reason, text in v.REASONS.items():
        assert strings["en"][f"reason.{reason}"] == text
        assert strings["hi"][f"reason.{reason}"]
    for state in v.STATES:
        assert strings["en"][f"state.{state}"] == v.WORDS[state]
        assert strings["hi"][f"state.{state}"]


def test_holder_details_of_an_odd_payload_are_what_can_be_read(registry: Registry) -> None:
    credential = make_credential("good-standing", name=["Dr.", "Bhagavatula"], nameHi="",
                                 qualifications=[{"degree": "MBBS", "year": "2015"}, "MD"])
    credential |= {"type": "GoodStandingCertificate", "iat": True, "validFrom": "yesterday"}
    holder = v.holder_of(credential, registry)
    assert holder.name is None and holder.name_hi is None and holder.issued is None
    assert holder.qualifications == ("MBBS",) and holder.certificate is None
    assert holder.registration_number == "HMC/2016/0045217" and holder.valid_from == "yesterday"
    assert holder.addressee == "General Medical Council, United Kingdom"
    assert v.holder_of({"credentialSubject": "x"}) == v.holder_of({})
